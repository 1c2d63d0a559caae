from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    """Routes answer with or without the trailing slash: the SPA writes it, other clients
    (curl in the runbook, Stripe's dashboard) may not, and a redirect would lose a POST body."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
