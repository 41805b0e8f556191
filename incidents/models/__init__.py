"""Accounts and their penalties: violations, restrictions, reviews, history."""

from incidents.models.accounts import Account, AccountEvent, PersonalDataAccess
from incidents.models.choices import (
    AccountState,
    EventKind,
    RestrictionKind,
    ReviewDecision,
    SourceKind,
)
from incidents.models.penalties import Restriction, Review, Violation, source_label

__all__ = [
    "Account",
    "AccountEvent",
    "AccountState",
    "EventKind",
    "PersonalDataAccess",
    "Restriction",
    "RestrictionKind",
    "Review",
    "ReviewDecision",
    "SourceKind",
    "Violation",
    "source_label",
]
