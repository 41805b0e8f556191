"""Bulk import of relief applications from a partner channel's CSV (issue 13).

Guarantees:
- Every data row either lands (as an original or as a duplicate linked to its original) or is
  in the error report (line, column, value, Korean message); never both, never neither.
- The good rows land in one transaction: all of them or, if the run fails, none.
- Duplicates (same normalized business registration number in the same program) are found
  within the file (the first line is the original) and against applications already stored;
  the landing transaction locks the applications table against concurrent filings meanwhile.
- The tier is decided set-based in SQL from the program version's data; a test checks it row
  by row against `policies.relief.evaluate`.

On PostgreSQL the rows are read with Python's csv module (exact line numbers, a wrong number of
cells is a row error, not a failed COPY) and streamed by COPY into an unlogged staging table;
checks, dedup and tiering are SQL statements over it. Elsewhere (SQLite) the same checks run
row by row in Python.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from claims.relief.models import (
    REPORTER_TYPE_OF_SEGMENT,
    DamageClass,
    ReliefApplication,
    ReliefApplicationEvent,
    ReliefApplicationGrant,
    ReliefImport,
)
from claims.relief.payout_requests import relief_import_payouts_create
from payouts.services.enqueue import delay_after_commit
from policies.models import AccountKind, ReliefChannel, ReliefSegment
from policies.relief import (
    KST,
    SEGMENTS_WITH_BUSINESS_NUMBER,
    Facts,
    ProgramRules,
    evaluate,
    normalize_business_number,
)
from policies.selectors_relief import program_rules, published_version

logger = logging.getLogger(__name__)

COLUMNS = (
    "segment",
    "kind",
    "external_id",
    "name",
    "business_number",
    "reported_loss",
    "damage",
    "channel",
    "submitted_at",
    "saturdays_worked",
    "nights_worked",
)
# Rows per COPY write and per landing statement; progress is reported between them.
CHUNK_ROWS = 20_000
MAX_LOSS_DIGITS = 18  # 원, fits a bigint
MAX_SMALL = 32767  # PositiveSmallIntegerField

Status = ReliefApplication.Status
RUN_IMPORT_TASK = "claims.relief_import_run"


def _one_of(values: list[str]) -> str:
    return f"{', '.join(values)} 중 하나여야 합니다."


# One wording for both paths (SQL and Python) of every check.
MSG = {
    "required": "필수 값입니다.",
    "segment": "대상은 " + _one_of(ReliefSegment.values),
    "kind": "계정 종류는 " + _one_of(AccountKind.values),
    "external_id": "계정 ID는 공백 없는 영문·숫자·기호 64자 이하여야 합니다.",
    "name": "이름은 100자 이하여야 합니다.",
    "business_number_missing": "소상공인·기업은 사업자등록번호가 필요합니다.",
    "business_number": "사업자등록번호는 숫자 10자리여야 합니다(하이픈은 있어도 됩니다).",
    "reported_loss": "매출 손실은 0 이상의 정수(원)여야 합니다.",
    "damage": "피해 유형은 " + _one_of(DamageClass.values),
    "channel": "채널은 " + _one_of(ReliefChannel.values),
    "submitted_at": "접수 시각은 ISO 8601 날짜·시각이어야 합니다(예: 2022-10-20T10:00:00+09:00).",
    "small_int": "0 이상의 정수여야 합니다.",
    "driver_saturdays": "기사는 토요일 근무 일수가 필요합니다.",
    "driver_nights": "기사는 지정 야간 근무 일수가 필요합니다.",
    "cells": f"열 수가 맞지 않습니다(헤더의 {len(COLUMNS)}개여야 합니다).",
    "nul": "NUL 문자는 쓸 수 없습니다.",
}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (header, encoding); nothing lands."""


def import_root() -> Path:
    return Path(settings.RELIEF_IMPORT_ROOT)


