"""What both import paths share: the columns, the Korean messages, reading the file
record by record, progress written on its own connection, the error report's place."""

import csv
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from claims.relief.models import (
    DamageClass,
    ReliefImport,
)
from config.spreadsheet import spreadsheet_safe
from policies.models import AccountKind, ReliefChannel, ReliefSegment

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


class ImportAlreadyLanded(RuntimeError):
    """Another run of the same import landed its rows first; this run's transaction rolls
    back and lands nothing."""


def already_landed(import_id: int) -> bool:
    """Inside the landing transaction, after the applications table is locked: whether a
    run of this import has landed rows already (a second run then waits on the lock and
    sees them)."""
    from claims.relief.models import ReliefApplication

    return ReliefApplication.objects.filter(source_import_id=import_id).exists()


def import_root() -> Path:
    return Path(settings.RELIEF_IMPORT_ROOT)


# -- progress, visible while the landing transaction is still open ----------------------------


def progress(import_id: int, **fields: Any) -> None:
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


def read_rows(path: str) -> Iterator[tuple[int, list[str] | None, str, str]]:
    """(line, cells or None if the record is refused whole, problem, the record as read)
    for each data record; the record as read goes to the error report of a refused one."""
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
                    yield start, None, MSG["cells"], _as_read(record)
                    continue
                cells = [record[i].strip() for i in order]
                if any("\x00" in c for c in cells):
                    yield start, None, MSG["nul"], _as_read(record).replace("\x00", "")
                    continue
                yield start, cells, "", ""
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{line + 1}번째 줄 근처를 UTF-8로 읽을 수 없습니다. UTF-8 CSV로 저장하세요."
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(f"{line + 1}번째 줄의 CSV 형식이 잘못되었습니다: {exc}") from exc


def _as_read(record: list[str]) -> str:
    """The record written back as one CSV line (what the sender's file holds there)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(record)
    return out.getvalue()


def write_report_rows(writer: Any, rows: Iterable[Iterable[object]]) -> None:
    writer.writerows([spreadsheet_safe(cell) for cell in r] for r in rows)


def count_records(path: str) -> int:
    """The data records of the file as `read_rows` sees them (CSV records, not newline
    characters: a quoted line break is inside a record, a last line needs no newline, blank
    lines are no rows). Never fails: a file `read_rows` cannot read is reported by it."""
    count = 0
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        try:
            next(reader, None)  # the header
            for record in reader:
                if any(cell.strip() for cell in record):
                    count += 1
        except csv.Error:
            pass
    return count


def report_path(job: ReliefImport) -> Path:
    return import_root() / f"relief-import-{job.pk}-errors.csv"


REPORT_HEADER = ["줄", "열", "값", "오류"]


def error_report_exists(job: ReliefImport) -> bool:
    return bool(job.error_report_path) and os.path.exists(job.error_report_path)
