"""The AI assistant (stockscan.assistant): the model it may call, and how often a member may ask.

Off unless AI_ENABLED is true and OPENAI_API_KEY is set: the assistant then answers with its
deterministic engine (`reason` AI_DISABLED or AI_NOT_CONFIGURED). OPENAI_BASE_URL points the
official `openai` package at any OpenAI-compatible server; AI_API says which API it speaks
(`responses`, the default, or `chat` for Chat Completions only)."""

from django.core.exceptions import ImproperlyConfigured

from config import env

AI_ENABLED = env.boolean("AI_ENABLED", False)
OPENAI_API_KEY = env.string("OPENAI_API_KEY", "")
# Empty: the SDK's default (api.openai.com).
OPENAI_BASE_URL = env.string("OPENAI_BASE_URL", "")
AI_MODEL = env.string("AI_MODEL", "gpt-4o-mini")
AI_API = env.string("AI_API", "responses")
if AI_API not in ("responses", "chat"):
    raise ImproperlyConfigured("AI_API must be responses or chat.")
# Per attempt; the SDK retries once (a timeout, a 429 or a 5xx), so a request waits at most
# about twice this long for the model before answering its fallback.
AI_TIMEOUT_SECONDS = env.seconds("AI_TIMEOUT_SECONDS", 15)
# Questions per member, shared by every process through the cache (Redis): past it, 429.
AI_THROTTLE_RATE = env.string("AI_THROTTLE_RATE", "20/min")
# Conversations are kept this long after their last exchange (manage.py assistant_purge).
AI_CONVERSATION_RETENTION_DAYS = env.integer("AI_CONVERSATION_RETENTION_DAYS", 90)
# The longest the assistant's facts of a month are served from the cache; any change to the
# business's inventory drops them at once (stockscan.assistant.selectors.facts_cache). 0: off.
AI_FACTS_CACHE_SECONDS = env.integer("AI_FACTS_CACHE_SECONDS", 300)
