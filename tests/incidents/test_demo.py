import io

import pytest
from django.core.management.base import OutputWrapper

from incidents import demo
from incidents.models import Account, Restriction, Review, Violation
from incidents.selectors import account_detail

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_made_once_in_each_state():
    for _ in range(2):
        demo.seed(OutputWrapper(io.StringIO()))
    assert Account.objects.count() == 6
    assert Violation.objects.count() == len(demo.DEMO)
    assert Restriction.objects.filter(kind="ban").count() == 1
    assert Review.objects.filter(status="open").count() == 2
    states = {a.external_id: account_detail(a).state for a in Account.objects.all()}
    assert states == {
        "T-DEMO-1": "suspended",
        "T-DEMO-2": "banned",
        "T-DEMO-3": "suspended",
        "D-DEMO-1": "restricted",
        "D-DEMO-2": "under_review",
        "C-DEMO-1": "suspended",
    }
