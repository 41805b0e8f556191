"""`python manage.py relief_import --program CODE FILE.csv`: import relief applications."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claims.relief.importer import relief_import_create, relief_import_run
from policies.selectors_relief import NoPublishedProgramVersion, UnknownProgram


class Command(BaseCommand):
    help = "피해 지원 신청 CSV를 일괄 등록합니다(등록·중복·거부 건수와 오류 보고서 위치를 출력)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", required=True, help="프로그램 코드, 예: outage-1015")
        parser.add_argument("file", help="CSV 파일(UTF-8, 헤더 행 포함)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"파일이 없습니다: {path}")
        try:
            job = relief_import_create(
                program=options["program"], source=path, original_name=path.name
            )
        except (UnknownProgram, NoPublishedProgramVersion) as exc:
            raise CommandError(str(exc)) from exc
        job = relief_import_run(import_id=job.pk)
        if job.status != job.Status.DONE:
            raise CommandError(f"일괄 등록 #{job.pk} 실패: {job.error_message}")
        self.stdout.write(
            f"일괄 등록 #{job.pk}: 등록 {job.imported:,}건(중복 {job.duplicates:,}건 포함), "
            f"거부 {job.rejected:,}건\n오류 보고서: {job.error_report_path}"
        )
