"""사고다발: a 대리 driver with at least 3 accidents within the policy's window (365 days), or
one gross-negligence accident in it, is flagged automatically with the incidents that caused
it; the accounts API lists the flag; 성민감 causes stay hidden."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.roles import RM_SENSITIVE
from incidents.models import AccountEvent, AccountFlag, EventKind, Incident
from incidents.selectors import account_flag_kinds, flagged_drivers, flags_visible_to
from incidents.services.flags import account_flag_clear, account_repeat_accidents_judge
from incidents.services.rm import PartyInput, incident_create
from incidents.services.rm_changes import incident_add_party, incident_change_subtype
from policies import seed_rm
from policies.models import RmSubtype
from policies.selectors import current_version
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 2, 10, tzinfo=KST)


@pytest.fixture(autouse=True)
def now(clock):  # type: ignore[no-untyped-def]
    clock.at = NOW
    return NOW


def accident(driver: str = "D-1", *, days_ago: float = 0, subtype: str = "over_limit", **kw):  # type: ignore[no-untyped-def]
    fields = {
        "service": "daeri",
        "category": "insurance",
        "subtype": subtype,
        "severity": "medium",
        "description": "대리 운행 중 추돌",
        "occurred_at": NOW - timedelta(days=days_ago),
        "parties": [
            PartyInput(role="driver", external_id=driver, name="김기사"),
            PartyInput(role="customer", external_id="C-1"),
        ],
    }
    return incident_create(**{**fields, **kw})


def flag_of(driver: str = "D-1") -> AccountFlag | None:
    return AccountFlag.objects.filter(
        account__kind="driver", account__external_id=driver, cleared_at__isnull=True
    ).first()


# --- policy data ----------------------------------------------------------------------------


def test_v1_marks_the_accident_and_gross_negligence_subtypes_as_seed_rm_says():
    v1 = RmSubtype.objects.filter(version__number=1)
    assert set(v1.filter(accident=True).values_list("code", flat=True)) == seed_rm.ACCIDENTS
    gross = set(v1.filter(gross_negligence=True).values_list("code", flat=True))
    assert gross == seed_rm.GROSS_NEGLIGENCE == {"dui_accident", "unlicensed", "hit_and_run"}
    assert gross <= seed_rm.ACCIDENTS
    assert not v1.filter(category__code="sexual", accident=True).exists()
    version = current_version()
    assert (version.rm_repeat_accident_window_days, version.rm_repeat_accident_count) == (365, 3)


# --- the judgement --------------------------------------------------------------------------


def test_two_accidents_are_not_enough_three_are():
    first, second = accident(days_ago=200), accident(days_ago=100)
    assert flag_of() is None
    third = accident(days_ago=1)
    flag = flag_of()
    assert flag is not None
    assert set(flag.incidents.all()) == {first, second, third}
    assert flag.reason == "365일 안의 대리 사고 3건 (기준 3건)"
    event = AccountEvent.objects.get(account=flag.account, kind=EventKind.FLAGGED)
    assert "#" not in event.note  # no incident named in the widely read history
    assert flag_of("C-1") is None


def test_the_rolling_year_edge():
    # Exactly 365 days back still counts; 366 days back does not.
    accident("D-1", days_ago=365)
    accident("D-1", days_ago=30)
    accident("D-1", days_ago=0)
    assert flag_of("D-1") is not None
    accident("D-2", days_ago=366)
    accident("D-2", days_ago=30)
    accident("D-2", days_ago=0)
    assert flag_of("D-2") is None


def test_one_gross_negligence_accident_is_enough():
    dui = accident(subtype="dui_accident", days_ago=10)
    flag = flag_of()
    assert flag is not None
    assert list(flag.incidents.all()) == [dui]
    assert flag.reason == "365일 안의 대리 중과실 사고 1건"


def test_only_accidents_of_daeri_rides_count():
    accident(service="taxi")
    accident(service="truka")
    accident(category="criminal", subtype="violence")  # not an accident
    accident(category="criminal", subtype="driver_dui")  # "사고가 없는 경우"
    assert flag_of() is None
    accident(category="criminal", subtype="hit_and_run")  # an accident, and gross
    assert flag_of() is not None


def test_judging_again_changes_nothing():
    for days in (3, 2, 1):
        accident(days_ago=days)
    flag = flag_of()
    account_repeat_accidents_judge(account_id=flag.account_id)
    assert AccountFlag.objects.count() == 1
    assert AccountEvent.objects.filter(kind=EventKind.FLAGGED).count() == 1
    accident(days_ago=0)  # a fourth joins the standing flag
    assert AccountFlag.objects.count() == 1
    assert flag_of().incidents.count() == 4


def test_a_subtype_change_clears_the_flag_and_a_new_driver_party_raises_it(rm_user):
    one, two = accident(days_ago=3), accident(days_ago=2)
    three = accident(days_ago=1)
    assert flag_of() is not None
    incident_change_subtype(
        incident_id=three.pk,
        actor=rm_user,
        category="other",
        subtype="general_dispute",
        reason="사고 아님으로 재분류",
    )
    assert flag_of() is None
    cleared = AccountFlag.objects.get()
    assert cleared.cleared_at == NOW and cleared.cleared_by == rm_user
    assert Incident.objects.get(pk=three.pk).subtype == "general_dispute"
    # A third accident of the driver found later: the party is added to a case without them.
    other = accident("D-9", days_ago=5)
    incident_add_party(
        incident_id=other.pk,
        actor=rm_user,
        party=PartyInput(role="driver", external_id="D-1"),
        reason="동승 기사 확인",
    )
    flag = flag_of()
    assert flag is not None
    assert set(flag.incidents.all()) == {one, two, other}


def test_rm_clears_a_flag_by_hand_with_a_reason(rm_user):
    accident(subtype="unlicensed")
    flag = flag_of()
    account_flag_clear(flag_id=flag.pk, actor=rm_user, reason="면허 정지 오기 확인")
    account_flag_clear(flag_id=flag.pk, actor=rm_user, reason="다시")
    flag.refresh_from_db()
    assert flag.clear_reason == "면허 정지 오기 확인"
    assert AccountEvent.objects.filter(kind=EventKind.FLAG_CLEARED).count() == 1


# --- reads: the accounts API, the RM list, the admin; 성민감 causes hidden ----------------------


def test_the_accounts_api_lists_the_flag(api_as, agent):
    for days in (3, 2, 1):
        accident(days_ago=days)
    body = api_as(agent).get("/api/v1/accounts/driver/D-1/").json()
    assert body["flags"] == ["repeat_accidents"]
    assert api_as(agent).get("/api/v1/accounts/customer/C-1/").json()["flags"] == []


def _flag_caused_by(incidents: list[Incident]) -> AccountFlag:
    # Made directly: no subtype of v1's 성민감 category is an accident, but a later version
    # may make one so; the reads must hold then.
    flag = AccountFlag.objects.create(
        account=incidents[0].parties.get(role="driver").account,
        kind=AccountFlag.Kind.REPEAT_ACCIDENTS,
        reason="시험",
        raised_at=NOW,
    )
    flag.incidents.set(incidents)
    return flag


def test_a_flag_caused_only_by_a_sensitive_incident_is_hidden(api_as, rm_user):
    secret = accident("D-5", category="sexual", subtype="assault")
    _flag_caused_by([secret])
    holder = make_user("rms1", RM_SENSITIVE)
    assert list(flagged_drivers(rm_user)) == []
    assert account_flag_kinds(secret.parties.get(role="driver").account, rm_user) == []
    assert api_as(rm_user).get("/api/v1/accounts/driver/D-5/").json()["flags"] == []
    assert [f.account.external_id for f in flagged_drivers(holder)] == ["D-5"]
    assert api_as(holder).get("/api/v1/accounts/driver/D-5/").json()["flags"] == [
        "repeat_accidents"
    ]


def test_a_flag_shows_only_the_causes_the_user_may_see(rm_user):
    plain = accident("D-6")
    secret = accident("D-6", category="sexual", subtype="assault")
    _flag_caused_by([plain, secret])
    [flag] = flags_visible_to(rm_user)
    assert flag.visible_incidents == [plain]
    [flag] = flags_visible_to(make_user("rms1", RM_SENSITIVE))
    assert {i.pk for i in flag.visible_incidents} == {plain.pk, secret.pk}


def test_the_admin_list_and_search_hide_sensitive_causes(client, rm_user):
    for days in (3, 2, 1):
        accident("D-1", days_ago=days)
    secret = accident("D-5", category="sexual", subtype="assault")
    _flag_caused_by([secret])
    client.force_login(rm_user)
    listing = client.get("/admin/incidents/accountflag/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "D-1" in page and "D-5" not in page
    assert f"#{secret.pk}<" not in page
    searched = client.get("/admin/incidents/accountflag/?q=D-5").content.decode()
    assert "0개" in searched or "D-5</a>" not in searched
    hidden = AccountFlag.objects.get(account__external_id="D-5")
    assert client.get(f"/admin/incidents/accountflag/{hidden.pk}/change/").status_code in (302, 404)


# --- API: reclassify, add a party -----------------------------------------------------------

URL = "/api/v1/incidents/"


def test_reclassifying_and_adding_a_driver_through_the_api(api_as, rm_user):
    rm = api_as(rm_user)
    one, two = accident(days_ago=3), accident(days_ago=2)
    case = accident("D-9", days_ago=1, category="other", subtype="general_dispute")
    body = {"category": "insurance", "subtype": "major", "reason": "중대형 사고로 확인"}
    moved = rm.post(f"{URL}{case.pk}/subtype/", body, format="json")
    assert moved.status_code == 200
    assert (moved.json()["subtype"], moved.json()["timeline"][-1]["kind"]) == ("major", "updated")
    assert flag_of() is None  # D-1 is not a party of it yet
    party = {"role": "driver", "external_id": "D-1", "reason": "실제 운전 기사"}
    added = rm.post(f"{URL}{case.pk}/parties/", party, format="json")
    assert added.status_code == 200
    assert {p["external_id"] for p in added.json()["parties"]} >= {"D-1", "D-9"}
    assert set(flag_of().incidents.all()) == {one, two, Incident.objects.get(pk=case.pk)}


def test_a_subtype_outside_the_category_is_400_and_moving_into_sexual_hides_it(api_as, rm_user):
    rm = api_as(rm_user)
    case = accident()
    wrong = {"category": "other", "subtype": "theft", "reason": "x"}
    answer = rm.post(f"{URL}{case.pk}/subtype/", wrong, format="json")
    assert answer.status_code == 400
    assert "subtype" in answer.json()
    hide = {"category": "sexual", "subtype": "harassment", "reason": "성민감 사안 확인"}
    assert rm.post(f"{URL}{case.pk}/subtype/", hide, format="json").status_code == 204
    assert rm.get(f"{URL}{case.pk}/").status_code == 404
    assert Incident.objects.get(pk=case.pk).sensitive is True


# --- the daily re-judgement -------------------------------------------------------------------


def test_the_daily_task_is_pinned_and_scheduled():
    from django.conf import settings

    from config.celery_app import app
    from incidents import tasks

    app.loader.import_default_modules()
    assert tasks.rejudge_repeat_accident_flags.name == "incidents.rejudge_repeat_accident_flags"
    entry = settings.CELERY_BEAT_SCHEDULE["incidents-rejudge-repeat-accident-flags"]
    assert entry["task"] == "incidents.rejudge_repeat_accident_flags"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({4}, {10})


def test_a_flag_whose_accidents_aged_out_is_cleared_by_the_daily_task_once(clock):
    from incidents import tasks

    for days in (360, 300, 200):
        accident("D-1", days_ago=days)
    for days in (30, 20, 10):
        accident("D-2", days_ago=days)
    assert flag_of("D-1") is not None and flag_of("D-2") is not None
    clock.at = NOW + timedelta(days=10)  # D-1's first accident is now 370 days old
    assert tasks.rejudge_repeat_accident_flags.apply().get() == 1
    assert tasks.rejudge_repeat_accident_flags.apply().get() == 0
    assert flag_of("D-1") is None
    assert flag_of("D-2") is not None
    cleared = AccountFlag.objects.get(account__external_id="D-1")
    assert cleared.clear_reason.startswith("재판정: 기준 미달")
    assert AccountEvent.objects.filter(kind=EventKind.FLAG_CLEARED).count() == 1
