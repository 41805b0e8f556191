"""Writing the ledger: what an issued request leaves in it, defined once.

A ledger entry repeats the request's grant (who, what, how much, from where), so the ledger
stands on its own and, append-only, is what reconciliation trusts. Every path that issues (one
request, a chunk through the ORM, a chunk in one SQL statement) copies the same fields from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from payouts.models import LedgerEntry, PayoutRequest

# The request's fields the ledger entry copies (model field names; grant is its id).
COPIED_FIELDS = (
    "recipient_kind",
    "recipient_id",
    "instrument",
    "amount",
    "count",
    "action",
    "source_kind",
    "source_ref",
    "program",
    "grant_id",
)


def ledger_entry(
    values: Mapping[str, Any],
    *,
    request_id: int,
    batch_id: int | None,
    issued_at: datetime,
    issuer: str,
    external_ref: str = "",
) -> LedgerEntry:
    """An unsaved entry from a request's values (`COPIED_FIELDS`)."""
    return LedgerEntry(
        request_id=request_id,
        batch_id=batch_id,
        issued_at=issued_at,
        issuer=issuer,
        external_ref=external_ref,
        **{name: values[name] for name in COPIED_FIELDS},
    )


def request_values(request: PayoutRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in COPIED_FIELDS}


def copied_columns() -> list[str]:
    """The copied fields as database columns, the same in both tables."""
    columns = {f.attname: f.column for f in PayoutRequest._meta.concrete_fields}
    return [columns[name] for name in COPIED_FIELDS]


def ledger_insert_columns() -> str:
    """The ledger's columns for a set-based INSERT: the request, the copied fields, then
    batch, time, issuer and external reference."""
    return ", ".join(
        ["request_id", *copied_columns(), "batch_id", "issued_at", "issuer", "external_ref"]
    )
