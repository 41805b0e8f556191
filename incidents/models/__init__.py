"""Accounts and their penalties: violations, restrictions, reviews, history."""

from incidents.models.accounts import Account, AccountEvent, PersonalDataAccess
from incidents.models.choices import (
    AccountState,
    EventKind,
    RestrictionKind,
    ReviewDecision,
    SourceKind,
)
from incidents.models.evidence import IncidentEvidence
from incidents.models.flags import AccountFlag
from incidents.models.notifications import IncidentNotification
from incidents.models.penalties import Restriction, Review, Violation, source_label
from incidents.models.rm import Incident, IncidentEvent, IncidentParty, IncidentShare, Service

__all__ = [
    "Account",
    "AccountEvent",
    "AccountFlag",
    "AccountState",
    "EventKind",
    "Incident",
    "IncidentEvent",
    "IncidentEvidence",
    "IncidentNotification",
    "IncidentParty",
    "IncidentShare",
    "PersonalDataAccess",
    "Restriction",
    "RestrictionKind",
    "Review",
    "ReviewDecision",
    "Service",
    "SourceKind",
    "Violation",
    "source_label",
]
