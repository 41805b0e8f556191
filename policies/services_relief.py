"""Writes of relief programs: a draft copied from the published version, and publishing.

Drafts are edited in the admin; publishing checks the draft's data (tiers and bands without
overlaps, windows with known channels) and retires the version it replaces, with a history row
per status change.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from policies.models import (
    ReliefChannel,
    ReliefProgram,
    ReliefProgramVersion,
    ReliefSegment,
    ReliefVersionEvent,
)
from policies.selectors_relief import published_version

Status = ReliefProgramVersion.Status

# The version's own fields a draft copies (identity, status and stamps are new).
_COPIED_FIELDS = (
    "name",
    "outage_start",
    "outage_end",
    "services",
    "budget",
    "audit_sample_percent",
    "audit_seed",
    "committee_award_min",
    "committee_award_max",
    "saturday_reference_date",
    "saturday_weeks",
    "transport_support_per_night",
    "transport_support_cap",
    "transport_nights",
    "transport_hours",
)
_PART_RELATIONS = ("segments", "loss_tiers", "grants", "driver_bands", "windows", "evidence_kinds")


def _event(
    version: ReliefProgramVersion, *, before: str, after: str, actor: Any, note: str
) -> None:
    ReliefVersionEvent.objects.create(
        version=version,
        from_status=before,
        to_status=after,
        actor=actor,
        at=timezone.now(),
        note=note[:300],
    )


def relief_version_create_draft(
    *, program_id: int, actor: Any, note: str = ""
) -> ReliefProgramVersion:
    """A new draft of the program, a copy of its published version (or of its latest)."""
    with transaction.atomic():
        program = ReliefProgram.objects.select_for_update().get(pk=program_id)
        source: ReliefProgramVersion | None
        try:
            source = published_version(program=program)
        except LookupError:
            source = program.versions.order_by("-number").first()  # type: ignore[attr-defined]
        if source is None:
            raise ValidationError("복사할 버전이 없습니다.")
        number = (program.versions.aggregate(n=Max("number"))["n"] or 0) + 1  # type: ignore[attr-defined]
        draft = ReliefProgramVersion.objects.create(
            program=program,
            number=number,
            based_on=source,
            note=note,
            created_by=actor,
            **{f: getattr(source, f) for f in _COPIED_FIELDS},
        )
        for relation in _PART_RELATIONS:
            for part in getattr(source, relation).all():
                part.pk = None
                part.id = None
                part.version = draft
                part._state.adding = True
                part.save()
        _event(draft, before="", after=Status.DRAFT, actor=actor, note=f"v{source.number} 복사")
    return draft


def check_program_version(version: ReliefProgramVersion) -> list[str]:
    """Korean problems that keep a draft from being published."""
    problems: list[str] = []
    segments = {s.segment: s.assessment for s in version.segments.all()}  # type: ignore[attr-defined]
    if not segments:
        problems.append("지원 대상이 하나도 없습니다.")
    tiers = list(version.loss_tiers.order_by("segment", "min_loss"))  # type: ignore[attr-defined]
    for before, after in itertools.pairwise(tiers):
        if before.segment == after.segment and (
            before.max_loss is None or before.max_loss >= after.min_loss
        ):
            problems.append(f"손실 구간이 겹칩니다: {before} / {after}")
    for segment, assessment in segments.items():
        if assessment == "loss_tiers" and not any(t.segment == segment for t in tiers):
            problems.append(f"{ReliefSegment(segment).label}: 손실 구간이 없습니다.")
    bands = list(version.driver_bands.order_by("min_saturdays"))  # type: ignore[attr-defined]
    for low, high in itertools.pairwise(bands):
        if low.max_saturdays is None or low.max_saturdays >= high.min_saturdays:
            problems.append(f"기사 구간이 겹칩니다: {low} / {high}")
    windows = list(version.windows.all())  # type: ignore[attr-defined]
    if not any(w.kind != "documents" for w in windows):
        problems.append("신청을 받는 접수 기간이 없습니다.")
    for w in windows:
        unknown = [c for c in w.channels if c not in ReliefChannel.values]
        if not w.channels or unknown:
            problems.append(f"{w}: 채널은 {', '.join(ReliefChannel.values)} 중에서 고릅니다.")
        bad = [s for s in (w.segments or []) if s not in ReliefSegment.values]
        if bad:
            problems.append(f"{w}: 알 수 없는 대상 {', '.join(bad)}")
    for night in version.transport_nights or []:
        try:
            datetime.date.fromisoformat(str(night))
        except ValueError:
            problems.append(f"교통비 지원 야간 날짜가 올바르지 않습니다: {night}")
    return problems


def relief_version_publish(*, version_id: int, actor: Any) -> ReliefProgramVersion:
    """Publish a draft; the program's published version is retired. Twice is harmless."""
    with transaction.atomic():
        version = ReliefProgramVersion.objects.select_related("program").get(pk=version_id)
        # One publish per program at a time: the program row is the lock.
        ReliefProgram.objects.select_for_update().get(pk=version.program_id)
        version.refresh_from_db()
        if version.status == Status.PUBLISHED:
            return version
        if version.status != Status.DRAFT:
            raise ValidationError(f"v{version.number}은(는) 초안이 아니라 게시할 수 없습니다.")
        problems = check_program_version(version)
        if problems:
            raise ValidationError(problems)
        for old in ReliefProgramVersion.objects.filter(
            program_id=version.program_id, status=Status.PUBLISHED
        ):
            ReliefProgramVersion.objects.filter(pk=old.pk, status=Status.PUBLISHED).update(
                status=Status.RETIRED
            )
            _event(
                old,
                before=Status.PUBLISHED,
                after=Status.RETIRED,
                actor=actor,
                note=f"v{version.number} 게시로 종료",
            )
        ReliefProgramVersion.objects.filter(pk=version.pk, status=Status.DRAFT).update(
            status=Status.PUBLISHED, published_at=timezone.now(), published_by=actor
        )
        _event(version, before=Status.DRAFT, after=Status.PUBLISHED, actor=actor, note=version.note)
        version.refresh_from_db()
    return version


