"""Relief grants to payouts, exactly once (issue 13).

- An approved application's own grants (a loss tier's support money, the committee's amount,
  a driver's thanks points and transport support) become one payout request per application
  and instrument, keyed `relief:<application id>:<instrument>`, created in the transaction
  that approves the application, through payouts' services.
- After a bulk import the approved rows' requests are created set-based, in chunks
  (`payouts.services.bulk_requests`), with the same keys: a row filed one by one and the same
  row in an import can never be paid twice.
- The blanket grants of a segment (every user's emoticons, Makers coupons and 톡서랍 플러스;
  every small business's channel cash) are not per application: they run through payouts'
  blanket-grant path, one BlanketGrant per grant row, its code stable across the program's
  versions (a republished program pays no one twice); applicants who arrive after a grant was
  loaded get a follow-up grant of their own on the next run.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from claims.relief.models import ReliefApplication, ReliefApplicationGrant
from payouts.models import BlanketGrant, PayoutRequest, RecipientKind, SourceKind
from payouts.services.bulk_requests import NewRequest, payout_requests_create_many
from payouts.services.grants import blanket_grant_create, blanket_grant_start
from payouts.services.requests import payout_request_create
from policies.models import ReliefGrant, ReliefProgram, ReliefProgramVersion, ReliefSegment

Status = ReliefApplication.Status
Source = ReliefApplicationGrant.Source

# Grants paid per application; the `blanket` ones go through the blanket-grant path.
PER_APPLICATION_SOURCES = (Source.LOSS_TIER, Source.DRIVER_BAND, Source.TRANSPORT, Source.COMMITTEE)
PAYABLE_STATUSES = (Status.APPROVED, Status.COMMITTEE_APPROVED)

# Whose account a segment's grants go to when the applicant's own kind is not one payouts
# pays (it always is for the API's kinds; the map is the fallback).
RECIPIENT_OF_SEGMENT = {
    ReliefSegment.USER: RecipientKind.CUSTOMER,
    ReliefSegment.SMALL_BUSINESS: RecipientKind.BUSINESS,
    ReliefSegment.COMPANY: RecipientKind.BUSINESS,
    ReliefSegment.DRIVER: RecipientKind.DRIVER,
}


class ReliefPayoutError(ValueError):
    """A blanket-grant run cannot start (no such segment, no recipients); Korean message."""


def payout_key(application_id: int, instrument: str) -> str:
    return f"relief:{application_id}:{instrument}"


_RECIPIENT_KINDS = frozenset(RecipientKind.values)


def _recipient_kind(applicant_kind: str, segment: str) -> str:
    if applicant_kind in _RECIPIENT_KINDS:
        return applicant_kind
    return RECIPIENT_OF_SEGMENT[ReliefSegment(segment)]


def relief_application_payouts_create(*, application: ReliefApplication) -> list[PayoutRequest]:
    """The payout requests of an approved application's own grants (none for other statuses).

    Call it inside the transaction that approves the application; the requests commit with
    it. Calling it again returns the same requests (the key per application and instrument).
    """
    if application.status not in PAYABLE_STATUSES:
        return []
    grants = ReliefApplicationGrant.objects.filter(
        application=application, source__in=PER_APPLICATION_SOURCES
    ).order_by("order", "id")
    program_code = ReliefProgram.objects.values_list("code", flat=True).get(
        pk=application.program_id
    )
    made = []
    with transaction.atomic():
        for grant in grants:
            made.append(
                payout_request_create(
                    recipient_kind=_recipient_kind(application.applicant_kind, application.segment),
                    recipient_id=application.applicant_external_id,
                    instrument=grant.instrument,
                    amount=grant.amount,
                    count=grant.count,
                    validity_days=grant.validity_days,
                    source_kind=SourceKind.RELIEF_APPLICATION,
                    source_ref=str(application.pk),
                    program=program_code,
                    idempotency_key=payout_key(application.pk, grant.instrument),
                )
            )
    return made


def _new_requests(applications: Any) -> Iterator[NewRequest]:
    rows = (
        ReliefApplicationGrant.objects.filter(
            application__in=applications,
            application__status__in=PAYABLE_STATUSES,
            source__in=PER_APPLICATION_SOURCES,
        )
        .order_by("application_id", "order", "id")
        .values_list(
            "application_id",
            "application__applicant_kind",
            "application__segment",
            "application__applicant_external_id",
            "instrument",
            "amount",
            "count",
            "validity_days",
        )
    )
    for app_id, kind, segment, external_id, instrument, amount, count, validity in rows.iterator(
        chunk_size=10_000
    ):
        yield NewRequest(
            recipient_kind=_recipient_kind(kind, segment),
            recipient_id=external_id,
            instrument=instrument,
            idempotency_key=payout_key(app_id, instrument),
            source_ref=str(app_id),
            amount=amount,
            count=count,
            validity_days=validity,
        )


def relief_import_payouts_create(*, import_id: int) -> int:
    """The payout requests of every approved row of a bulk import, set-based and chunked;
    returns how many were new. Safe to run again (and inside the import's transaction)."""
    applications = ReliefApplication.objects.filter(source_import_id=import_id)
    first = applications.select_related("program").first()
    if first is None:
        return 0
    return payout_requests_create_many(
        requests=_new_requests(applications.values("pk")),
        source_kind=SourceKind.RELIEF_APPLICATION,
        program=first.program.code,
    )


# --- blanket grants ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """Who a segment's blanket grants go to: the program's applicants the evaluator gave them
    (the default), a CSV file of account ids, or a synthetic count (demos, the benchmark)."""

    csv_file: Any = None
    synthetic_count: int | None = None

    @property
    def from_applications(self) -> bool:
        return self.csv_file is None and self.synthetic_count is None


def _applicant_ids(program: ReliefProgram, segment: str) -> Any:
    """The applicants the evaluator gave the segment's blanket grants (approved ones and those
    before the committee alike: "every small business" gets the channel cash; duplicates and
    the not eligible have no grants), each account once."""
    return (
        ReliefApplication.objects.filter(
            program=program, segment=segment, grants__source=Source.BLANKET
        )
        .order_by("applicant_external_id")
        .values_list("applicant_external_id", flat=True)
        .distinct()
    )


def _recipients_csv(ids: Any, name: str) -> ContentFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["recipient_id"])
    for value in ids.iterator(chunk_size=10_000) if hasattr(ids, "iterator") else ids:
        writer.writerow([value])
    return ContentFile(out.getvalue().encode(), name=name)


def blanket_grant_code(program: ReliefProgram, grant: ReliefGrant) -> str:
    """The grant's code, the same for every version of the program that grants the segment
    the same instrument in the same shape (amount or count, validity): republishing a
    program never pays a blanket grant again. The shape keeps the permanent emoticon and the
    90-day ones apart; it is hashed so the code fits the 64-character slug."""
    shape = f"{grant.instrument}:{grant.amount}:{grant.count}:{grant.validity_days}"
    digest = hashlib.sha256(shape.encode()).hexdigest()[:10]
    code = f"relief-{program.code}-{grant.segment}-{digest}"
    if len(code) > 60:  # a follow-up's suffix (-2, -3, …) must still fit
        whole = hashlib.sha256(f"{program.code}:{grant.segment}:{shape}".encode()).hexdigest()
        code = f"relief-{whole[:40]}"
    return code


# A grant in one of these states has all its recipients loaded as payout requests.
_LOADED = (BlanketGrant.Status.LOADED, BlanketGrant.Status.ISSUING, BlanketGrant.Status.DONE)


def relief_program_start_blanket_grants(
    *,
    program: ReliefProgram,
    segment: str,
    recipients: Recipients | None = None,
    actor: User | None = None,
) -> list[BlanketGrant]:
    """Create the BlanketGrant of each blanket grant row of the program's published version
    for `segment` and start it (the worker loads and issues it); returns, per row, the grant
    this run created or started, else the latest of the row's grants.

    A recipient gets each of the segment's blanket grants once per program, whatever the
    version: the grant's code is stable across versions (`blanket_grant_code`). Running it
    again starts a follow-up grant (`<code>-2`, `-3`, …) for the applicants who arrived after
    the earlier grants were loaded and are not among their recipients, and nothing when there
    are none; while an earlier grant is still loading it waits (no follow-up) so nobody is
    counted twice. A recipients file or synthetic count is used for the first grant only.
    """
    recipients = recipients or Recipients()
    version = (
        ReliefProgramVersion.objects.select_related("program")
        .filter(program=program, status=ReliefProgramVersion.Status.PUBLISHED)
        .first()
    )
    if version is None:
        raise ReliefPayoutError(f"{program.code}에 게시된 버전이 없습니다.")
    rows = list(
        ReliefGrant.objects.filter(version=version, segment=segment).order_by("order", "id")
    )
    if not rows:
        raise ReliefPayoutError(
            f"{program.code} v{version.number}에 {ReliefSegment(segment).label} 일괄 지원이 "
            "없습니다."
        )
    recipient_kind = RECIPIENT_OF_SEGMENT[ReliefSegment(segment)]
    grants = []
    for row in rows:
        base = blanket_grant_code(program, row)
        family = list(
            BlanketGrant.objects.filter(Q(code=base) | Q(code__startswith=f"{base}-")).order_by(
                "id"
            )
        )
        drafts = [g for g in family if g.status == BlanketGrant.Status.DRAFT]
        source: dict[str, Any] = {}
        code = base
        if drafts:
            code = drafts[0].code  # created by an earlier run that stopped before starting it
        elif family:
            if not recipients.from_applications or any(g.status not in _LOADED for g in family):
                grants.append(family[-1])
                continue
            granted = PayoutRequest.objects.filter(grant__in=family).values("recipient_id")
            missing = list(
                _applicant_ids(program, segment).exclude(applicant_external_id__in=granted)
            )
            if not missing:
                grants.append(family[-1])
                continue
            code = f"{base}-{len(family) + 1}"
            source["recipients_csv"] = _recipients_csv(missing, name=f"{code}.csv")
        elif recipients.synthetic_count is not None:
            source["synthetic_count"] = recipients.synthetic_count
        else:
            source["recipients_csv"] = (
                recipients.csv_file
                if recipients.csv_file is not None
                else _recipients_csv(
                    _applicant_ids(program, segment), name=f"{program.code}-{segment}.csv"
                )
            )
        grant = blanket_grant_create(
            code=code,
            name=f"{version.name} · {row}"[:200],
            instrument=row.instrument,
            recipient_kind=recipient_kind,
            amount=row.amount,
            count=row.count,
            validity_days=row.validity_days,
            program=program.code,
            segment=segment,
            actor=actor,
            **source,
        )
        if grant.status == BlanketGrant.Status.DRAFT:
            blanket_grant_start(grant_id=grant.pk, actor=actor)
            grant.refresh_from_db()
        grants.append(grant)
    return grants
