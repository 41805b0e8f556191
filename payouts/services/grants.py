"""Blanket grants: define one (checked like a request), start and run it, and resume a load
a dead worker left.

Loading its recipients (streamed, COPY and INSERT … ON CONFLICT) is `services.grant_loading`;
its status changes are `services.grant_status`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from payouts.issuers import close_issuer, get_issuer
from payouts.models import BlanketGrant, PayoutBatch, PayoutRequest, RecipientKind
from payouts.services.batches import payout_batch_start_for_grant
from payouts.services.enqueue import RUN_BLANKET_GRANT, delay_after_commit
from payouts.services.grant_direct import GrantRunInProgress, blanket_grant_load_and_issue
from payouts.services.grant_loading import (
    BlanketGrantError,
    blanket_grant_load,
    blanket_grant_mark_failed,
    grant_fields,
    recipients_of,
)
from payouts.services.grant_status import blanket_grant_transition
from payouts.services.rules import (
    MAX_COUNT,
)

logger = logging.getLogger(__name__)


# Codes and program codes are part of every idempotency key (`grant:{code}:…`), posted as an
# HTTP header: ASCII slugs only.
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_CODE = BlanketGrant._meta.get_field("code").max_length or 64
MAX_NAME = BlanketGrant._meta.get_field("name").max_length or 200


def _check_definition(*, code: str, name: str, program: str, synthetic_count: int | None) -> None:
    if not code or len(code) > MAX_CODE or not _SLUG.match(code):
        raise BlanketGrantError(
            f"코드는 영문·숫자·하이픈·밑줄로 1~{MAX_CODE}자여야 합니다: {code[:80]!r}"
        )
    if program and (len(program) > MAX_CODE or not _SLUG.match(program)):
        raise BlanketGrantError(
            f"프로그램 코드는 영문·숫자·하이픈·밑줄로 {MAX_CODE}자 이하여야 합니다: "
            f"{program[:80]!r}"
        )
    if len(name) > MAX_NAME:
        raise BlanketGrantError(f"이름은 {MAX_NAME}자 이하여야 합니다.")
    if synthetic_count is not None and synthetic_count < 1:
        raise BlanketGrantError("합성 대상 수는 1 이상이어야 합니다.")
    if synthetic_count is not None and synthetic_count > MAX_COUNT:
        raise BlanketGrantError(f"합성 대상 수는 {MAX_COUNT:,} 이하여야 합니다.")


def blanket_grant_check(
    *,
    code: str,
    name: str,
    program: str,
    synthetic_count: int | None,
    instrument: str,
    amount: int | None,
    count: int | None,
    validity_days: int | None,
) -> None:
    """Raise BlanketGrantError if the definition breaks a rule (for forms, before saving)."""
    _check_definition(code=code, name=name, program=program, synthetic_count=synthetic_count)
    grant_fields(instrument=instrument, amount=amount, count=count, validity=validity_days)


def blanket_grant_create(
    *,
    code: str,
    name: str,
    instrument: str,
    recipient_kind: str,
    amount: int | None = None,
    count: int | None = None,
    validity_days: int | None = None,
    program: str = "",
    segment: str = "",
    synthetic_count: int | None = None,
    recipients_csv: File | None = None,
    actor: User | None = None,
) -> BlanketGrant:
    """Create a draft grant, or return the one with this code if it has the same definition.

    Coupons get the published policy version and its validity (unless given)."""
    _check_definition(code=code, name=name, program=program, synthetic_count=synthetic_count)
    if recipient_kind not in RecipientKind.values:
        raise BlanketGrantError(f"알 수 없는 대상 계정 종류: {recipient_kind!r}")
    fields = grant_fields(instrument=instrument, amount=amount, count=count, validity=validity_days)
    existing = BlanketGrant.objects.filter(code=code).first()
    if existing is not None:
        same = (
            existing.instrument == instrument
            and existing.recipient_kind == recipient_kind
            and existing.amount == fields["amount"]
            and existing.count == fields["count"]
        )
        if not same:
            raise BlanketGrantError(f"코드 {code}의 일괄 지급이 이미 다른 내용으로 있습니다.")
        return existing
    return BlanketGrant.objects.create(
        code=code,
        name=name,
        instrument=instrument,
        recipient_kind=recipient_kind,
        amount=fields["amount"],
        count=fields["count"],
        validity_days=fields["validity_days"],
        policy_version=fields["policy_version"],
        program=program,
        segment=segment,
        synthetic_count=synthetic_count,
        recipients_csv=recipients_csv,
        created_by=actor,
    )


_DEFINITION = ("instrument", "recipient_kind", "amount", "count", "validity_days", "program")


def blanket_grant_update(*, grant: BlanketGrant, **changes: Any) -> BlanketGrant:
    """Change a grant that has no requests yet. Once recipients are loaded their requests carry
    the definition (instrument, amount, keys with the code), so it is frozen: make a new grant.
    """
    with transaction.atomic():
        locked = BlanketGrant.objects.select_for_update().get(pk=grant.pk)
        if locked.requests.exists() and any(
            changes.get(f, getattr(locked, f)) != getattr(locked, f) for f in (*_DEFINITION, "code")
        ):
            raise BlanketGrantError(
                f"{locked.code}: 대상이 이미 적재되어 지급 내용을 바꿀 수 없습니다. "
                "새 일괄 지급을 만드세요."
            )
        for name, value in changes.items():
            setattr(locked, name, value)
        _check_definition(
            code=locked.code,
            name=locked.name,
            program=locked.program,
            synthetic_count=locked.synthetic_count,
        )
        fields = grant_fields(
            instrument=locked.instrument,
            amount=locked.amount,
            count=locked.count,
            validity=locked.validity_days,
            policy_version=locked.policy_version,
        )
        locked.validity_days = fields["validity_days"]
        locked.policy_version = fields["policy_version"]
        locked.save()
    return locked


def blanket_grant_start(*, grant_id: int, actor: User | None = None) -> None:
    """Queue the grant's run for a worker (loading millions of recipients is never a web
    request's job). Raises BlanketGrantError when the grant has no recipient source."""
    grant = BlanketGrant.objects.get(pk=grant_id)
    if not grant.recipients_csv and not grant.synthetic_count:
        raise BlanketGrantError(f"{grant.code}: 대상 CSV나 합성 대상 수가 없습니다.")
    actor_id = actor.pk if actor is not None else None
    with transaction.atomic():
        # Marked before the task is sent: if the broker loses it (or is down), the grant is
        # left loading and the stalled-load sweep runs it, instead of nothing happening.
        BlanketGrant.objects.filter(pk=grant_id).update(run_by_worker=True)
        blanket_grant_transition(
            grant_id=grant_id,
            to=BlanketGrant.Status.LOADING,
            actor=actor,
            reason="작업자 실행 요청",
            strict=False,
        )
        # A broker down must not turn the admin action into a 500; the sweep runs it later.
        delay_after_commit(RUN_BLANKET_GRANT, grant_id, actor_id, what=f"run of grant {grant.code}")