_PRESET_VERSION_FIELDS = (
    "name",
    "note",
    "services",
    "budget",
    "audit_sample_percent",
    "audit_seed",
    "committee_award_min",
    "committee_award_max",
    "saturday_weeks",
    "transport_support_per_night",
    "transport_support_cap",
    "transport_nights",
    "transport_hours",
)


def relief_presets_load(presets: list[dict[str, Any]] | None = None) -> list[ReliefProgram]:
    """The presets of `policies.seed_relief` as programs with a published version 1, for a
    database that lacks them (the data migration 0017 does the same from its frozen copy)."""
    from policies import seed_relief
    from policies.models import (
        ReliefDriverBand,
        ReliefEvidence,
        ReliefGrant,
        ReliefLossTier,
        ReliefProgramSegment,
        ReliefWindow,
    )

    parts: dict[str, Any] = {
        "segments": ReliefProgramSegment,
        "loss_tiers": ReliefLossTier,
        "grants": ReliefGrant,
        "driver_bands": ReliefDriverBand,
        "windows": ReliefWindow,
        "evidence": ReliefEvidence,
    }
    loaded = []
    with transaction.atomic():
        for spec in presets if presets is not None else seed_relief.PRESETS:
            if ReliefProgram.objects.filter(code=spec["code"]).exists():
                continue
            program = ReliefProgram.objects.create(code=spec["code"], name=spec["name"])
            v = spec["version"]
            version = ReliefProgramVersion.objects.create(
                program=program,
                number=1,
                outage_start=datetime.datetime.fromisoformat(v["outage_start"]),
                outage_end=datetime.datetime.fromisoformat(v["outage_end"]),
                saturday_reference_date=(
                    datetime.date.fromisoformat(v["saturday_reference_date"])
                    if v["saturday_reference_date"]
                    else None
                ),
                **{f: v[f] for f in _PRESET_VERSION_FIELDS},
            )
            for key, model in parts.items():
                for row in spec[key]:
                    if key == "windows":
                        row = {
                            **row,
                            "start_date": datetime.date.fromisoformat(row["start_date"]),
                            "end_date": datetime.date.fromisoformat(row["end_date"]),
                        }
                    model.objects.create(version=version, **row)
            relief_version_publish(version_id=version.pk, actor=None)
            loaded.append(program)
    return loaded
