"""The import without PostgreSQL (SQLite): the same checks and decisions, row by row in
Python, in one transaction (a test makes both paths agree cell by cell)."""

import csv
import datetime
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from claims.relief.import_common import (
    COLUMNS,
    MAX_LOSS_DIGITS,
    MSG,
    REPORT_HEADER,
    ImportAlreadyLanded,
    already_landed,
    count_records,
    progress,
    read_rows,
    report_path,
    write_report_rows,
)
from claims.relief.models import (
    REPORTER_TYPE_OF_SEGMENT,
    DamageClass,
    ReliefApplication,
    ReliefApplicationEvent,
    ReliefApplicationGrant,
    ReliefImport,
)
from claims.relief.payout_requests import relief_import_payouts_create
from claims.relief.services import duplicate_note
from policies.models import AccountKind, ReliefChannel, ReliefSegment
from policies.relief import (
    KST,
    SEGMENTS_WITH_BUSINESS_NUMBER,
    Facts,
    ProgramRules,
    evaluate,
    kind_problem,
    loss_missing_message,
    loss_required_segments,
    normalize_business_number,
)

Status = ReliefApplication.Status


# -- elsewhere (SQLite): the same checks, row by row ------------------------------------------


# The forms the SQL path's relief_try_ts accepts, so both paths agree on every cell.
ISO_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([ T]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
    r"(Z|[+-]\d{2}(:?\d{2})?)?)?$",
    re.ASCII,
)


def _parse_ts(value: str, now: datetime.datetime) -> datetime.datetime | None:
    if not value:
        return now
    if not ISO_TIME.match(value):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)


def check_row(
    rules: ProgramRules, cells: dict[str, str], now: datetime.datetime
) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """(typed fields, [(column, value, message)]) of one row, as the SQL checks decide."""
    errs: list[tuple[str, str, str]] = []

    def bad(column: str, message: str) -> None:
        errs.append((column, cells[column], message))

    segment = cells["segment"]
    if segment not in ReliefSegment.values:
        bad("segment", MSG["segment"])
    if cells["kind"] not in AccountKind.values:
        bad("kind", MSG["kind"])
    elif segment in ReliefSegment.values and (message := kind_problem(segment, cells["kind"])):
        bad("kind", message)
    ext = cells["external_id"]
    if not (0 < len(ext) <= 64 and all("!" <= ch <= "~" for ch in ext)):
        bad("external_id", MSG["external_id"])
    if not cells["name"]:
        bad("name", MSG["required"])
    elif len(cells["name"]) > 100:
        bad("name", MSG["name"])
    bn = ""
    if cells["business_number"]:
        bn = normalize_business_number(cells["business_number"]) or ""
        if not bn:
            bad("business_number", MSG["business_number"])
    elif segment in SEGMENTS_WITH_BUSINESS_NUMBER:
        bad("business_number", MSG["business_number_missing"])
    loss_text = cells["reported_loss"].replace(",", "")
    loss_ok = loss_text.isascii() and loss_text.isdigit() and len(loss_text) <= MAX_LOSS_DIGITS
    if not (loss_text == "" or loss_ok):
        bad("reported_loss", MSG["reported_loss"])
    elif loss_text == "" and segment in loss_required_segments(rules):
        bad("reported_loss", loss_missing_message(segment))
    if cells["damage"] not in DamageClass.values:
        bad("damage", MSG["damage"])
    if cells["channel"] not in ReliefChannel.values:
        bad("channel", MSG["channel"])
    submitted = _parse_ts(cells["submitted_at"], now)
    if submitted is None:
        bad("submitted_at", MSG["submitted_at"])
    small: dict[str, int | None] = {}
    for column in ("saturdays_worked", "nights_worked"):
        text = cells[column]
        if text and not (text.isascii() and text.isdigit() and len(text) <= 4):
            bad(column, MSG["small_int"])
            small[column] = None
        else:
            small[column] = int(text) if text else None
        if segment == ReliefSegment.DRIVER and not text:
            bad(
                column, MSG["driver_saturdays" if column == "saturdays_worked" else "driver_nights"]
            )
    if segment == ReliefSegment.DRIVER and not errs:
        sat, nights = small["saturdays_worked"] or 0, small["nights_worked"] or 0
        if rules.saturday_weeks and sat > rules.saturday_weeks:
            bad(
                "saturdays_worked",
                f"토요일 근무는 기준 기간({rules.saturday_weeks}주)의 "
                f"{rules.saturday_weeks}일 이하여야 합니다.",
            )
        if nights > len(rules.transport_nights):
            bad(
                "nights_worked",
                f"지정 야간 근무는 지정 야간 수({len(rules.transport_nights)}일) 이하여야 합니다.",
            )
    if not errs and submitted is not None:
        if (
            rules.window_for(segment=segment, channel=cells["channel"], submitted_at=submitted)
            is None
        ):
            bad("submitted_at", rules.windows_message(segment=segment))
    fields = {
        "segment": segment,
        "applicant_kind": cells["kind"],
        "applicant_external_id": ext,
        "applicant_name": cells["name"],
        "business_number": bn,
        "reported_loss": int(loss_text) if loss_ok else 0,
        "damage": cells["damage"],
        "channel": cells["channel"],
        "submitted_at": submitted,
        **small,
    }
    return fields, errs


