"""Bulk import on PostgreSQL: counts, the error report, dedup within the file and against the
database, tiering equal to the evaluator row by row, all-or-nothing, the command and the API."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from claims.relief import import_python, importer
from claims.relief.generate import generate
from claims.relief.models import ReliefApplication, ReliefImport
from claims.relief.services import Applicant, relief_application_create
from policies.relief import Facts, evaluate
from policies.selectors_relief import current_rules
from tests.claims.relief.conftest import csv_text, row

pytestmark = [pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _import_root(tmp_path, settings):
    settings.RELIEF_IMPORT_ROOT = tmp_path / "relief"


def run(tmp_path: Path, text: str, program: str = "outage-1015") -> ReliefImport:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    job = importer.relief_import_create(program=program, source=path, original_name="in.csv")
    return importer.relief_import_run(import_id=job.pk)


def report(job: ReliefImport) -> list[list[str]]:
    with open(job.error_report_path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.django_db
def test_good_rows_land_bad_rows_go_to_the_report(tmp_path):
    text = csv_text(
        [
            row(business_number="111-11-11111", reported_loss="300000"),  # line 2
            row(business_number="1111111111", external_id="B-2"),  # 3: duplicate of line 2
            row(segment="alien"),  # 4
            row(business_number="12", reported_loss="-5"),  # 5: two errors
            row(submitted_at="2023-05-01T10:00:00+09:00", business_number="2222222222"),  # 6
            row(segment="user", kind="customer", business_number="", reported_loss=""),  # 7
            row(business_number="3333333333", reported_loss="500,001"),  # 8: committee
        ]
    )
    job = run(tmp_path, text)
    assert job.status == "done", job.error_message
    assert (job.imported, job.duplicates, job.rejected) == (4, 1, 3)
    assert (job.total_rows, job.processed_rows, job.progress_percent) == (7, 7, 100)
    by_line = {a.source_line: a for a in ReliefApplication.objects.filter(source_import=job)}
    assert sorted(by_line) == [2, 3, 7, 8]
    assert by_line[2].status == "approved" and by_line[2].business_number == "1111111111"
    assert by_line[3].status == "duplicate" and by_line[3].duplicate_of_id == by_line[2].pk
    assert by_line[8].status == "committee_review" and by_line[8].reported_loss == 500_001
    assert [(g.instrument, g.amount) for g in by_line[2].grants.order_by("order")] == [
        ("business_support", 30_000),
        ("channel_cash", 50_000),
    ]
    rows = report(job)
    assert rows[0] == ["줄", "열", "값", "오류"]
    lines = [(r[0], r[1]) for r in rows[1:]]
    assert lines == [
        ("4", "segment"),
        ("5", "business_number"),
        ("5", "reported_loss"),
        ("6", "submitted_at"),
    ]
    assert "2022-10-19~2022-11-06" in rows[-1][3]
    assert all(ch >= "가" for ch in rows[1][3][:1])  # Korean message
    # Every row either lands or is in the report.
    reported = {int(r[0]) for r in rows[1:]}
    assert reported.isdisjoint(by_line) and len(reported) + len(by_line) == 7


@pytest.mark.django_db
def test_duplicates_against_the_database_are_linked(tmp_path):
    rules_code = "outage-1015"
    from django.utils.dateparse import parse_datetime

    stored = relief_application_create(
        program=rules_code,
        segment="small_business",
        applicant=Applicant("business", "B-0", "기존", "444-44-44444"),
        reported_loss=0,
        damage="no_loss",
        channel="web",
        submitted_at=parse_datetime("2022-10-21T09:00:00+09:00"),
    )
    job = run(
        tmp_path, csv_text([row(business_number="4444444444"), row(business_number="5555555555")])
    )
    dup = ReliefApplication.objects.get(source_import=job, business_number="4444444444")
    assert (dup.status, dup.duplicate_of_id) == ("duplicate", stored.pk)
    assert job.duplicates == 1
    # Importing the same file again: every number is now a duplicate.
    again = run(tmp_path, csv_text([row(business_number="5555555555")]))
    assert (again.imported, again.duplicates) == (1, 1)


@pytest.mark.django_db
def test_sql_tiering_matches_the_evaluator_row_by_row(tmp_path):
    path = tmp_path / "gen.csv"
    generate(path, rows=3000, bad=30, duplicates=40, seed=7)
    extra = csv_text(
        [
            row(business_number=f"90000000{n:02d}", reported_loss=str(loss))
            for n, loss in enumerate([0, 300_000, 300_001, 500_000, 500_001, 10**12])
        ]
        + [
            row(
                segment="driver",
                kind="driver",
                business_number="",
                external_id=f"D-{s}-{n}",
                reported_loss="",
                submitted_at="2022-12-12T10:00:00+09:00",
                saturdays_worked=str(s),
                nights_worked=str(n),
            )
            for s in (0, 7, 8, 12, 13, 15)
            for n in (0, 1, 2)
        ]
    )
    text = path.read_text(encoding="utf-8") + extra.split("\n", 1)[1]
    job = run(tmp_path, text)
    assert job.status == "done", job.error_message
    rules = current_rules(code="outage-1015")
    checked = 0
    for app in ReliefApplication.objects.filter(source_import=job).prefetch_related("grants"):
        if app.status == "duplicate":
            assert app.duplicate_of is not None and not app.grants.exists()
            continue
        outcome = evaluate(
            rules,
            Facts(app.segment, app.reported_loss, app.saturdays_worked, app.nights_worked),
        )
        got = [(g.instrument, g.amount, g.count, g.validity_days) for g in app.grants.all()]
        want = [(g.instrument, g.amount, g.count, g.validity_days) for g in outcome.grants]
        assert (app.status, got) == (outcome.status, want), app.source_line
        checked += 1
    assert checked > 2900


@pytest.mark.django_db(transaction=True)
def test_a_failure_mid_import_leaves_nothing(tmp_path):
    # A real database failure in the middle of the landing (the events insert): a trigger.
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION test_relief_boom() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'boom'; END; $$ LANGUAGE plpgsql"""
        )
        cursor.execute(
            "CREATE TRIGGER test_relief_boom BEFORE INSERT ON claims_reliefapplicationevent "
            "FOR EACH STATEMENT EXECUTE FUNCTION test_relief_boom()"
        )
    try:
        job = run(tmp_path, csv_text([row(business_number=f"77777777{n:02d}") for n in range(50)]))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_relief_boom ON claims_reliefapplicationevent")
            cursor.execute("DROP FUNCTION test_relief_boom()")
    assert job.status == "failed" and "boom" in job.error_message
    assert not ReliefApplication.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'relief_stage_%%'")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "빈 파일"),
        ("a,b,c\n1,2,3\n", "헤더는 다음 열이어야 합니다"),
    ],
)
def test_a_file_that_cannot_be_read_fails_whole(tmp_path, text, message):
    job = run(tmp_path, text)
    assert job.status == "failed" and message in job.error_message
    assert not ReliefApplication.objects.exists()