def blanket_grant_run(
    *,
    grant_id: int,
    actor: User | None = None,
    recipients: Iterable[str] | None = None,
    enqueue: bool = True,
) -> PayoutBatch | None:
    """Load the grant's recipients (its CSV file or synthetic count unless given) and issue
    them: in one pass with the ledger issuer on PostgreSQL (`grant_direct`), else by starting
    the batch that issues what was loaded. Running it again loads nothing twice and issues
    only what is still pending. None when another run of the grant is under way (a
    redelivered task): that run finishes the work."""
    grant = BlanketGrant.objects.get(pk=grant_id)
    if recipients is None and not grant.run_by_worker:
        BlanketGrant.objects.filter(pk=grant_id).update(run_by_worker=True)
    if (
        recipients is None
        and grant.status == BlanketGrant.Status.DONE
        and not grant.requests.filter(status=PayoutRequest.Status.PENDING).exists()
    ):
        # A redelivered or repeated run of a finished grant: nothing to load or issue, and no
        # empty batch either.
        last = grant.batches.order_by("-pk").first()
        if last is not None:
            return last
    try:
        source = recipients if recipients is not None else recipients_of(grant)
        try:
            if _one_pass_possible():
                batch = blanket_grant_load_and_issue(grant=grant, recipients=source, actor=actor)
                grant.refresh_from_db()
                if batch is not None and grant.status == BlanketGrant.Status.DONE:
                    return batch
                if batch is None:  # a planned batch of the grant runs: load, it issues
                    blanket_grant_load(grant=grant, recipients=source)
            else:
                blanket_grant_load(grant=grant, recipients=source)
        finally:
            if grant.recipients_csv:
                grant.recipients_csv.close()
        return payout_batch_start_for_grant(grant=grant, actor=actor, enqueue=enqueue)
    except GrantRunInProgress as exc:
        logger.info("%s", exc)
        return None
    except Exception as exc:
        # Run by a worker from the admin: nobody sees the traceback, so the grant shows why.
        if grant.status != BlanketGrant.Status.FAILED:
            blanket_grant_mark_failed(grant=grant, error=f"{type(exc).__name__}: {exc}")
        raise


def _one_pass_possible() -> bool:
    """Load and issue in one pass where the issuer has nothing to deliver (the ledger
    issuer) and the database can do it in one statement (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return False
    issuer = get_issuer()
    try:
        return issuer.bulk
    finally:
        close_issuer(issuer)


def blanket_grants_resume_stalled_loads(*, older_than: timedelta | None = None) -> list[int]:
    """Run again the grants whose load stopped moving for `older_than`
    (PAYOUTS_STALLED_AFTER_MINUTES): a worker died loading them. The run loads only what is
    missing and then starts the grant's batch."""
    if older_than is None:
        older_than = timedelta(minutes=settings.PAYOUTS_STALLED_AFTER_MINUTES)
    cutoff = timezone.now() - older_than
    stalled = list(
        BlanketGrant.objects.filter(
            status=BlanketGrant.Status.LOADING, run_by_worker=True, updated_at__lt=cutoff
        ).values_list("pk", "created_by_id")
    )
    for grant_id, actor_id in stalled:
        logger.warning("grant %s: its load stalled; running it again", grant_id)
        delay_after_commit(
            RUN_BLANKET_GRANT, grant_id, actor_id, what=f"stalled load of grant {grant_id}"
        )
    return [grant_id for grant_id, _ in stalled]