def _dedup_key(business_number: str, segment: str, external_id: str) -> tuple[str, ...]:
    if business_number:
        return ("business", business_number)
    return ("applicant", segment, external_id)


def run_python(job: ReliefImport, rules: ProgramRules) -> dict[str, int]:
    total = count_records(job.file_path)
    progress(job.pk, total_rows=total, processed_rows=0)
    now = timezone.now()
    report: list[tuple[int, str, str, str]] = []
    good: list[tuple[int, dict[str, Any]]] = []
    for line, cells, problem, raw in read_rows(job.file_path):
        if cells is None:
            report.append((line, "", raw, problem))
            continue
        fields, errs = check_row(rules, dict(zip(COLUMNS, cells, strict=True)), now)
        if errs:
            report.extend((line, c, v, m) for c, v, m in errs)
        else:
            good.append((line, fields))
    rejected = len({r[0] for r in report})
    duplicates = 0
    with transaction.atomic():
        if already_landed(job.pk):
            raise ImportAlreadyLanded(job.pk)
        # The same keys as the unique partial indexes: the business number, else the
        # applicant's account in its segment.
        originals: dict[tuple[str, ...], int] = {
            _dedup_key(bn, segment, ext): pk
            for bn, segment, ext, pk in ReliefApplication.objects.filter(
                program_id=rules.program_id, duplicate_of__isnull=True
            ).values_list("business_number", "segment", "applicant_external_id", "id")
        }
        note = f"{rules.program_code} v{rules.version_number} 일괄 등록 #{job.pk}"
        for line, fields in good:
            key = _dedup_key(
                fields["business_number"], fields["segment"], fields["applicant_external_id"]
            )
            original = originals.get(key)
            outcome = evaluate(
                rules,
                Facts(
                    segment=fields["segment"],
                    reported_loss=fields["reported_loss"],
                    saturdays_worked=fields["saturdays_worked"],
                    nights_worked=fields["nights_worked"],
                ),
            )
            application = ReliefApplication.objects.create(
                program_id=rules.program_id,
                program_version_id=rules.version_id,
                reporter_type=REPORTER_TYPE_OF_SEGMENT[fields["segment"]],
                status=Status.DUPLICATE if original else outcome.status,
                duplicate_of_id=original,
                source_import=job,
                source_line=line,
                created_by_id=job.created_by_id,
                **fields,
            )
            if original:
                duplicates += 1
            else:
                originals[key] = application.pk
                ReliefApplicationGrant.objects.bulk_create(
                    ReliefApplicationGrant(
                        application=application,
                        instrument=g.instrument,
                        amount=g.amount,
                        count=g.count,
                        validity_days=g.validity_days,
                        source=g.source,
                        order=n,
                    )
                    for n, g in enumerate(outcome.grants)
                )
            ReliefApplicationEvent.objects.create(
                application=application,
                from_status="",
                to_status=application.status,
                actor_id=job.created_by_id,
                at=now,
                note=note if not original else duplicate_note(original, fields["business_number"]),
            )
        # The approved rows' payout requests commit with the rows.
        relief_import_payouts_create(import_id=job.pk)
        path = report_path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(REPORT_HEADER)
            write_report_rows(writer, sorted(report))
        ReliefImport.objects.filter(pk=job.pk).update(
            status=ReliefImport.Status.DONE,
            stage="완료",
            total_rows=total,
            processed_rows=total,
            imported=len(good),
            duplicates=duplicates,
            rejected=rejected,
            error_report_path=str(path),
            finished_at=timezone.now(),
        )
    return {"imported": len(good), "duplicates": duplicates, "rejected": rejected}
