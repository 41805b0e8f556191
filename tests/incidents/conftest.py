"""Fixtures of the accounts-and-penalties tests: one user per role, an API client per user.
The published policy version (v1, from the data migration) holds the penalty rules."""

import pytest
from rest_framework.test import APIClient

from config.roles import AGENT, MANAGER, RM
from tests.policies.conftest import make_user


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
