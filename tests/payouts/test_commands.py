import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutRequest

pytestmark = pytest.mark.django_db


def _grant(*args, stdin=None, monkeypatch=None):
    out = io.StringIO()
    call_command(
        "payouts_blanket_grant",
        "--code=outage-1015-emoticon",
        "--instrument=emoticon",
        "--count=3",
        "--recipient-kind=customer",
        "--program=outage-1015",
        *args,
        stdout=out,
    )
    return out.getvalue()


def test_blanket_grant_command_from_a_csv_file_issues_everyone_once(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("recipient_id\nU1\nU2\nU3\n", encoding="utf-8")
    output = _grant(f"--csv={path}", "--inline")
    assert "새 대상 3건" in output and "3건 지급" in output
    # Run again: nothing new, no batch (an empty one would only add noise).
    output = _grant(f"--csv={path}", "--inline")
    assert "새 대상 0건" in output and "이미 모두 지급되었습니다" in output
    assert PayoutBatch.objects.count() == 1
    assert LedgerEntry.objects.count() == 3
    assert BlanketGrant.objects.get().status == "done"


def test_blanket_grant_command_from_stdin_and_synthetic(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("A\nB\n"))
    _grant("--csv=-", "--no-issue")
    assert PayoutRequest.objects.filter(status="pending").count() == 2
    out = io.StringIO()
    call_command(
        "payouts_blanket_grant",
        "--code=driver-thanks",
        "--instrument=points",
        "--amount=50000",
        "--recipient-kind=driver",
        "--synthetic=5",
        "--inline",
        stdout=out,
    )
    assert LedgerEntry.objects.filter(instrument="points").count() == 5


def test_blanket_grant_command_from_a_queryset(settings):
    from django.contrib.auth import get_user_model

    settings.PAYOUTS_GRANT_QUERYSETS = ["auth.User"]

    get_user_model().objects.create(username="a")
    _grant("--queryset=auth.User", "--inline")
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv=/nonexistent/x.csv"], "CSV를 읽을 수 없습니다"),
        (["--queryset=nope.Model"], "모델을 찾을 수 없습니다"),
        (["--queryset=auth.User:shoe_size"], "필드가 없습니다"),
        (["--queryset=auth.User:groups"], "관계 필드"),
        (["--queryset=auth.Group"], "쓸 수 없는 모델"),
        (["--queryset=auth.Permission:content_type"], "쓸 수 없는 모델"),
        (["--synthetic=0"], "1 이상"),
        (["--synthetic=1", "--validity-days=-5"], "유효기간은 1~32,767일"),
        (["--synthetic=1", "--validity-days=99999"], "유효기간은 1~32,767일"),
        (["--synthetic=99999999999"], "이하여야"),
        (["--synthetic=1", "--count=99999999999"], "수량은 2,147,483,647 이하"),
        (["--synthetic=1", "--code=" + "x" * 65], "코드는 영문"),
        (["--synthetic=1", "--code=한글-코드"], "코드는 영문"),
        (["--synthetic=1", "--code=a b"], "코드는 영문"),
    ],
)
def test_blanket_grant_command_bad_input_is_a_clear_error(args, message, settings):
    settings.PAYOUTS_GRANT_QUERYSETS = ["auth.User", "nope.Model"]
    with pytest.raises(CommandError, match=message):
        _grant(*args)
    assert not PayoutRequest.objects.exists()
    assert not BlanketGrant.objects.exists()  # checked before anything is created


def test_blanket_grant_command_huge_amount_is_a_clear_error():
    with pytest.raises(CommandError, match="금액은 9,223,372,036,854,775,807원 이하"):
        call_command(
            "payouts_blanket_grant",
            "--code=huge",
            "--instrument=channel_cash",
            "--amount=99999999999999999999",
            "--recipient-kind=customer",
            "--synthetic=1",
        )


def test_blanket_grant_command_non_utf8_csv_is_a_clear_error_and_the_grant_failed(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(b"recipient_id\nU1\n" + "사용자\n".encode("euc-kr"))
    with pytest.raises(CommandError, match="UTF-8"):
        _grant(f"--csv={path}")
    assert BlanketGrant.objects.get().status == BlanketGrant.Status.FAILED


def test_queryset_skips_null_ids(admin_user):
    # A nullable column (the admin log's object_id): rows without a value name no account.
    from django.contrib.admin.models import ADDITION, LogEntry

    from payouts.services.grant_loading import blanket_grant_load_queryset
    from tests.payouts.factories import BlanketGrantFactory

    for object_id in ("X1", None, "X2"):
        LogEntry.objects.create(user=admin_user, object_id=object_id, action_flag=ADDITION)
    grant = BlanketGrantFactory()
    added = blanket_grant_load_queryset(
        grant=grant, queryset=LogEntry.objects.all(), field="object_id"
    )
    assert added == 2
    assert set(grant.requests.values_list("recipient_id", flat=True)) == {"X1", "X2"}


def test_no_issue_only_loads_and_the_nightly_leaves_the_grant_alone(tmp_path):
    from datetime import date

    from payouts.services.batches import payout_batch_start_nightly

    path = tmp_path / "users.csv"
    path.write_text("U1\nU2\n", encoding="utf-8")
    _grant(f"--csv={path}", "--no-issue")
    batch, _ = payout_batch_start_nightly(run_date=date(2026, 1, 5))
    assert batch.total == 0
    assert PayoutRequest.objects.filter(status="pending").count() == 2
    assert not LedgerEntry.objects.exists()
    assert BlanketGrant.objects.get().status == BlanketGrant.Status.LOADED


def test_blanket_grant_command_refuses_an_amount_for_a_counted_instrument(tmp_path):
    with pytest.raises(CommandError, match="수량"):
        call_command(
            "payouts_blanket_grant",
            "--code=x",
            "--instrument=emoticon",
            "--amount=3000",
            "--recipient-kind=customer",
            "--synthetic=1",
        )


def test_queryset_filter_selects_rows_of_the_allowed_model(settings):
    from django.contrib.auth import get_user_model

    settings.PAYOUTS_GRANT_QUERYSETS = ["auth.User"]
    user_model = get_user_model()
    user_model.objects.create(username="active1", is_active=True)
    user_model.objects.create(username="gone", is_active=False)
    _grant("--queryset=auth.User:username", "--filter=is_active=1", "--no-issue")
    assert list(PayoutRequest.objects.values_list("recipient_id", flat=True)) == ["active1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--queryset=auth.User", "--filter=groups__name=x"], "관계 조회 불가"),
        (["--queryset=auth.User", "--filter=groups=1"], "관계 필드"),
        (["--queryset=auth.User", "--filter=is_active=maybe"], "값이 올바르지 않습니다"),
        (["--queryset=auth.User", "--filter=shoe=1"], "필드가 없습니다"),
        (["--synthetic=1", "--filter=is_active=true"], "--queryset 과 함께만"),
    ],
)
def test_queryset_filter_bad_input_is_a_clear_error(args, message, settings):
    settings.PAYOUTS_GRANT_QUERYSETS = ["auth.User"]
    with pytest.raises(CommandError, match=message):
        _grant(*args)
