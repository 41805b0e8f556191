"""Demo relief data for `make run`: the 1015 program with a few thousand applications imported
the way a partner file comes in (the seed's shares of reporters and damage, some bad rows and
duplicates), its audit sample drawn, and the e-biz liability line that answers for it. Runs
once: a program that already has applications is left alone."""

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper

from claims.relief.generate import generate
from claims.relief.importer import relief_import_create, relief_import_run
from claims.relief.models import ReliefApplication
from claims.relief.review import relief_audit_sample_draw
from policies.models import InsuranceKind, InsuranceLine, ReliefProgram

DEMO_ROWS = 3_000


def seed(stdout: OutputWrapper) -> None:
    program = ReliefProgram.objects.filter(code="outage-1015").first()
    manager = get_user_model().objects.filter(username="manager").first()
    if program is None or ReliefApplication.objects.filter(program=program).exists():
        return
    if program.insurance_line is None:
        line = InsuranceLine.objects.filter(
            kind=InsuranceKind.EBIZ_LIABILITY, period_start__lte=dt.date(2022, 10, 15)
        ).filter(period_end__gte=dt.date(2022, 10, 15)).first() or InsuranceLine.objects.create(
            kind=InsuranceKind.EBIZ_LIABILITY,
            insurer="데모손해보험",
            policy_number="EB2022000001",
            limit=1_000_000_000,
            deductible=10_000_000,
            period_start=dt.date(2022, 1, 1),
            period_end=dt.date(2022, 12, 31),
            note="데모: 1015 장애 당시의 e-biz 배상책임보험",
        )
        program.insurance_line = line
        program.save(update_fields=["insurance_line"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "partner-demo.csv"
        generate(path, rows=DEMO_ROWS, bad=12, duplicates=20)
        job = relief_import_create(
            program=program.code, source=path, original_name="제휴채널_데모.csv", actor=manager
        )
        job = relief_import_run(import_id=job.pk)
    relief_audit_sample_draw(program=program, actor=manager)
    stdout.write(
        f"  피해 지원 신청 {job.imported:,}건 가져옴 "
        f"(중복 {job.duplicates:,}건, 오류 {job.rejected:,}건)"
    )
