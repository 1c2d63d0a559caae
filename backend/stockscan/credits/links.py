from django.conf import settings


def statement_link_url(token: str) -> str:
    """The page the customer opens: the SPA reads the statement from /api/customers/statement/."""
    return f"{settings.FRONTEND_URL}/statement/{token}"
