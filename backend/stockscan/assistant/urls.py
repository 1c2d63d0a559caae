from stockscan.assistant.api import AssistantView, ConversationDetailView, ConversationListView
from stockscan.core.routing import route

urlpatterns = [
    route("ai/assistant/", AssistantView.as_view(), "ai-assistant"),
    route("ai/conversations/", ConversationListView.as_view(), "ai-conversations"),
    route(r"ai/conversations/(?P<pk>[0-9]+)/", ConversationDetailView.as_view(), "ai-conversation-detail"),
]
