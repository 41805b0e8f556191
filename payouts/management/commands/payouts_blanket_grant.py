"""`manage.py payouts_blanket_grant`: grant one instrument to every account of a segment.

    manage.py payouts_blanket_grant --code outage-1015-emoticon --name "1015 이모티콘" \
        --instrument emoticon --count 3 --recipient-kind customer --csv users.csv

Recipients come from a CSV (UTF-8, `-` for stdin; one account id per row), a model's ids
(`--queryset app.Model[:field]`: only models listed in PAYOUTS_GRANT_QUERYSETS, a plain column,
NULL values skipped) or a synthetic count (demos). They are streamed, never held in memory.
Then the grant's batch is started: its chunks are queued for the workers (or run here with
`--inline`). Running the same command again adds and issues nothing twice. With `--no-issue`
the grant is only loaded: the nightly sweep leaves it alone until it is run. Bad input is a
CommandError with a message, never a traceback; a CSV that fails part-way marks the grant
failed, with the line.
"""

import sys

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payouts.models import Instrument, RecipientKind
from payouts.services import batches
from payouts.services.grants import (
    BlanketGrantError,
    blanket_grant_create,
    blanket_grant_load,
    blanket_grant_load_queryset,
    recipients_from_csv,
    synthetic_recipients,
)


class Command(BaseCommand):
    help = "일괄 지급: 대상 전체에 지급 요청을 적재하고 배치로 지급합니다."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--code", required=True, help="일괄 지급 코드 (멱등 키의 일부)")
        parser.add_argument("--name", default="", help="이름 (없으면 코드)")
        parser.add_argument("--instrument", required=True, choices=Instrument.values)
        parser.add_argument("--recipient-kind", required=True, choices=RecipientKind.values)
        parser.add_argument("--amount", type=int, help="금액 (원)")
        parser.add_argument("--count", type=int, help="수량 (장/개)")
        parser.add_argument("--validity-days", type=int, help="유효기간 (일)")
        parser.add_argument("--program", default="", help="피해 지원 프로그램 코드")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", help="대상 계정 ID CSV 경로, '-' 이면 표준 입력")
        source.add_argument("--queryset", help="app_label.Model[:field] 의 모든 행")
        source.add_argument("--synthetic", type=int, help="합성 대상 수 (시연·벤치마크)")
        parser.add_argument("--no-issue", action="store_true", help="적재만 하고 지급하지 않음")
        parser.add_argument(
            "--inline", action="store_true", help="청크를 큐 대신 이 프로세스에서 실행"
        )

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        try:
            grant = blanket_grant_create(
                code=o["code"],
                name=o["name"] or o["code"],
                instrument=o["instrument"],
                recipient_kind=o["recipient_kind"],
                amount=o["amount"],
                count=o["count"],
                validity_days=o["validity_days"],
                program=o["program"],
                synthetic_count=o["synthetic"],
            )
            added = self._load(grant, o)
        except BlanketGrantError as exc:
            raise CommandError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"CSV가 UTF-8이 아닙니다: {exc.reason}") from exc
        except OSError as exc:
            raise CommandError(f"CSV를 읽을 수 없습니다: {exc}") from exc
        self.stdout.write(f"{grant.code}: 새 대상 {added:,}건 (전체 {grant.recipients_count:,}건)")
        if o["no_issue"]:
            return
        batch = batches.payout_batch_start_for_grant(grant=grant, enqueue=not o["inline"])
        if o["inline"]:
            for chunk_id in batch.chunks.order_by("index").values_list("pk", flat=True):
                batches.payout_chunk_run(chunk_id=chunk_id)
            batch.refresh_from_db()
            self.stdout.write(
                f"배치 #{batch.pk}: {batch.done:,}건 지급, {batch.failed:,}건 실패 "
                f"({batch.get_status_display()})"
            )
        else:
            self.stdout.write(f"배치 #{batch.pk}: 청크 {batch.chunks_total:,}개를 큐에 넣었습니다.")

    def _load(self, grant, o) -> int:  # type: ignore[no-untyped-def]
        if o["synthetic"] is not None:
            if o["synthetic"] < 1:
                raise CommandError("--synthetic 은 1 이상이어야 합니다.")
            return blanket_grant_load(grant=grant, recipients=synthetic_recipients(o["synthetic"]))
        if o["queryset"]:
            label, _, field = o["queryset"].partition(":")
            allowed = {name.lower() for name in settings.PAYOUTS_GRANT_QUERYSETS}
            if label.lower() not in allowed:
                listed = ", ".join(settings.PAYOUTS_GRANT_QUERYSETS) or "없음"
                raise CommandError(
                    f"--queryset 으로 쓸 수 없는 모델입니다: {label}. "
                    f"PAYOUTS_GRANT_QUERYSETS 에 있는 계정 모델만 됩니다 (현재: {listed})."
                )
            try:
                model = apps.get_model(label)
            except (LookupError, ValueError) as exc:
                raise CommandError(f"모델을 찾을 수 없습니다: {label}") from exc
            return blanket_grant_load_queryset(
                grant=grant, queryset=model._default_manager.all(), field=field or "pk"
            )
        if o["csv"] == "-":
            return blanket_grant_load(grant=grant, recipients=recipients_from_csv(sys.stdin))
        with open(o["csv"], encoding="utf-8-sig", newline="") as stream:
            return blanket_grant_load(grant=grant, recipients=recipients_from_csv(stream))
