"""The RM queue in the browser: an RM user filters the queue, takes a case and assigns others
in bulk, moves one along and shares it with the brand-risk contact; a 성민감 case is absent for
plain RM and present for rm_sensitive. The pages run under the CSP (no inline script)."""

import pytest
from django.utils import timezone

from config.roles import RM, RM_SENSITIVE
from incidents.models import Incident, IncidentShare
from incidents.services.rm import PartyInput, incident_create
from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.e2e.test_claims import watch_csp

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-12345678"


def file(category: str, subtype: str, text: str, **extra) -> Incident:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return incident_create(
        service=extra.pop("service", "daeri"),
        category=category,
        subtype=subtype,
        severity=extra.pop("severity", "high"),
        description=text,
        occurred_at=now - timezone.timedelta(hours=3),
        reported_at=now - timezone.timedelta(hours=2),
        parties=[PartyInput(role="driver", external_id="D-E2E-RM", name="최도윤")],
        **extra,
    )


@pytest.fixture
def cases(db):  # type: ignore[no-untyped-def]
    make_user("rm-e2e", RM)
    make_user("rms-e2e", RM_SENSITIVE)
    return {
        "major": file("insurance", "major", "다중 추돌, 방송 취재", media_or_agency=True),
        "misfuel": file("insurance", "misfuel", "혼유 사고"),
        "theft": file("criminal", "theft", "지갑 분실"),
        "secret": file("sexual", "harassment", "부적절한 발언 신고"),
    }


def rows(page) -> set[int]:  # type: ignore[no-untyped-def]
    return {
        int(v) for v in page.eval_on_selector_all("input[name=ids]", "els => els.map(e => e.value)")
    }


def test_rm_filters_assigns_transitions_and_shares(page, live_server, cases):
    seen: list[str] = []
    watch_csp(page, seen)
    login(page, live_server, "rm-e2e", PASSWORD)
    page.goto(f"{live_server.url}/incidents/")
    assert rows(page) == {cases[k].pk for k in ("major", "misfuel", "theft")}

    # The subtype list narrows to the chosen category (the page's script), then filter.
    page.select_option("#id_category", "insurance")
    assert (
        page.locator("#id_subtype optgroup[label='형사 신고']").get_attribute("hidden") is not None
    )
    page.click("button:has-text('찾기')")
    page.wait_for_url("**/incidents/?*category=insurance*")
    assert rows(page) == {cases["major"].pk, cases["misfuel"].pk}

    # Take one, then hand both to the sensitive colleague in bulk; the filter stays.
    page.locator(
        f"tr:has(input[value='{cases['misfuel'].pk}']) button:has-text('내가 맡기')"
    ).click()
    page.wait_for_selector("text=맡았습니다")
    assert Incident.objects.get(pk=cases["misfuel"].pk).assignee.username == "rm-e2e"
    assert "category=insurance" in page.url
    page.check(f"input[name=ids][value='{cases['major'].pk}']")
    page.check(f"input[name=ids][value='{cases['misfuel'].pk}']")
    page.select_option("#bulk-form select[name=assignee]", "rms-e2e")
    page.click("#bulk-assign")
    page.wait_for_selector("text=2건을 rms-e2e에게 배정했습니다")
    assert set(Incident.objects.filter(category="insurance").values_list(
        "assignee__username", flat=True)) == {"rms-e2e"}  # fmt: skip

    # The case page: move it along, then share it (required before closing: media involved).
    page.click(f"a:has-text('#{cases['major'].pk}')")
    page.wait_for_selector("text=종결하기 전에 브랜드 리스크 담당자에게 공유해야 합니다")
    page.select_option("#id_to", "triaged")
    page.fill("#id_reason", "영상 확보")
    page.click("button:has-text('상태 바꾸기')")
    page.wait_for_selector("text=상태를 '분류됨'(으)로 바꿨습니다")
    assert Incident.objects.get(pk=cases["major"].pk).status == "triaged"
    page.click("button:has-text('가림 요약 공유')")
    page.wait_for_selector("pre.summary")
    assert "최*윤" in page.inner_text("pre.summary")
    assert IncidentShare.objects.filter(incident=cases["major"]).count() == 1
    assert "영상 확보" in page.inner_text("table.grid >> nth=-1")  # the timeline's reason

    # The dashboard draws its charts from the page's JSON under the CSP.
    # The nav groups its pages in menus that open on hover.
    page.hover("nav .menu-title:has-text('RM 사고')")
    page.click("nav >> text=RM 현황")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('category-chart'))"
    )
    assert "보험 사고" in page.inner_text("main")
    assert seen == []


def test_a_sensitive_case_shows_only_to_rm_sensitive(page, browser, live_server, cases):
    login(page, live_server, "rm-e2e", PASSWORD)
    page.goto(f"{live_server.url}/incidents/?status=all")
    assert cases["secret"].pk not in rows(page)
    assert "성민감" not in page.inner_text("#id_category")
    response = page.goto(f"{live_server.url}/incidents/{cases['secret'].pk}/")
    assert response is not None and response.status == 404

    other = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul").new_page()
    login(other, live_server, "rms-e2e", PASSWORD)
    other.goto(f"{live_server.url}/incidents/?status=all")
    assert cases["secret"].pk in rows(other)
    other.goto(f"{live_server.url}/incidents/{cases['secret'].pk}/")
    assert "성희롱" in other.inner_text("h1")
    other.context.close()
