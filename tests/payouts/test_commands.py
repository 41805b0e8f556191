import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from payouts.models import BlanketGrant, LedgerEntry, PayoutRequest

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
    output = _grant(f"--csv={path}", "--inline")
    assert "새 대상 0건" in output and "0건 지급" in output
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


def test_blanket_grant_command_from_a_queryset():
    from django.contrib.auth import get_user_model

    get_user_model().objects.create(username="a")
    _grant("--queryset=auth.User", "--inline")
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv=/nonexistent/x.csv"], "CSV를 읽을 수 없습니다"),
        (["--queryset=nope.Model"], "모델을 찾을 수 없습니다"),
        (["--queryset=auth.User:shoe_size"], "필드가 없습니다"),
        (["--synthetic=0"], "1 이상"),
    ],
)
def test_blanket_grant_command_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        _grant(*args)


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
