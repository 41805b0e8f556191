"""Accounts created on first reference and kept up to date by the same calls; their history
rows; the record of each full view of their personal data."""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.masking import normalize_phone
from incidents.models import Account, AccountEvent, EventKind, PersonalDataAccess, SourceKind

logger = logging.getLogger(__name__)

Actor = User | AnonymousUser | None


def user_or_none(actor: Actor):  # type: ignore[no-untyped-def]
    return actor if actor is not None and actor.is_authenticated else None


def account_event(
    *,
    account: Account,
    kind: str,
    actor: Actor,
    source_kind: str,
    source_ref: str = "",
    note: str = "",
    at: datetime | None = None,
) -> AccountEvent:
    """The history row of a change; written by the service that makes the change, in its
    transaction."""
    return AccountEvent.objects.create(
        account=account,
        kind=kind,
        actor=user_or_none(actor),
        source_kind=source_kind,
        source_ref=source_ref,
        note=note[:500],
        at=at or timezone.now(),
    )


def clean_external_id(external_id: str) -> str:
    """The platform's id: visible characters, at most 64."""
    if not external_id or len(external_id) > 64 or not external_id.isprintable():
        raise ValidationError({"external_id": ["계정 ID는 1~64자의 보이는 문자여야 합니다."]})
    return external_id


def account_get_or_create(
    *,
    kind: str,
    external_id: str,
    name: str | None = None,
    phone: str | None = None,
    actor: Actor = None,
    source_kind: str = SourceKind.MANUAL,
    source_ref: str = "",
) -> Account:
    """The account, created on its first reference; a name or phone given that differs from
    the stored one replaces it (the platform's data is newer than ours)."""
    clean_external_id(external_id)
    fields: dict[str, str] = {}
    if name:
        fields["name"] = name.strip()[:100]
    if phone:
        try:
            fields["phone"] = normalize_phone(phone)
        except ValueError as exc:
            raise ValidationError({"phone": [str(exc)]}) from exc
    with transaction.atomic():
        # get_or_create retries the read when a concurrent first reference wins the insert
        # (the unique constraint on kind and external id).
        account, created = Account.objects.get_or_create(
            kind=kind, external_id=external_id, defaults=fields
        )
        if created:
            account_event(
                account=account,
                kind=EventKind.CREATED,
                actor=actor,
                source_kind=source_kind,
                source_ref=source_ref,
            )
            logger.info("account created: %s", account)
            return account
        changed = [f for f, value in fields.items() if getattr(account, f) != value]
        if changed:
            for f in changed:
                setattr(account, f, fields[f])
            account.save(update_fields=[*changed, "updated_at"])
            labels = {"name": "이름", "phone": "전화번호"}
            account_event(
                account=account,
                kind=EventKind.UPDATED,
                actor=actor,
                source_kind=source_kind,
                source_ref=source_ref,
                # Which fields, never their values: history rows are shown to everyone.
                note=", ".join(labels[f] for f in changed) + " 변경",
            )
    return account


def personal_data_view_record(*, account: Account, user: Actor, via: str) -> None:
    """Someone with the permission was shown the account's name and phone whole."""
    viewer = user_or_none(user)
    if viewer is None:
        return
    PersonalDataAccess.objects.create(account=account, user=viewer, at=timezone.now(), via=via)
