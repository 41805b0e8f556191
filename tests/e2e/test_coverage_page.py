"""A manager checks the statutory coverage in the browser: the form, the answer with
separators and 원, the table with the cell hit, the lines in force; nothing blocked by the CSP.
Screenshots land in SCREENSHOT_DIR when it is set (for looking at the page)."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_manager_checks_coverage_and_sees_the_shortfall(page, live_server):
    call_command("seed_demo", password="demo-pass-1234", stdout=io.StringIO())
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    login(page, live_server, "manager", "demo-pass-1234")
    page.goto(f"{live_server.url}/policies/coverage/")
    # The nav's 정책 menu links the page (menus open on hover, so the link is not shown text).
    assert page.locator("nav a[href='/policies/coverage/']").count() == 1
    page.fill("#id_revenue", "120,000,000,000")
    page.fill("#id_users_oct", "31,000,000")
    page.fill("#id_users_nov", "30,000,000")
    page.fill("#id_users_dec", "31,000,000")
    page.click("button:has-text('점검')")
    page.wait_for_selector(".verdict")
    verdict = page.inner_text(".verdict")
    # The demo's privacy line (1,000,000,000원) meets the top cell exactly.
    assert "충족" in verdict and "1,000,000,000원" in verdict
    assert page.inner_text("td.hit") == "1,000,000,000원"
    assert "일일평균 1,000,000명" in page.inner_text("table.facts")
    shot(page, "coverage-ok.png")

    page.fill("#id_on", "2024-03-14")
    page.fill("#id_revenue", "50,000,000")
    page.fill("#id_users_oct", "30,000")
    page.fill("#id_users_nov", "31,000")
    page.fill("#id_users_dec", "30,999")
    page.click("button:has-text('점검')")
    page.wait_for_selector(".verdict")
    assert "의무 대상 아님" in page.inner_text(".verdict")
    assert "999명이 기준 1,000명 미만" in page.inner_text(".verdict")

    page.fill("#id_users_dec", "31,000")
    page.fill("#id_reserve", "")
    page.click("button:has-text('점검')")
    page.wait_for_selector(".verdict.short, .verdict.ok")
    shot(page, "coverage-v1.png")

    page.fill("#id_revenue", "-1")
    page.click("button:has-text('점검')")
    page.wait_for_selector(".errorlist")
    shot(page, "coverage-error.png")
    assert violations == []
