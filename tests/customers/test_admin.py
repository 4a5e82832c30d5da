"""The registry and API tokens in the Django admin: desk admins only; tokens shown once."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import roles
from accounts.models import ApiToken
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [*roles.ALL_ROLES, "none"])
def test_registry_admin_is_for_desk_admins_only(users: dict, role: str) -> None:
    CustomerFactory(name="Larkspur Travel")
    user = users[role]
    user.is_staff = True  # staff status alone must not open the admin's registry
    user.save()
    client = Client()
    client.force_login(user)
    response = client.get("/admin/customers/customer/")
    if role == roles.ADMIN:
        assert response.status_code == 200 and "Larkspur Travel" in response.content.decode()
    else:
        assert response.status_code == 403


def test_an_admin_issues_a_token_and_sees_the_key_once(users: dict) -> None:
    admin_user = users[roles.ADMIN]
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"user": users[roles.AGENT].pk, "name": "laptop"},
        follow=True,
    )
    page = response.content.decode()
    token = ApiToken.objects.get(name="laptop")
    assert "tsd_" in page and token.prefix in page
    assert not ApiToken.objects.filter(key_hash__startswith="tsd_").exists()
