import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from config.roles import AGENT, MANAGER, RM


def make_user(username: str, role: str | None):
    user = get_user_model().objects.create_user(username=username, password="pw-12345678")
    user.is_staff = True
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def agent(db):
    return make_user("agent1", AGENT)


@pytest.fixture
def manager(db):
    return make_user("manager1", MANAGER)


@pytest.fixture
def rm_user(db):
    return make_user("rm1", RM)


@pytest.fixture
def api_as():
    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login