@pytest.mark.django_db
def test_a_row_with_the_wrong_number_of_cells_is_reported(tmp_path):
    text = csv_text([row()]) + "small_business,business,B-9\n"
    job = run(tmp_path, text)
    assert (job.imported, job.rejected) == (1, 1)
    assert report(job)[1][0] == "3" and "열 수" in report(job)[1][3]
    assert report(job)[1][2] == "small_business,business,B-9"  # the record as read


@pytest.mark.django_db
@pytest.mark.parametrize("path_kind", ["database", "python"])
def test_the_error_report_does_not_run_formulas(tmp_path, path_kind):
    text = (
        csv_text(
            [
                row(segment='=HYPERLINK("http://x")'),
                row(damage="@SUM(A1)", business_number="2222222222"),
                row(reported_loss="-5", business_number="3333333333"),
            ]
        )
        + "+cmd,business,B-9\n"
    )
    if path_kind == "python":
        path = tmp_path / "in.csv"
        path.write_text(text, encoding="utf-8")
        job = importer.relief_import_create(
            program="outage-1015", source=path, original_name="in.csv"
        )
        import_python.run_python(job, current_rules(code="outage-1015"))
        job.refresh_from_db()
    else:
        job = run(tmp_path, text)
    values = {int(r[0]): r[2] for r in report(job)[1:]}
    assert values == {
        2: '\'=HYPERLINK("http://x")',
        3: "'@SUM(A1)",
        4: "'-5",
        5: "'+cmd,business,B-9",
    }


@pytest.mark.django_db
def test_the_command_prints_the_counts_and_the_report(tmp_path):
    path = tmp_path / "cmd.csv"
    path.write_text(csv_text([row(), row(segment="alien")]), encoding="utf-8")
    out = io.StringIO()
    call_command("relief_import", "--program", "outage-1015", str(path), stdout=out)
    assert "등록 1건(중복 0건 포함), 거부 1건" in out.getvalue()
    assert "오류 보고서:" in out.getvalue()


@pytest.mark.django_db
def test_the_python_path_decides_like_the_sql_path(tmp_path):
    path = tmp_path / "gen.csv"
    generate(path, rows=500, bad=20, duplicates=20, seed=3)
    sql_job = run(tmp_path, path.read_text(encoding="utf-8"))
    sql = sorted(
        ReliefApplication.objects.filter(source_import=sql_job).values_list("source_line", "status")
    )
    ReliefApplication.objects.all().delete()
    job = importer.relief_import_create(program="outage-1015", source=path, original_name="g.csv")
    import_python.run_python(job, current_rules(code="outage-1015"))
    job.refresh_from_db()
    python = sorted(
        ReliefApplication.objects.filter(source_import=job).values_list("source_line", "status")
    )
    assert python == sql
    assert (job.imported, job.duplicates, job.rejected) == (
        sql_job.imported,
        sql_job.duplicates,
        sql_job.rejected,
    )
    assert report(job) == report(sql_job)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_eager")
