import pytest

from stockscan.orgs.models import Role


@pytest.fixture
def owner(workspace):
    """The owner, with the address the email and reset tests write to."""
    user = workspace.user(Role.OWNER)
    user.email = "gerante@bistro.test"
    user.save()
    return user
