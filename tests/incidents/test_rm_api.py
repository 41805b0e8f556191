"""The RM incident API as issue 12's contract gives it, with 성민감 isolation."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config.roles import RM_SENSITIVE
from incidents.models import Incident
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
URL = "/api/v1/incidents/"


def body(**overrides):  # type: ignore[no-untyped-def]
    return {
        "service": "daeri",
        "category": "criminal",
        "subtype": "theft",
        "severity": "high",
        "description": "차량 내 지갑 분실",
        "occurred_at": "2026-10-08T10:00:00+09:00",
        "media_or_agency": False,
        "parties": [
            {
                "kind": "driver",
                "external_id": "D-1",
                "role": "driver",
                "name": "홍길동",
                "phone": "010-1234-5678",
            },
            {"kind": "customer", "external_id": "C-1", "role": "reporter"},
        ],
        **overrides,
    }


@pytest.fixture
def rm(api_as, rm_user):  # type: ignore[no-untyped-def]
    return api_as(rm_user)


@pytest.fixture
def rms(api_as):  # type: ignore[no-untyped-def]
    return api_as(make_user("rms1", RM_SENSITIVE))


def test_the_taxonomy_is_the_contracts_shape_with_all_forty_subtypes(rm):
    answer = rm.get(f"{URL}taxonomy/")
    assert answer.status_code == 200
    data = answer.json()
    assert [c["code"] for c in data] == ["sexual", "criminal", "insurance", "other"]
    assert all(set(c) == {"code", "label", "subtypes"} for c in data)
    subtypes = [s for c in data for s in c["subtypes"]]
    assert len(subtypes) == 40
    assert all(set(s) == {"code", "label", "definition", "insurance_exempt"} for s in subtypes)
    misfuel = next(s for s in subtypes if s["code"] == "misfuel")
    assert misfuel == {
        "code": "misfuel",
        "label": "혼유",
        "definition": misfuel["definition"],
        "insurance_exempt": True,
    }
    assert "잘못된 유종" in misfuel["definition"]


def test_filing_answers_201_new_with_the_sla_due_and_masked_parties(rm):
    answer = rm.post(URL, body(), format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["status"] == "new"
    assert isinstance(data["id"], int)
    assert datetime.fromisoformat(data["sla_due_at"]) > datetime.fromisoformat(data["reported_at"])
    assert (data["category_label"], data["subtype_label"]) == ("형사 신고", "도난")
    driver = next(p for p in data["parties"] if p["role"] == "driver")
    assert (driver["name"], driver["phone"]) == ("홍*동", "010-****-5678")
    assert [e["kind"] for e in data["timeline"]] == ["created"]


def test_a_subtype_not_in_the_category_is_a_400_in_korean(rm):
    answer = rm.post(URL, body(category="insurance", subtype="theft"), format="json")
    assert answer.status_code == 400
    assert "세부 유형 'theft'" in answer.json()["subtype"][0]
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"category": "nope"},
        {"service": "plane"},
        {"severity": "huge"},
        {"occurred_at": "1999-01-01T00:00:00Z"},
        {"occurred_at": "2999-01-01T00:00:00Z"},
        {"parties": [{"external_id": "X", "role": "boss"}]},
        {"parties": [{"external_id": "X", "role": "driver", "phone": "12"}]},
        {"description": ""},
    ],
)
def test_bad_input_is_a_400_not_a_500(rm, change):
    assert rm.post(URL, body(**change), format="json").status_code == 400


def test_agents_may_neither_read_nor_file(api_as, agent):
    client = api_as(agent)
    assert client.get(URL).status_code == 403
    assert client.post(URL, body(), format="json").status_code == 403


def test_the_whole_pipeline_through_the_api_and_an_illegal_move_is_409_naming_the_state(rm):
    pk = rm.post(URL, body(), format="json").json()["id"]
    answer = rm.post(f"{URL}{pk}/transition/", {"to": "closed"}, format="json")
    assert answer.status_code == 409
    assert "'신규' 상태에서" in answer.json()["status"][0]
    for to in ("triaged", "investigating", "action_taken", "closed"):
        answer = rm.post(f"{URL}{pk}/transition/", {"to": to, "reason": "확인"}, format="json")
        assert answer.status_code == 200, answer.json()
    assert rm.post(f"{URL}{pk}/transition/", {"to": "reopened"}, format="json").status_code == 400
    answer = rm.post(
        f"{URL}{pk}/transition/", {"to": "reopened", "reason": "재제보"}, format="json"
    )
    assert answer.json()["status"] == "reopened"
    assert answer.json()["timeline"][-1]["reason"] == "재제보"
    assert answer.json()["timeline"][-1]["actor"] == "rm1"


def test_assigning_by_username_and_refusing_someone_outside_rm(rm, agent):
    pk = rm.post(URL, body(), format="json").json()["id"]
    answer = rm.post(f"{URL}{pk}/assign/", {"assignee": "rm1"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["assignee"] == "rm1"
    assert rm.post(f"{URL}{pk}/assign/", {"assignee": "agent1"}, format="json").status_code == 400


def test_the_queue_filters_and_pages_by_keyset(rm, manager):
    for sub in ("theft", "violence", "violence"):
        rm.post(URL, body(subtype=sub), format="json")
    rm.post(URL, body(category="other", subtype="general_dispute", severity="low"), format="json")
    first = Incident.objects.order_by("id").first()
    assert first is not None
    rm.post(f"{URL}{first.pk}/assign/", {"assignee": "rm1"}, format="json")

    def ids(query: str) -> int:
        return len(rm.get(f"{URL}?{query}").json()["results"])

    assert ids("category=criminal") == 3
    assert ids("subtype=violence") == 2
    assert ids("severity=low&service=daeri") == 1
    assert ids("status=new") == 4
    assert ids("assignee=rm1") == 1
    assert ids("service=taxi") == 0
    assert rm.get(f"{URL}?status=nope").status_code == 400
    page = rm.get(f"{URL}?page_size=2").json()
    assert set(page) == {"results", "next"}


def test_the_keyset_page_walks_every_incident_once(rm, settings):
    from config.pagination import KeysetPagination

    for _ in range(5):
        rm.post(URL, body(), format="json")
    seen: list[int] = []
    original = KeysetPagination.page_size
    KeysetPagination.page_size = 2
    try:
        url: str | None = URL
        while url:
            page = rm.get(url).json()
            seen += [i["id"] for i in page["results"]]
            url = page["next"]
    finally:
        KeysetPagination.page_size = original
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 5


def test_unknown_incident_is_404_in_korean(rm):
    answer = rm.get(f"{URL}999999/")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "찾을 수 없습니다."


# --- 성민감 isolation -----------------------------------------------------------------------


@pytest.fixture
def secret(rms):  # type: ignore[no-untyped-def]
    answer = rms.post(URL, body(category="sexual", subtype="harassment"), format="json")
    assert answer.status_code == 201
    return answer.json()["id"]


@pytest.mark.parametrize("who", ["rm_user", "manager"])
def test_a_sensitive_case_does_not_exist_for_plain_rm_or_managers(request, api_as, secret, who):
    client = api_as(request.getfixturevalue(who))
    assert client.get(f"{URL}{secret}/").status_code == 404
    assert secret not in [i["id"] for i in client.get(URL).json()["results"]]
    assert client.get(f"{URL}?category=sexual").json()["results"] == []
    moved = client.post(f"{URL}{secret}/transition/", {"to": "triaged"}, format="json")
    assert moved.status_code == 404
    assigned = client.post(f"{URL}{secret}/assign/", {"assignee": "rms1"}, format="json")
    assert assigned.status_code == 404
    assert Incident.objects.get(pk=secret).status == "new"


def test_rm_sensitive_sees_works_and_lists_the_case(rms, secret):
    assert rms.get(f"{URL}{secret}/").json()["subtype_label"] == "성희롱"
    assert [i["id"] for i in rms.get(f"{URL}?category=sexual").json()["results"]] == [secret]
    assert (
        rms.post(f"{URL}{secret}/assign/", {"assignee": "rms1"}, format="json").status_code == 200
    )
    moved = rms.post(f"{URL}{secret}/transition/", {"to": "triaged"}, format="json")
    assert moved.json()["status"] == "triaged"


def test_the_sensitive_permission_belongs_to_rm_sensitive_only(rm_user, manager, agent):
    holder = make_user("rms2", RM_SENSITIVE)
    perm = "incidents.view_sensitive_incident"
    assert holder.has_perm(perm)
    assert not any(u.has_perm(perm) for u in (rm_user, manager, agent))
    assert holder.has_perm("incidents.work_incident")


def test_the_description_is_masked_in_the_api_detail_and_list_as_on_the_page(api_as, rm_user):
    from incidents.services.rm import PartyInput, incident_create

    incident = incident_create(
        service="daeri",
        category="criminal",
        subtype="violence",
        severity="high",
        description="홍길동 기사(010-1234-5678)가 12가3456 차량에서 폭행, 주민번호 900101-1234567",
        occurred_at=datetime(2026, 10, 6, 9, tzinfo=ZoneInfo("Asia/Seoul")),
        parties=[PartyInput(role="driver", external_id="D-1", name="홍길동")],
    )
    rm = api_as(rm_user)
    detail = rm.get(f"/api/v1/incidents/{incident.pk}/").json()["description"]
    [listed] = [
        i["description"]
        for i in rm.get("/api/v1/incidents/").json()["results"]
        if i["id"] == incident.pk
    ]
    for text in (detail, listed):
        assert text.startswith("홍*동 기사(010-****-5678)가 12가**** 차량에서")
        for hidden in ("홍길동", "1234-5678", "3456", "1234567"):
            assert hidden not in text


def test_the_list_filters_mine_like_the_page(rm, rm_user):
    from incidents.services.rm import incident_assign

    make_user("rm2", "rm")
    mine, theirs, nobodys = (rm.post(URL, body(), format="json").json()["id"] for _ in range(3))
    incident_assign(incident_id=mine, assignee="rm1", actor=None)
    incident_assign(incident_id=theirs, assignee="rm2", actor=None)
    assert [i["id"] for i in rm.get(URL, {"mine": "true"}).json()["results"]] == [mine]
    everything = {i["id"] for i in rm.get(URL, {"mine": "false"}).json()["results"]}
    assert everything == {mine, theirs, nobodys}
    assert rm.get(URL, {"mine": "maybe"}).status_code == 400


@pytest.mark.parametrize(
    ("party", "field"),
    [
        ({"external_id": "C-1", "role": "customer", "kind": "driver"}, "kind"),
        ({"external_id": "D-1", "role": "driver", "kind": "customer"}, "kind"),
        ({"external_id": "D-1", "role": "driver", "phone": "12"}, "phone"),
        ({"external_id": "D\x00", "role": "driver"}, "external_id"),
    ],
)
def test_a_partys_errors_are_reported_under_its_place_in_the_list(rm, party, field):
    ok = {"external_id": "C-9", "role": "customer"}
    answer = rm.post(URL, body(parties=[ok, party]), format="json")
    assert answer.status_code == 400
    errors = answer.json()["parties"]
    assert list(errors) == ["1"] and field in errors["1"], errors
    assert not Incident.objects.exists()


def test_a_reporter_may_be_any_kind_of_account(rm):
    party = {"external_id": "D-5", "role": "reporter", "kind": "driver"}
    answer = rm.post(URL, body(parties=[party]), format="json")
    assert answer.status_code == 201, answer.json()
