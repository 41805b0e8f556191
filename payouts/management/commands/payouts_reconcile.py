"""`manage.py payouts_reconcile`: prove the ledger and the requests agree.

Every issued request has exactly one matching ledger entry (recipient, quantity, source, program,
grant), no entry names a request that is not issued, the sums of amounts (원) and counts agree,
and every finished batch's `done` equals its ledger rows. Exits with status 1 when they do not,
so a cron or CI step fails loudly. Requests pending, issuing or failed for more than
`--stuck-days` (PAYOUTS_STUCK_AFTER_DAYS) are printed as warnings and do not fail it.
"""

from django.core.management.base import BaseCommand, CommandError

from payouts.selectors import (
    ledger_totals_by_program,
    ledger_totals_by_source,
    reconciliation_report,
)


class Command(BaseCommand):
    help = "지급 요청과 원장의 정합성을 검사합니다 (불일치가 있으면 종료 코드 1)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--totals", action="store_true", help="출처별·프로그램별 합계도 출력합니다."
        )
        parser.add_argument(
            "--stuck-days",
            type=int,
            default=None,
            help="이 일수보다 오래 대기·지급 중·실패인 요청을 경고합니다 (기본: 설정값).",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["stuck_days"] is not None and options["stuck_days"] < 0:
            raise CommandError("--stuck-days 는 0 이상이어야 합니다.")
        report = reconciliation_report(stuck_days=options["stuck_days"])
        for line in report.lines():
            self.stdout.write(line)
        for line in report.warnings():
            self.stdout.write(self.style.WARNING(line))
        if options["totals"]:
            self.stdout.write("— 출처별 합계")
            for row in ledger_totals_by_source():
                self.stdout.write(
                    f"{row['source_kind']} {row['source_ref'] or '-'} {row['instrument']}: "
                    f"{row['grants']:,}건 {row['amount'] or 0:,}원 수량 {row['count'] or 0:,}"
                )
            self.stdout.write("— 프로그램별 합계")
            for row in ledger_totals_by_program():
                self.stdout.write(
                    f"{row['program'] or '-'} {row['instrument']}: "
                    f"{row['grants']:,}건 {row['amount'] or 0:,}원 수량 {row['count'] or 0:,}"
                )
        if not report.ok:
            raise CommandError("지급 정합성 불일치가 발견되었습니다.", returncode=1)
