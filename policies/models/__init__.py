"""The policy book: versions, their matrix (rules, rows, conditions, penalties) and the
outcomes of each tier with their effects."""

from policies.models.book import FareBand, RowCondition, RowPenalty, Rule, RuleRow
from policies.models.choices import (
    TIER_CHOICES,
    AccountKind,
    AmountMethod,
    Category,
    ConditionOp,
    EffectType,
    Fault,
    Instrument,
    LiftCondition,
    OutcomeKind,
    Party,
    PaymentAction,
    Penalty,
    PenaltyAction,
    PenaltyScope,
    Role,
    Target,
    Trigger,
    violation_code,
)
from policies.models.outcomes import Effect, TierOutcome
from policies.models.penalties import PenaltyRule
from policies.models.rm import RmCategory, RmSeverity, RmSubtype
from policies.models.versions import (
    PolicyBookPart,
    PolicyVersion,
    PolicyVersionEvent,
    PublishedVersionIsImmutable,
)

__all__ = [
    "TIER_CHOICES",
    "AccountKind",
    "AmountMethod",
    "Category",
    "ConditionOp",
    "Effect",
    "EffectType",
    "FareBand",
    "Fault",
    "Instrument",
    "LiftCondition",
    "OutcomeKind",
    "Party",
    "PaymentAction",
    "Penalty",
    "PenaltyAction",
    "PenaltyRule",
    "PenaltyScope",
    "PolicyBookPart",
    "PolicyVersion",
    "PolicyVersionEvent",
    "PublishedVersionIsImmutable",
    "RmCategory",
    "RmSeverity",
    "RmSubtype",
    "Role",
    "RowCondition",
    "RowPenalty",
    "Rule",
    "RuleRow",
    "Target",
    "TierOutcome",
    "Trigger",
    "violation_code",
]
