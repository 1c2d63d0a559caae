"""gunicorn reads this file from its working directory (backend/, see Procfile and render.yaml)."""

# Access log lines carry the path without its query string, and no referer: an invitation
# link's token travels in the query (GET /api/auth/invitations/accept/?token=…) and in the
# SPA page's address, and access logs do not go through the masking logging filter.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(L)s'