def relief_import_create(
    *, program: str, source: Path | Any, original_name: str, actor: Any = None
) -> ReliefImport:
    """Keep a copy of the uploaded file and a pending import of it into `program`'s
    published version. `source` is a path or a file object (an upload)."""
    from policies.selectors_relief import program_by_code

    program_obj = program_by_code(program)
    version = published_version(program=program_obj)
    root = import_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{uuid.uuid4().hex}.csv"
    if isinstance(source, (str, Path)):
        shutil.copyfile(source, target)
    else:
        with target.open("wb") as out:
            for chunk in source.chunks() if hasattr(source, "chunks") else [source.read()]:
                out.write(chunk)
    return ReliefImport.objects.create(
        program=program_obj,
        program_version=version,
        file_path=str(target),
        original_name=original_name[:255],
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def relief_import_enqueue(*, import_id: int) -> None:
    """Queue the run once the caller's transaction commits (a lost enqueue leaves the import
    pending; `relief_import_run` may be called again for it)."""
    delay_after_commit(RUN_IMPORT_TASK, import_id, what=f"relief import {import_id}")


def relief_import_run(*, import_id: int) -> ReliefImport:
    """Run a pending import to its end (done or failed). Running a finished one again does
    nothing; a run that finds it `running` (a redelivered task) starts it over, which is safe
    because nothing lands before the single landing transaction commits."""
    job = ReliefImport.objects.select_related("program", "program_version").get(pk=import_id)
    if job.status in (ReliefImport.Status.DONE, ReliefImport.Status.FAILED):
        return job
    started = timezone.now()
    ReliefImport.objects.filter(pk=job.pk).update(
        status=ReliefImport.Status.RUNNING, stage="파일 읽는 중", started_at=started
    )
    assert job.program_version is not None
    rules = program_rules(version=job.program_version)
    try:
        if connection.vendor == "postgresql":
            counts = _run_postgresql(job, rules)
        else:
            counts = _run_python(job, rules)
    except Exception as exc:
        logger.exception("relief import %s failed", job.pk)
        message = str(exc) if isinstance(exc, ImportFileError) else f"가져오기 실패: {exc}"
        # The main connection is free again (its transaction rolled back).
        ReliefImport.objects.filter(pk=job.pk).update(
            status=ReliefImport.Status.FAILED,
            stage="실패",
            error_message=message[:2000],
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    logger.info("relief import %s: %s", job.pk, counts)
    return job


# -- progress, visible while the landing transaction is still open ----------------------------


def _progress(import_id: int, **fields: Any) -> None:
    """Write progress on the import row from its own connection, in autocommit: readers (the
    API, the admin's progress bar) see it while the landing transaction is still open, and
    it may be written while the main connection is busy with a COPY."""
    if connection.vendor != "postgresql":
        ReliefImport.objects.filter(pk=import_id).update(**fields)
        return
    side = connections.create_connection("default")
    try:
        side.set_autocommit(True)
        with side.cursor() as cursor:
            columns = ", ".join(f"{name} = %s" for name in fields)
            cursor.execute(
                f"UPDATE {ReliefImport._meta.db_table} SET {columns} WHERE id = %s",
                [*fields.values(), import_id],
            )
    finally:
        side.close()


# -- reading the file -------------------------------------------------------------------------


def _rows(path: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line, cells or None if the count is wrong, problem) for each data record."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportFileError(f"파일을 열 수 없습니다: {exc}") from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFileError("파일을 읽을 수 없습니다. UTF-8 CSV인지 확인하세요.") from exc
        if header is None:
            raise ImportFileError("빈 파일입니다. 헤더 행이 필요합니다.")
        names = [h.strip() for h in header]
        if sorted(names) != sorted(COLUMNS):
            raise ImportFileError(
                "헤더는 다음 열이어야 합니다: "
                + ", ".join(COLUMNS)
                + f" (받은 헤더: {', '.join(names)})"
            )
        order = [names.index(c) for c in COLUMNS]
        line = reader.line_num
        try:
            for record in reader:
                start = line + 1
                line = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue  # a blank line is no row
                if len(record) != len(COLUMNS):
                    yield start, None, MSG["cells"]
                    continue
                cells = [record[i].strip() for i in order]
                if any("\x00" in c for c in cells):
                    yield start, None, MSG["nul"]
                    continue
                yield start, cells, ""
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{line + 1}번째 줄 근처를 UTF-8로 읽을 수 없습니다. UTF-8 CSV로 저장하세요."
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(f"{line + 1}번째 줄의 CSV 형식이 잘못되었습니다: {exc}") from exc


def _count_records(path: str) -> int:
    with open(path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(0, lines - 1)


def _report_path(job: ReliefImport) -> Path:
    return import_root() / f"relief-import-{job.pk}-errors.csv"


REPORT_HEADER = ["줄", "열", "값", "오류"]


# -- PostgreSQL: COPY, SQL checks, set-based tiering ------------------------------------------


def _run_postgresql(job: ReliefImport, rules: ProgramRules) -> dict[str, int]:
    """One transaction from the staging table's creation to the landing: a failure anywhere
    rolls back everything, the staging tables included.

    Tables, all unlogged and dropped at the end: `<stage>` (the file as text, by line),
    `<stage>_err` (line, column, value, message), `<stage>_ok` (typed rows without errors),
    `<stage>_tier` (with the program's decision), `<stage>_land` (ids, duplicates, status).
    Each pass is one CREATE TABLE … AS (cheaper than rewriting rows with UPDATEs).
    """
    stage = f"relief_stage_{job.pk}"
    tables = [stage, f"{stage}_err", f"{stage}_ok", f"{stage}_tier", f"{stage}_land"]
    for _ in _rows(job.file_path):  # the header's problems before anything starts
        break
    total = _count_records(job.file_path)
    _progress(job.pk, total_rows=total, processed_rows=0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"""CREATE UNLOGGED TABLE {stage} (
                    line integer PRIMARY KEY,
                    {", ".join(f"{c} text" for c in COLUMNS)},
                    bad_cells text
                )"""
            )
            cursor.execute(
                f"CREATE UNLOGGED TABLE {stage}_err (line integer, col text, val text, msg text)"
            )
            _copy_rows(job, cursor, stage, total)
            _progress(job.pk, stage="검사 중", processed_rows=total // 3)
            _check(cursor, stage, f"{stage}_err", rules)
            _parse_and_tier(cursor, stage, rules)
        _progress(job.pk, stage="등록 중", processed_rows=total // 3 * 2)
        counts = _land(job, stage, rules, total)
        # The approved rows' payout requests commit with the rows (set-based, chunked).
        _progress(job.pk, stage="지급 요청 생성 중")
        relief_import_payouts_create(import_id=job.pk)
        rejected = _write_report(job, f"{stage}_err")
        counts["rejected"] = rejected
        # The import row is written in the landing transaction, so its counts and the rows
        # appear together (the progress connection has finished with it).
        ReliefImport.objects.filter(pk=job.pk).update(
            status=ReliefImport.Status.DONE,
            stage="완료",
            total_rows=total,
            processed_rows=total,
            imported=counts["imported"],
            duplicates=counts["duplicates"],
            rejected=rejected,
            error_report_path=str(_report_path(job)),
            finished_at=timezone.now(),
        )
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE {table}")
    return counts


def _copy_rows(job: ReliefImport, cursor: Any, stage: str, total: int) -> None:
    columns = ", ".join(("line", *COLUMNS, "bad_cells"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    read = 0
    # An empty cell is '' (FORCE_NOT_NULL), as the checks expect; only bad_cells is NULL.
    not_null = ", ".join(COLUMNS)
    with cursor.copy(
        f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))"
    ) as copy:
        for line, cells, problem in _rows(job.file_path):
            writer.writerow([line, *(cells or [""] * len(COLUMNS)), problem or None])
            read += 1
            if read % CHUNK_ROWS == 0:
                copy.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
                # Reading is the first of three passes (read, check, land) over the rows.
                _progress(job.pk, processed_rows=min(total, read) // 3)
        copy.write(buffer.getvalue())


def _check(cursor: Any, stage: str, errors: str, rules: ProgramRules) -> None:
    """Every per-cell check as one INSERT … SELECT of the failing rows into the error table."""
    # (column, failing condition, parameters, message)
    checks: list[tuple[str, str, list[Any], str]] = [
        ("segment", "segment <> ALL(%s)", [ReliefSegment.values], MSG["segment"]),
        ("kind", "kind <> ALL(%s)", [AccountKind.values], MSG["kind"]),
        ("external_id", "external_id !~ '^[!-~]{1,64}$'", [], MSG["external_id"]),
        ("name", "name = ''", [], MSG["required"]),
        ("name", "length(name) > 100", [], MSG["name"]),
        (
            "business_number",
            "business_number = '' AND segment = ANY(%s)",
            [list(SEGMENTS_WITH_BUSINESS_NUMBER)],
            MSG["business_number_missing"],
        ),
        (
            "business_number",
            "business_number <> '' AND regexp_replace(business_number, '[- ]', '', 'g') "
            "!~ '^[0-9]{10}$'",
            [],
            MSG["business_number"],
        ),
        (
            "reported_loss",
            f"replace(reported_loss, ',', '') !~ '^[0-9]{{0,{MAX_LOSS_DIGITS}}}$'",
            [],
            MSG["reported_loss"],
        ),
        ("damage", "damage <> ALL(%s)", [DamageClass.values], MSG["damage"]),
        ("channel", "channel <> ALL(%s)", [ReliefChannel.values], MSG["channel"]),
        (
            "submitted_at",
            "submitted_at <> '' AND pg_temp.relief_try_ts(submitted_at) IS NULL",
            [],
            MSG["submitted_at"],
        ),
        ("saturdays_worked", "saturdays_worked !~ '^[0-9]{0,4}$'", [], MSG["small_int"]),
        ("nights_worked", "nights_worked !~ '^[0-9]{0,4}$'", [], MSG["small_int"]),
        (
            "saturdays_worked",
            "segment = 'driver' AND saturdays_worked = ''",
            [],
            MSG["driver_saturdays"],
        ),
        ("nights_worked", "segment = 'driver' AND nights_worked = ''", [], MSG["driver_nights"]),
    ]
    cursor.execute(
        """CREATE OR REPLACE FUNCTION pg_temp.relief_try_ts(v text) RETURNS timestamptz AS $$
        BEGIN
            IF v !~ ('^\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?'
                     || '(Z|[+-]\\d{2}(:?\\d{2})?)?$') THEN
                RETURN NULL;
            END IF;
            IF v ~ '(Z|[+-]\\d{2}(:?\\d{2})?)$' AND v ~ 'T|\\s' THEN
                RETURN v::timestamptz;
            END IF;
            RETURN v::timestamp AT TIME ZONE 'Asia/Seoul';
        EXCEPTION WHEN others THEN
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql STABLE"""
    )
    cursor.execute(
        f"INSERT INTO {errors} SELECT line, '', '', bad_cells FROM {stage} "
        "WHERE bad_cells IS NOT NULL"
    )
    valid = "bad_cells IS NULL"
    for column, condition, params, message in checks:
        cursor.execute(
            f"INSERT INTO {errors} SELECT line, %s, {column}, %s FROM {stage} "
            f"WHERE {valid} AND {condition}",
            [column, message, *params],
        )
    # Facts the program's data rules out (the same bounds as policies.relief.facts_problems).
    if rules.saturday_weeks:
        cursor.execute(
            f"INSERT INTO {errors} SELECT line, 'saturdays_worked', saturdays_worked, %s "
            f"FROM {stage} WHERE {valid} AND segment = 'driver' "
            "AND saturdays_worked ~ '^[0-9]{1,4}$' AND saturdays_worked::int > %s",
            [
                f"토요일 근무는 기준 기간({rules.saturday_weeks}주)의 "
                f"{rules.saturday_weeks}일 이하여야 합니다.",
                rules.saturday_weeks,
            ],
        )
    cursor.execute(
        f"INSERT INTO {errors} SELECT line, 'nights_worked', nights_worked, %s "
        f"FROM {stage} WHERE {valid} AND segment = 'driver' "
        "AND nights_worked ~ '^[0-9]{1,4}$' AND nights_worked::int > %s",
        [
            f"지정 야간 근무는 지정 야간 수({len(rules.transport_nights)}일) 이하여야 합니다.",
            len(rules.transport_nights),
        ],
    )


def _values(
    rows: list[tuple[Any, ...]], casts: tuple[str, ...], names: str
) -> tuple[str, list[Any]]:
    """`(VALUES …) AS alias(names)` of `rows` with typed placeholders; empty, a query of none."""
    if not rows:
        nulls = ", ".join(f"NULL::{c}" for c in casts)
        return f"(SELECT {nulls} WHERE false) AS {names}", []
    one = "(" + ", ".join(f"%s::{c}" for c in casts) + ")"
    return f"(VALUES {', '.join(one for _ in rows)}) AS {names}", [v for r in rows for v in r]


def _parse_and_tier(cursor: Any, stage: str, rules: ProgramRules) -> None:
    """Typed values of the rows without errors, the window check, then the program's tiers."""
    errors = f"{stage}_err"
    cursor.execute(
        f"""CREATE UNLOGGED TABLE {stage}_ok AS
        SELECT s.line, s.segment, s.kind, s.external_id, s.name,
            regexp_replace(s.business_number, '[- ]', '', 'g') AS bn,
            COALESCE(NULLIF(replace(s.reported_loss, ',', ''), '')::bigint, 0) AS loss,
            s.damage, s.channel, s.submitted_at AS submitted_text,
            COALESCE(pg_temp.relief_try_ts(NULLIF(s.submitted_at, '')), %s) AS sub_at,
            NULLIF(s.saturdays_worked, '')::int AS sat,
            NULLIF(s.nights_worked, '')::int AS nights
        FROM {stage} s
        WHERE s.bad_cells IS NULL
          AND NOT EXISTS (SELECT 1 FROM {errors} e WHERE e.line = s.line)""",
        [timezone.now()],
    )
    windows, window_params = _values(
        [
            (w.start_date, w.end_date, list(w.channels), list(w.segments))
            for w in rules.intake_windows()
        ],
        ("date", "date", "text[]", "text[]"),
        "w(start_date, end_date, channels, segments)",
    )
    segment_messages = [
        (segment, rules.windows_message(segment=segment)) for segment in ReliefSegment.values
    ]
    case = " ".join("WHEN %s THEN %s" for _ in segment_messages)
    cursor.execute(
        f"""INSERT INTO {errors}
        SELECT o.line, 'submitted_at', o.submitted_text, CASE o.segment {case} END
        FROM {stage}_ok o
        WHERE NOT EXISTS (
            SELECT 1 FROM {windows}
            WHERE o.channel = ANY(w.channels)
              AND (cardinality(w.segments) = 0 OR o.segment = ANY(w.segments))
              AND (o.sub_at AT TIME ZONE 'Asia/Seoul')::date BETWEEN w.start_date AND w.end_date
        )""",
        [*(v for pair in segment_messages for v in pair), *window_params],
    )
    # The program's data as small VALUES tables; the decision is joins over them, in the same
    # order as policies.relief.evaluate (a test compares the two row by row).
    segments, segment_params = _values(
        list(rules.segments.items()), ("text", "text"), "g(segment, assessment)"
    )
    tiers, tier_params = _values(
        [
            (t.segment, t.min_loss, t.max_loss, t.outcome, t.instrument, t.amount)
            for t in rules.loss_tiers
        ],
        ("text", "bigint", "bigint", "text", "text", "bigint"),
        "t(segment, min_loss, max_loss, outcome, instrument, amount)",
    )
    bands, band_params = _values(
        [(b.min_saturdays, b.max_saturdays, b.instrument, b.amount) for b in rules.driver_bands],
        ("int", "int", "text", "bigint"),
        "b(min_s, max_s, instrument, amount)",
    )
    cursor.execute(
        f"""CREATE UNLOGGED TABLE {stage}_tier AS
        SELECT o.*, g.assessment,
            t.outcome AS tier_outcome, t.instrument AS tier_instrument, t.amount AS tier_amount,
            b.instrument AS band_instrument, b.amount AS band_amount,
            CASE WHEN g.assessment = 'driver_bands'
                THEN NULLIF(LEAST(COALESCE(o.nights, 0) * %s::bigint, %s::bigint), 0)
            END AS transport,
            o.segment = ANY(%s) AS has_blanket
        FROM {stage}_ok o
        LEFT JOIN {segments} ON g.segment = o.segment
        LEFT JOIN {tiers} ON g.assessment = 'loss_tiers' AND t.segment = o.segment
            AND o.loss >= t.min_loss AND (t.max_loss IS NULL OR o.loss <= t.max_loss)
        LEFT JOIN {bands} ON g.assessment = 'driver_bands' AND COALESCE(o.sat, 0) >= b.min_s
            AND (b.max_s IS NULL OR COALESCE(o.sat, 0) <= b.max_s)
        WHERE NOT EXISTS (SELECT 1 FROM {errors} e WHERE e.line = o.line)""",
        [
            rules.transport_support_per_night,
            rules.transport_support_cap,
            [s for s, grants in rules.grants.items() if grants],
            *segment_params,
            *tier_params,
            *band_params,
        ],
    )


def _land(job: ReliefImport, stage: str, rules: ProgramRules, total: int) -> dict[str, int]:
    """Inside the landing transaction: dedup under a table lock, statuses, then the rows."""
    app = ReliefApplication._meta.db_table
    grant = ReliefApplicationGrant._meta.db_table
    event = ReliefApplicationEvent._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        # Filings through the API wait until this commits, so no original appears unseen
        # between the dedup below and the insert (SHARE ROW EXCLUSIVE also excludes a second
        # import of the same table).
        cursor.execute(f"LOCK TABLE {app} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Ids from the table's own sequence; an original is the stored application of the
        # number, else the first line of the number in the file.
        cursor.execute(
            f"""CREATE UNLOGGED TABLE {stage}_land AS
            WITH numbered AS (
                SELECT t.*, nextval(pg_get_serial_sequence(%s, 'id')) AS app_id
                FROM {stage}_tier t
            ), linked AS (
                SELECT n.*, CASE
                    WHEN n.bn = '' THEN NULL
                    WHEN o.id IS NOT NULL THEN o.id
                    WHEN first_value(n.line) OVER w <> n.line THEN first_value(n.app_id) OVER w
                END AS dup_of
                FROM numbered n
                LEFT JOIN {app} o ON n.bn <> '' AND o.program_id = %s
                    AND o.business_number = n.bn AND o.duplicate_of_id IS NULL
                WINDOW w AS (PARTITION BY n.bn ORDER BY n.line)
            )
            SELECT l.*, CASE
                WHEN dup_of IS NOT NULL THEN 'duplicate'
                WHEN assessment IS NULL THEN 'not_eligible'
                WHEN assessment = 'committee' OR tier_outcome = 'committee'
                    THEN 'committee_review'
                WHEN has_blanket OR tier_amount > 0 OR band_amount > 0 OR transport > 0
                    THEN 'approved'
                ELSE 'not_eligible' END AS status
            FROM linked l""",
            [app, rules.program_id],
        )
        reporter = " ".join(
            f"WHEN '{segment}' THEN '{reporter}'"
            for segment, reporter in REPORTER_TYPE_OF_SEGMENT.items()
        )
        blanket, blanket_params = _values(
            [
                (segment, g.instrument, g.amount, g.count, g.validity_days, n)
                for segment, grants in rules.grants.items()
                for n, g in enumerate(grants)
            ],
            ("text", "text", "bigint", "int", "smallint", "int"),
            "g(segment, instrument, amount, count, validity_days, n)",
        )
        actor = job.created_by_id
        note = f"{rules.program_code} v{rules.version_number} 일괄 등록 #{job.pk}"
        cursor.execute(f"SELECT COALESCE(max(line), 0) FROM {stage}")
        last_line = int(cursor.fetchone()[0])
        landed = 0
        for first in range(0, last_line, CHUNK_ROWS):
            # Lines start at 2 (after the header); a chunk is a range of lines.
            low, high = first + 1, first + CHUNK_ROWS
            chunk = "s.line BETWEEN %s AND %s"
            cursor.execute(
                f"""INSERT INTO {app} (id, program_id, program_version_id, segment,
                    reporter_type, applicant_kind, applicant_external_id, applicant_name,
                    business_number, reported_loss, damage, channel, submitted_at,
                    saturdays_worked, nights_worked, status, duplicate_of_id, source_import_id,
                    source_line, created_by_id, created_at, updated_at)
                SELECT s.app_id, %s, %s, s.segment, CASE s.segment {reporter} END, s.kind,
                    s.external_id, s.name, s.bn, s.loss, s.damage, s.channel, s.sub_at, s.sat,
                    s.nights, s.status, s.dup_of, %s, s.line, %s, %s, %s
                FROM {stage}_land s WHERE {chunk} ORDER BY s.line""",
                [rules.program_id, rules.version_id, job.pk, actor, now, now, low, high],
            )
            landed += cursor.rowcount
            eligible = f"{chunk} AND s.status IN ('approved', 'committee_review')"
            cursor.execute(
                f"""INSERT INTO {grant} (application_id, instrument, amount, count,
                    validity_days, source, "order")
                SELECT s.app_id, s.tier_instrument, s.tier_amount, NULL, NULL, 'loss_tier', 0
                    FROM {stage}_land s WHERE {eligible} AND s.tier_amount > 0
                UNION ALL
                SELECT s.app_id, g.instrument, g.amount, g.count, g.validity_days, 'blanket',
                    10 + g.n
                    FROM {stage}_land s JOIN {blanket} ON g.segment = s.segment
                    WHERE {eligible}
                UNION ALL
                SELECT s.app_id, s.band_instrument, s.band_amount, NULL, NULL, 'driver_band',
                    1000
                    FROM {stage}_land s WHERE {eligible} AND s.band_amount > 0
                UNION ALL
                SELECT s.app_id, 'transport_support', s.transport, NULL, NULL, 'transport', 1001
                    FROM {stage}_land s WHERE {eligible} AND s.transport > 0""",
                [low, high, *blanket_params, low, high, low, high, low, high],
            )
            cursor.execute(
                f"""INSERT INTO {event} (application_id, from_status, to_status, actor_id, at,
                    note)
                SELECT s.app_id, '', s.status, %s, %s,
                    CASE WHEN s.dup_of IS NULL THEN %s
                         ELSE '사업자등록번호 중복: 원 신청 #' || s.dup_of END
                FROM {stage}_land s WHERE {chunk}""",
                [actor, now, note, low, high],
            )
            done = total // 3 * 2 + min(high, last_line) * total // 3 // max(last_line, 1)
            _progress(job.pk, processed_rows=done)
        cursor.execute(f"SELECT count(*) FROM {stage}_land WHERE status = 'duplicate'")
        duplicates = cursor.fetchone()[0]
    return {"imported": landed, "duplicates": duplicates}


def _write_report(job: ReliefImport, errors: str) -> int:
    """The error report CSV (line, column, value, Korean message); the rejected row count."""
    path = _report_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor, path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_HEADER)
        cursor.execute(f"SELECT line, col, val, msg FROM {errors} ORDER BY line, col")
        while batch := cursor.fetchmany(5000):
            writer.writerows(batch)
        cursor.execute(f"SELECT count(DISTINCT line) FROM {errors}")
        return int(cursor.fetchone()[0])


# -- elsewhere (SQLite): the same checks, row by row ------------------------------------------


def _parse_ts(value: str, now: datetime.datetime) -> datetime.datetime | None:
    if not value:
        return now
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
    if not (loss_text == "" or (loss_text.isdigit() and len(loss_text) <= MAX_LOSS_DIGITS)):
        bad("reported_loss", MSG["reported_loss"])
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
        "reported_loss": int(loss_text) if loss_text.isdigit() else 0,
        "damage": cells["damage"],
        "channel": cells["channel"],
        "submitted_at": submitted,
        **small,
    }
    return fields, errs


def _run_python(job: ReliefImport, rules: ProgramRules) -> dict[str, int]:
    total = _count_records(job.file_path)
    _progress(job.pk, total_rows=total, processed_rows=0)
    now = timezone.now()
    report: list[tuple[int, str, str, str]] = []
    good: list[tuple[int, dict[str, Any]]] = []
    for line, cells, problem in _rows(job.file_path):
        if cells is None:
            report.append((line, "", "", problem))
            continue
        fields, errs = check_row(rules, dict(zip(COLUMNS, cells, strict=True)), now)
        if errs:
            report.extend((line, c, v, m) for c, v, m in errs)
        else:
            good.append((line, fields))
    rejected = len({r[0] for r in report})
    duplicates = 0
    with transaction.atomic():
        originals: dict[str, int] = dict(
            ReliefApplication.objects.filter(program_id=rules.program_id, duplicate_of__isnull=True)
            .exclude(business_number="")
            .values_list("business_number", "id")
        )
        note = f"{rules.program_code} v{rules.version_number} 일괄 등록 #{job.pk}"
        for line, fields in good:
            original = (
                originals.get(fields["business_number"]) if fields["business_number"] else None
            )
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
                if fields["business_number"]:
                    originals[fields["business_number"]] = application.pk
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
                note=note if not original else f"사업자등록번호 중복: 원 신청 #{original}",
            )
        relief_import_payouts_create(import_id=job.pk)
        path = _report_path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(REPORT_HEADER)
            writer.writerows(sorted(report))
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


def error_report_exists(job: ReliefImport) -> bool:
    return bool(job.error_report_path) and os.path.exists(job.error_report_path)
