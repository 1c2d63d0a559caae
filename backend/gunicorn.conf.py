"""gunicorn reads this file from its working directory (backend/, see Procfile and render.yaml)."""

import os

# Access log lines carry the path without its query string, and no referer: an invitation
# link's token travels in the query (GET /api/auth/invitations/accept/?token=…) and in the
# SPA page's address, and access logs do not go through the masking logging filter.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(L)s'

# Threaded workers: a request waiting on the AI model (up to about twice AI_TIMEOUT_SECONDS)
# or on any slow outside service holds one thread, not a whole process, so the rest of the
# API keeps its throughput (scripts/bench/assistant.py measures it). The views are plain
# blocking Django; each thread keeps its own database connection, so PostgreSQL sees up to
# WEB_CONCURRENCY x GUNICORN_THREADS connections.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
