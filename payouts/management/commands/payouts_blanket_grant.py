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

import os
import sys

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payouts.models import Instrument, RecipientKind
from payouts.services import batches, chunks
from payouts.services.grant_loading import (
    BlanketGrantError,
    blanket_grant_load,
    blanket_grant_load_queryset,
    recipient_field,
    recipients_from_csv,
    synthetic_recipients,
)
from payouts.services.grants import blanket_grant_create


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
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="--queryset 의 행을 거릅니다 (값이 같은 행만; 여러 번 쓰면 모두 만족). "
            "관계를 건너는 조회(__)는 받지 않습니다.",
        )
        parser.add_argument("--no-issue", action="store_true", help="적재만 하고 지급하지 않음")
        parser.add_argument(
            "--inline", action="store_true", help="청크를 큐 대신 이 프로세스에서 실행"
        )

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        try:
            # Every argument is checked before the grant is created, so a typo leaves nothing.
            load = self._source(o)
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
            added = load(grant)
        except BlanketGrantError as exc:
            raise CommandError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"CSV가 UTF-8이 아닙니다: {exc.reason}") from exc
        except OSError as exc:
            raise CommandError(f"CSV를 읽을 수 없습니다: {exc}") from exc
        self.stdout.write(f"{grant.code}: 새 대상 {added:,}건 (전체 {grant.recipients_count:,}건)")
        if o["no_issue"]:
            return
        grant.refresh_from_db()
        if grant.status == grant.Status.DONE:
            # Run again with nothing new: no batch (an empty one would only add noise).
            self.stdout.write(f"{grant.code}: 이미 모두 지급되었습니다.")
            return
        batch = batches.payout_batch_start_for_grant(grant=grant, enqueue=not o["inline"])
        if o["inline"]:
            for chunk_id in batch.chunks.order_by("index").values_list("pk", flat=True):
                chunks.payout_chunk_run(chunk_id=chunk_id)
            batch.refresh_from_db()
            self.stdout.write(
                f"배치 #{batch.pk}: {batch.done:,}건 지급, {batch.failed:,}건 실패 "
                f"({batch.get_status_display()})"
            )
        else:
            self.stdout.write(f"배치 #{batch.pk}: 청크 {batch.chunks_total:,}개를 큐에 넣었습니다.")

    def _source(self, o):  # type: ignore[no-untyped-def]
        """Check the recipient arguments; returns the function that loads them into a grant."""
        if o["filter"] and not o["queryset"]:
            raise CommandError("--filter 는 --queryset 과 함께만 씁니다.")
        if o["synthetic"] is not None:
            if o["synthetic"] < 1:
                raise CommandError("--synthetic 은 1 이상이어야 합니다.")
            return lambda grant: blanket_grant_load(
                grant=grant, recipients=synthetic_recipients(o["synthetic"])
            )
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
            recipient_field(model, field or "pk")
            queryset = self._filtered(model, o["filter"])
            return lambda grant: blanket_grant_load_queryset(
                grant=grant, queryset=queryset, field=field or "pk"
            )
        if o["csv"] == "-":
            return lambda grant: blanket_grant_load(
                grant=grant, recipients=recipients_from_csv(sys.stdin)
            )
        if not os.path.isfile(o["csv"]):
            raise CommandError(f"CSV를 읽을 수 없습니다: {o['csv']} 파일이 없습니다.")

        def from_file(grant):  # type: ignore[no-untyped-def]
            with open(o["csv"], encoding="utf-8-sig", newline="") as stream:
                return blanket_grant_load(grant=grant, recipients=recipients_from_csv(stream))

        return from_file

    def _filtered(self, model, filters):  # type: ignore[no-untyped-def]
        """Equality on the model's own plain columns only: no lookups across relations, so an
        allowed model cannot be used to read another table."""
        conditions = {}
        for item in filters:
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or not name or "__" in name:
                raise CommandError(
                    f"--filter 는 필드=값 형식이어야 합니다 (관계 조회 불가): {item}"
                )
            try:
                model_field = model._meta.get_field(name)
            except Exception as exc:
                raise CommandError(f"{model._meta.label}에 {name} 필드가 없습니다.") from exc
            if model_field.is_relation or not getattr(model_field, "concrete", False):
                raise CommandError(f"--filter 에 관계 필드는 쓸 수 없습니다: {name}")
            try:
                conditions[name] = model_field.to_python(value)
            except ValidationError as exc:
                raise CommandError(f"--filter {name}: 값이 올바르지 않습니다: {value}") from exc
        return model._default_manager.filter(**conditions)
