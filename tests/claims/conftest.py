import pytest

from config.roles import AGENT
from tests.conftest import make_user


@pytest.fixture
def other_agent(db):
    return make_user("agent2", AGENT)


LATE = {
    "rule": "dispatch.reservation_late",
    "target": "customer",
    "call_id": "CALL-1001",
    "customer": {"external_id": "C-1", "name": "홍길동", "phone": "010-1234-5678"},
    "driver": {"external_id": "D-9", "name": "김기사", "phone": "010-9876-5432"},
    "facts": {"late_minutes": 45},
    "memo": "예약 45분 지연",
}
CALLBACK = {
    "rule": "cs_complaint.callback_delay",
    "target": "customer",
    "call_id": "CALL-2002",
    "customer": {"external_id": "C-2"},
    "facts": {"business_days_since_promise": 3},
}
OUTAGE = {
    "rule": "outage.customer_expense",
    "target": "customer",
    "call_id": "CALL-3003",
    "customer": {"external_id": "C-3"},
    "facts": {},
}


@pytest.fixture
def file_claim(api_as, agent):
    def file(payload=LATE, user=None):
        response = api_as(user or agent).post("/api/v1/claims/", payload, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return file


@pytest.fixture
def staff_manager(manager):
    manager.is_staff = True
    manager.save()
    return manager
