"""`python manage.py relief_blanket_grants --program CODE --segment SEGMENT [--csv FILE |
--synthetic N]`: start the blanket grants of a program's segment (once; a rerun starts none)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.relief.payout_requests import (
    Recipients,
    ReliefPayoutError,
    relief_program_start_blanket_grants,
)
from policies.models import ReliefProgram, ReliefSegment


class Command(BaseCommand):
    help = (
        "프로그램 대상(세그먼트)의 일괄 지원을 기존 일괄 지급 경로로 시작합니다. "
        "대상은 기본으로 그 지원을 받은 신청인이며, CSV나 합성 대상 수로 바꿀 수 있습니다."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", required=True, help="프로그램 코드, 예: outage-1015")
        parser.add_argument("--segment", required=True, choices=ReliefSegment.values)
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--csv", help="대상 계정 ID CSV (첫 열, 헤더 recipient_id 가능)")
        source.add_argument("--synthetic", type=int, help="합성 대상 수 (시연·벤치마크)")

    def handle(self, *args: Any, **options: Any) -> None:
        program = ReliefProgram.objects.filter(code=options["program"]).first()
        if program is None:
            raise CommandError(f"프로그램이 없습니다: {options['program']}")
        recipients = Recipients(synthetic_count=options["synthetic"])
        handle = None
        if options["csv"]:
            path = Path(options["csv"])
            if not path.is_file():
                raise CommandError(f"파일이 없습니다: {path}")
            handle = path.open("rb")
            recipients = Recipients(csv_file=File(handle, name=path.name))
        try:
            # The runs are queued when this commits (or run at once without a broker).
            with transaction.atomic():
                grants = relief_program_start_blanket_grants(
                    program=program, segment=options["segment"], recipients=recipients
                )
        except ReliefPayoutError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if handle is not None:
                handle.close()
        for grant in grants:
            grant.refresh_from_db()
            self.stdout.write(
                f"{grant.code}: {grant.get_status_display()} · 대상 {grant.recipients_count:,}명"
            )
