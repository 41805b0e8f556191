"""Whatever JSON a client posts, the quote endpoint answers 200 or a 400 with field messages."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from policies import seed_book
from policies.facts import FACTS

RULES = [r["code"] for r in seed_book.RULES]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
fact_names = st.sampled_from(list(FACTS)) | st.text(max_size=10)
facts = st.dictionaries(
    fact_names,
    st.integers(min_value=-5, max_value=10**13) | st.booleans() | json_scalars,
    max_size=5,
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        "rule": st.sampled_from(RULES) | json_scalars,
        "target": st.sampled_from(["customer", "driver"]) | json_scalars,
        "facts": facts | json_values,
        "policy_version": st.integers(min_value=-2, max_value=3) | json_scalars,
    },
)


@pytest.mark.django_db
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(payload=payloads)
def test_quote_never_fails_on_input(payload, django_user_model):
    user, _ = django_user_model.objects.get_or_create(username="fuzz", is_superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/v1/quotes/", payload, format="json")
    assert response.status_code in (200, 400), response.content
    body = response.json()
    if response.status_code == 400:
        assert isinstance(body, dict) and body
    else:
        for tier in body["tiers"]:
            for key in ("amount", "amount_max", "charge"):
                assert tier[key] is None or (isinstance(tier[key], int) and tier[key] >= 0)
