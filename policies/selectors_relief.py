"""Reads of relief programs: the published version of a program and its rules snapshot."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from policies.models import ReliefProgram, ReliefProgramVersion
from policies.relief import DriverBand, Grant, LossTier, ProgramRules, Window


class UnknownProgram(LookupError):
    pass


class NoPublishedProgramVersion(LookupError):
    pass


def programs() -> QuerySet[ReliefProgram]:
    return ReliefProgram.objects.order_by("code")


def published_version(*, program: ReliefProgram) -> ReliefProgramVersion:
    version = (
        ReliefProgramVersion.objects.filter(
            program=program, status=ReliefProgramVersion.Status.PUBLISHED
        )
        .select_related("program")
        .first()
    )
    if version is None:
        raise NoPublishedProgramVersion(f"{program.code} 프로그램에 게시된 버전이 없습니다.")
    return version


def program_by_code(code: str) -> ReliefProgram:
    program = ReliefProgram.objects.filter(code=code).first()
    if program is None:
        raise UnknownProgram(f"알 수 없는 프로그램: {code}")
    return program


# Published and retired versions never change, so their snapshots are kept per process.
_RULES: dict[int, ProgramRules] = {}


def forget_relief_rules() -> None:
    """Drop the kept snapshots (tests: a flushed database may reuse a version's id)."""
    _RULES.clear()


def program_rules(*, version: ReliefProgramVersion) -> ProgramRules:
    """The rules snapshot of `version` (drafts are read afresh every time)."""
    cached = _RULES.get(version.pk)
    if cached is not None:
        return cached
    rules = _load_rules(version)
    if version.status != ReliefProgramVersion.Status.DRAFT:
        _RULES[version.pk] = rules
    return rules


def current_rules(*, code: str) -> ProgramRules:
    """The rules of the program's published version (UnknownProgram, NoPublished…)."""
    return program_rules(version=published_version(program=program_by_code(code)))


def _day(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _load_rules(version: ReliefProgramVersion) -> ProgramRules:
    grants: dict[str, list[Grant]] = {}
    for g in version.grants.order_by("segment", "order", "id"):  # type: ignore[attr-defined]
        grants.setdefault(g.segment, []).append(
            Grant(
                g.instrument,
                amount=g.amount,
                count=g.count,
                validity_days=g.validity_days,
                source="blanket",
            )
        )
    return ProgramRules(
        program_id=version.program_id,
        program_code=version.program.code,
        version_id=version.pk,
        version_number=version.number,
        segments={s.segment: s.assessment for s in version.segments.all()},  # type: ignore[attr-defined]
        loss_tiers=tuple(
            LossTier(t.segment, t.min_loss, t.max_loss, t.outcome, t.instrument, t.amount)
            for t in version.loss_tiers.order_by("segment", "min_loss")  # type: ignore[attr-defined]
        ),
        grants={k: tuple(v) for k, v in grants.items()},
        driver_bands=tuple(
            DriverBand(b.min_saturdays, b.max_saturdays, b.instrument, b.amount)
            for b in version.driver_bands.order_by("min_saturdays")  # type: ignore[attr-defined]
        ),
        windows=tuple(
            Window(
                w.kind,
                _day(w.start_date),
                _day(w.end_date),
                tuple(w.channels),
                tuple(w.segments or ()),
            )
            for w in version.windows.order_by("start_date", "kind")  # type: ignore[attr-defined]
        ),
        transport_support_per_night=version.transport_support_per_night,
        transport_support_cap=version.transport_support_cap,
        transport_nights=tuple(version.transport_nights or ()),
        saturday_weeks=version.saturday_weeks,
        evidence=tuple(
            e.label
            for e in version.evidence_kinds.order_by("order", "code")  # type: ignore[attr-defined]
        ),
    )