def test_upload_through_the_api_runs_and_reports(tmp_path, api_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from config.roles import AGENT, MANAGER
    from tests.conftest import make_user

    manager = make_user("relief-manager", MANAGER)
    upload = SimpleUploadedFile(
        "p.csv", csv_text([row(), row(segment="alien")]).encode(), content_type="text/csv"
    )
    client = api_as(manager)
    response = client.post(
        "/api/v1/relief/imports/", {"program": "outage-1015", "file": upload}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    status = client.get(f"/api/v1/relief/imports/{job_id}/").json()
    assert status["status"] == "done" and status["progress_percent"] == 100
    assert (status["imported"], status["rejected"]) == (1, 1)
    errors = client.get(status["errors_url"])
    assert errors.status_code == 200
    body = b"".join(errors.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "줄,열,값,오류" and "segment" in body
    agent = make_user("relief-agent", AGENT)
    assert api_as(agent).get(f"/api/v1/relief/imports/{job_id}/").status_code == 403
    bad = client.post(
        "/api/v1/relief/imports/",
        {"program": "nope", "file": SimpleUploadedFile("p.csv", b"x")},
        format="multipart",
    )
    assert bad.status_code == 400 and "program" in bad.json()


ODD_CELLS = (
    [
        {"submitted_at": t}
        for t in (
            "2022-10-20",
            "2022-10-20 10:00",
            "2022-10-20T10:00:00Z",
            "2022-10-20T10:00:00.123456+0900",
            "2022-10-20T10:00:00.1234567+09:00",
            "2022-10-20+09:00",
            "20221020",
            "2022-02-30T10:00",
            "2022-10-20T24:00",
            "２０２２-10-20",
        )
    ]
    + [
        {"reported_loss": v}
        for v in ("1,000,000", "²", "-1", "1e5", "999999999999999999", "9999999999999999999")
    ]
    + [{"external_id": v} for v in ("a b", "x" * 65, "한글")]
    + [{"saturdays_worked": "3", "nights_worked": "٣"}]
)


@pytest.mark.django_db
def test_both_paths_agree_on_odd_cells(tmp_path):
    rows = [row(business_number=f"80000000{n:02d}", **cells) for n, cells in enumerate(ODD_CELLS)]
    path = tmp_path / "odd.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    sql_job = run(tmp_path, path.read_text(encoding="utf-8"))
    sql = sorted(
        ReliefApplication.objects.filter(source_import=sql_job).values_list(
            "source_line", "status", "submitted_at", "reported_loss"
        )
    )
    ReliefApplication.objects.all().delete()
    job = importer.relief_import_create(program="outage-1015", source=path, original_name="o.csv")
    import_python.run_python(job, current_rules(code="outage-1015"))
    job.refresh_from_db()
    python = sorted(
        ReliefApplication.objects.filter(source_import=job).values_list(
            "source_line", "status", "submitted_at", "reported_loss"
        )
    )
    assert python == sql
    assert report(job) == report(sql_job)
    assert len(sql) == 6  # four times and two losses are good


@pytest.mark.django_db
@pytest.mark.parametrize("path_kind", ["database", "python"])
def test_a_missing_loss_and_a_wrong_account_kind_are_row_errors(tmp_path, path_kind):
    text = csv_text(
        [
            row(business_number="1111111111", reported_loss=""),  # 2: loss missing
            row(business_number="2222222222", reported_loss="0"),  # 3: 0 is the first tier
            row(business_number="3333333333", kind="driver"),  # 4: a driver's account
            row(segment="user", kind="business", business_number="", reported_loss=""),  # 5
            row(segment="user", kind="customer", business_number="", reported_loss=""),  # 6
        ]
    )
    if path_kind == "python":
        path = tmp_path / "in.csv"
        path.write_text(text, encoding="utf-8")
        job = importer.relief_import_create(
            program="outage-1015", source=path, original_name="in.csv"
        )
        import_python.run_python(job, current_rules(code="outage-1015"))
        job.refresh_from_db()
    else:
        job = run(tmp_path, text)
    assert (job.imported, job.rejected) == (2, 3)
    errors = {(int(r[0]), r[1]): r[3] for r in report(job)[1:]}
    assert set(errors) == {(2, "reported_loss"), (4, "kind"), (5, "kind")}
    assert "신고 매출 손실" in errors[2, "reported_loss"]
    assert "사업자(business)" in errors[4, "kind"]
    zero = ReliefApplication.objects.get(source_line=3)
    assert zero.status == "approved" and zero.grants.filter(amount=30_000).exists()


@pytest.mark.django_db
def test_the_row_total_counts_csv_records_not_newlines(tmp_path):
    from claims.relief.import_common import count_records

    text = csv_text([row(name="홍\n길동"), row(business_number="2222222222")]).rstrip("\n")
    path = tmp_path / "odd.csv"
    path.write_text(text + "\n\n", encoding="utf-8")
    assert count_records(str(path)) == 2
    path.write_text(text, encoding="utf-8")  # no newline at the end
    assert count_records(str(path)) == 2
    job = run(tmp_path, text)
    assert (job.total_rows, job.processed_rows, job.imported, job.rejected) == (2, 2, 2, 0)
