from django.urls import re_path


def route(path: str, view, name: str):
    """A path that answers with or without its trailing slash (clients send both)."""
    return re_path(rf"^{path.strip('/')}/?$", view, name=name)
