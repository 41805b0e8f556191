"""Relief applications for the review tests, written as the intake leaves them (the program's
published version, its grants), without going through the intake's parser."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from claims.relief.models import ReliefApplication, ReliefApplicationGrant
from policies.models import ReliefProgram, ReliefProgramVersion

_numbers = itertools.count(1)
KST_DAY = datetime.datetime(2022, 10, 20, 3, 0, tzinfo=datetime.UTC)


def program(code: str = "outage-1015") -> ReliefProgram:
    return ReliefProgram.objects.get(code=code)


def version(code: str = "outage-1015") -> ReliefProgramVersion:
    return ReliefProgramVersion.objects.get(program__code=code, status="published")


def make_application(
    *,
    status: str = ReliefApplication.Status.APPROVED,
    segment: str = "small_business",
    reported_loss: int = 200_000,
    damage: str = "paid_service",
    code: str = "outage-1015",
    grants: list[tuple[str, int | None, int | None, str]] | None = None,
) -> ReliefApplication:
    n = next(_numbers)
    v = version(code)
    business = segment in ("small_business", "company")
    app = ReliefApplication.objects.create(
        program=v.program,
        program_version=v,
        segment=segment,
        reporter_type={"driver": "user"}.get(segment, segment),
        applicant_kind="business"
        if business
        else ("driver" if segment == "driver" else "customer"),
        applicant_external_id=f"A-{n:06d}",
        applicant_name="김사장",
        business_number=f"{n:010d}" if business else "",
        reported_loss=reported_loss,
        damage=damage,
        channel="web",
        submitted_at=KST_DAY,
        status=status,
        created_at=timezone.now(),
    )
    if grants is None:
        grants = []
        if status == ReliefApplication.Status.APPROVED and segment == "small_business":
            grants = [
                ("business_support", 30_000, None, "loss_tier"),
                ("channel_cash", 50_000, None, "blanket"),
            ]
    for order, (instrument, amount, count, source) in enumerate(grants):
        ReliefApplicationGrant.objects.create(
            application=app,
            instrument=instrument,
            amount=amount,
            count=count,
            source=source,
            order=order,
        )
    return app
