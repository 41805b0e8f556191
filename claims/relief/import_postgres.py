"""The PostgreSQL path of the import: COPY into an unlogged staging table, every check an
INSERT … SELECT into an error table, the decision as joins over the version's data, and one
landing transaction (see claims.relief.importer for the guarantees)."""

import csv
import io
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from claims.relief.import_common import (
    CHUNK_ROWS,
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
from policies.models import ACCOUNT_KINDS_OF_SEGMENT, AccountKind, ReliefChannel, ReliefSegment
from policies.relief import (
    SEGMENTS_WITH_BUSINESS_NUMBER,
    ProgramRules,
    kind_problem,
    loss_missing_message,
    loss_required_segments,
)

# -- PostgreSQL: COPY, SQL checks, set-based tiering ------------------------------------------


def run_postgresql(job: ReliefImport, rules: ProgramRules) -> dict[str, int]:
    """One transaction from the staging table's creation to the landing: a failure anywhere
    rolls back everything, the staging tables included.

    Tables, all unlogged and dropped at the end: `<stage>` (the file as text, by line),
    `<stage>_err` (line, column, value, message), `<stage>_ok` (typed rows without errors),
    `<stage>_tier` (with the program's decision), `<stage>_land` (ids, duplicates, status).
    Each pass is one CREATE TABLE … AS (cheaper than rewriting rows with UPDATEs).
    """
    stage = f"relief_stage_{job.pk}"
    tables = [stage, f"{stage}_err", f"{stage}_ok", f"{stage}_tier", f"{stage}_land"]
    for _ in read_rows(job.file_path):  # the header's problems before anything starts
        break
    total = count_records(job.file_path)
    progress(job.pk, total_rows=total, processed_rows=0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"""CREATE UNLOGGED TABLE {stage} (
                    line integer PRIMARY KEY,
                    {", ".join(f"{c} text" for c in COLUMNS)},
                    bad_cells text,
                    raw text
                )"""
            )
            cursor.execute(
                f"CREATE UNLOGGED TABLE {stage}_err (line integer, col text, val text, msg text)"
            )
            _copy_rows(job, cursor, stage, total)
            progress(job.pk, stage="검사 중", processed_rows=total // 3)
            _check(cursor, stage, f"{stage}_err", rules)
            _parse_and_tier(cursor, stage, rules)
        progress(job.pk, stage="등록 중", processed_rows=total // 3 * 2)
        counts = _land(job, stage, rules, total)
        # The approved rows' payout requests commit with the rows (set-based, chunked).
        progress(job.pk, stage="지급 요청 생성 중")
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
            error_report_path=str(report_path(job)),
            finished_at=timezone.now(),
        )
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE {table}")
    return counts


def _copy_rows(job: ReliefImport, cursor: Any, stage: str, total: int) -> None:
    columns = ", ".join(("line", *COLUMNS, "bad_cells", "raw"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    read = 0
    # An empty cell is '' (FORCE_NOT_NULL), as the checks expect; only bad_cells is NULL.
    not_null = ", ".join(COLUMNS)
    with cursor.copy(
        f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))"
    ) as copy:
        for line, cells, problem, raw in read_rows(job.file_path):
            writer.writerow([line, *(cells or [""] * len(COLUMNS)), problem or None, raw])
            read += 1
            if read % CHUNK_ROWS == 0:
                copy.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
                # Reading is the first of three passes (read, check, land) over the rows.
                progress(job.pk, processed_rows=min(total, read) // 3)
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
            IF v !~ ('^\\d{4}-\\d{2}-\\d{2}([ T]([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,6})?)?'
                     || '(Z|[+-]\\d{2}(:?\\d{2})?)?)?$') THEN
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
        f"INSERT INTO {errors} SELECT line, '', raw, bad_cells FROM {stage} "
        "WHERE bad_cells IS NOT NULL"
    )
    valid = "bad_cells IS NULL"
    for column, condition, params, message in checks:
        cursor.execute(
            f"INSERT INTO {errors} SELECT line, %s, {column}, %s FROM {stage} "
            f"WHERE {valid} AND {condition}",
            [column, message, *params],
        )
    # Facts the program's data rules out (the same rules as policies.relief.facts_problems):
    # an account kind the segment is not paid to, a missing loss where tiers decide.
    for segment, kinds in ACCOUNT_KINDS_OF_SEGMENT.items():
        cursor.execute(
            f"INSERT INTO {errors} SELECT line, 'kind', kind, %s FROM {stage} "
            f"WHERE {valid} AND segment = %s AND kind = ANY(%s) AND kind <> ALL(%s)",
            [kind_problem(segment, ""), segment, AccountKind.values, sorted(kinds)],
        )
    for segment in loss_required_segments(rules):
        cursor.execute(
            f"INSERT INTO {errors} SELECT line, 'reported_loss', reported_loss, %s FROM {stage} "
            f"WHERE {valid} AND segment = %s AND reported_loss = ''",
            [loss_missing_message(segment), segment],
        )
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
        # Two runs of one import that both got this far: the second waited on the lock and
        # now sees the first one's rows.
        if already_landed(job.pk):
            raise ImportAlreadyLanded(job.pk)
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
                    WHEN o.id IS NOT NULL THEN o.id
                    WHEN p.id IS NOT NULL THEN p.id
                    WHEN first_value(n.line) OVER w <> n.line THEN first_value(n.app_id) OVER w
                END AS dup_of
                FROM numbered n
                LEFT JOIN {app} o ON n.bn <> '' AND o.program_id = %s
                    AND o.business_number = n.bn AND o.duplicate_of_id IS NULL
                LEFT JOIN {app} p ON n.bn = '' AND p.program_id = %s
                    AND p.business_number = '' AND p.segment = n.segment
                    AND p.applicant_external_id = n.external_id AND p.duplicate_of_id IS NULL
                -- A business number is the applicant's identity; without one, the account
                -- in its segment is (the same keys as the two unique partial indexes).
                WINDOW w AS (
                    PARTITION BY n.bn,
                        CASE WHEN n.bn = '' THEN n.segment END,
                        CASE WHEN n.bn = '' THEN n.external_id END
                    ORDER BY n.line
                )
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
            [app, rules.program_id, rules.program_id],
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
                         WHEN s.bn = '' THEN '신청인 중복: 원 신청 #' || s.dup_of
                         ELSE '사업자등록번호 중복: 원 신청 #' || s.dup_of END
                FROM {stage}_land s WHERE {chunk}""",
                [actor, now, note, low, high],
            )
            done = total // 3 * 2 + min(high, last_line) * total // 3 // max(last_line, 1)
            progress(job.pk, processed_rows=done)
        cursor.execute(f"SELECT count(*) FROM {stage}_land WHERE status = 'duplicate'")
        duplicates = cursor.fetchone()[0]
    return {"imported": landed, "duplicates": duplicates}


def _write_report(job: ReliefImport, errors: str) -> int:
    """The error report CSV (line, column, value, Korean message); the rejected row count."""
    path = report_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor, path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_HEADER)
        cursor.execute(f"SELECT line, col, val, msg FROM {errors} ORDER BY line, col")
        while batch := cursor.fetchmany(5000):
            write_report_rows(writer, batch)
        cursor.execute(f"SELECT count(DISTINCT line) FROM {errors}")
        return int(cursor.fetchone()[0])
