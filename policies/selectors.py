import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet

from policies.evaluator import Quote, TierQuote, evaluate, evaluate_one_tier
from policies.models import (
    PenaltyRule,
    PolicyVersion,
    RmCategory,
    RmSubtype,
    Rule,
    RuleRow,
    TierOutcome,
)


class NoPublishedPolicy(LookupError):
    pass


class UnknownRule(LookupError):
    pass


class UnknownVersion(LookupError):
    pass


class UnknownPenaltyCode(LookupError):
    pass


class PenaltyNotForKind(LookupError):
    pass


@dataclass(frozen=True)
class InstrumentParams:
    """What other apps need of a policy version to issue grants."""

    policy_version: int
    coupon_unit: int
    coupon_minimum: int
    coupon_validity_days: int
    driver_commission_percent: int
    points_memo: str


def current_version() -> PolicyVersion:
    """The newest published version: the one new decisions use."""
    version = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NoPublishedPolicy("게시된 정책 버전이 없습니다.")
    return version


def may_see_drafts(user: Any) -> bool:
    """Drafts are work in progress: only those who edit the book see or quote them."""
    return bool(user.has_perm("policies.change_policyversion"))


def visible_versions(user: Any) -> QuerySet[PolicyVersion]:
    versions = PolicyVersion.objects.order_by("-number")
    if not may_see_drafts(user):
        versions = versions.exclude(status=PolicyVersion.Status.DRAFT)
    return versions


def version_by_number(number: int | None) -> PolicyVersion:
    if number is None:
        return current_version()
    version = PolicyVersion.objects.filter(number=number).first()
    if version is None:
        raise UnknownVersion(f"정책 버전 {number}이(가) 없습니다.")
    return version


def instrument_params(*, version_number: int | None = None) -> InstrumentParams:
    version = version_by_number(version_number)
    return InstrumentParams(
        policy_version=version.number,
        coupon_unit=version.coupon_unit,
        coupon_minimum=version.coupon_minimum,
        coupon_validity_days=version.coupon_validity_days,
        driver_commission_percent=version.driver_commission_percent,
        points_memo=version.points_memo,
    )


def penalty_rule(*, code: str, kind: str) -> PenaltyRule:
    """The published version's penalty rule for a violation code on an account kind. Raises
    NoPublishedPolicy, UnknownPenaltyCode, or PenaltyNotForKind (the code exists for other
    kinds of account)."""
    version = current_version()
    rules = list(version.penalty_rules.filter(code=code).select_related("version"))
    for rule in rules:
        if rule.kind == kind:
            return rule
    if rules:
        kinds = ", ".join(sorted(str(r.get_kind_display()) for r in rules))
        raise PenaltyNotForKind(f"이 위반은 {kinds} 계정에만 적용됩니다.")
    raise UnknownPenaltyCode(f"정책 v{version.number}에 위반 코드 {code!r}이(가) 없습니다.")


def penalty_rules_for(*, kind: str | None = None) -> QuerySet[PenaltyRule]:
    """The published version's penalty rules (of one kind of account), in table order."""
    rules = current_version().penalty_rules.order_by("kind", "order", "code")
    return rules.filter(kind=kind) if kind else rules


def _rows_prefetch() -> Prefetch:
    outcomes = Prefetch(
        "outcomes",
        queryset=TierOutcome.objects.order_by("tier").prefetch_related("effects"),
    )
    return Prefetch(
        "rows",
        queryset=RuleRow.objects.order_by("order", "id").prefetch_related(
            "conditions", "penalties", outcomes
        ),
    )


def rules_of(version: PolicyVersion) -> QuerySet[Rule]:
    """Every rule of a version with rows and outcomes, in matrix order."""
    return version.rules.order_by("order", "code").prefetch_related(_rows_prefetch())


def tier_quote(
    *, rule_code: str, row_code: str, tier: int, facts: Any, version_number: int
) -> TierQuote:
    """One tier of one row of a given version on the facts: the amounts a decision recomputes
    on the server. Raises UnknownRule/UnknownVersion, FactsInvalid, RowDoesNotApply (facts
    outside the row), or LookupError (no such row or tier)."""
    loaded = book(version_number)
    rule = _rule_of(loaded, rule_code)
    return evaluate_one_tier(
        version=loaded.version, rule=rule, row_code=row_code, tier=tier, facts=facts
    )


def tier_role(*, version_number: int, tier: int, kind: str) -> str:
    """The role (config.roles group name) that may grant `tier` under that version."""
    return version_by_number(version_number).role_for(tier=tier, kind=kind)


# --- the book as quotes read it: a published version never changes ---------------------------

CURRENT_KEY = "policies:current-version"


@dataclass(frozen=True)
class LoadedBook:
    """A version (its fare bands prefetched) with its rules (rows, conditions, penalties,
    outcomes, effects) read once; evaluating on it runs no query."""

    version: PolicyVersion
    rules: dict[str, Rule]


_books: OrderedDict[int, LoadedBook] = OrderedDict()
_books_lock = threading.Lock()


def current_number() -> int:
    """The number of the published version, from the cache when it holds it.

    Publishing deletes the entry, again after commit; its time-out bounds how long a process
    may still quote the version just retired: one with its own in-memory cache never sees
    another's delete, and with a shared cache (CACHE_URL) a reader that read the old number
    just before the commit can write it back after the delete.
    """
    number = cache.get(CURRENT_KEY)
    if number is None:
        number = (
            PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
            .values_list("number", flat=True)
            .first()
        )
        if number is None:
            raise NoPublishedPolicy("게시된 정책 버전이 없습니다.")
        cache.set(CURRENT_KEY, number, settings.POLICIES_CURRENT_VERSION_CACHE_SECONDS)
    return int(number)


def forget_current_version() -> None:
    cache.delete(CURRENT_KEY)


def forget_books() -> None:
    """Drop every book read into this process (tests, after a database is flushed)."""
    with _books_lock:
        _books.clear()
    forget_current_version()


def book(number: int) -> LoadedBook:
    """Version `number` read whole. Published and retired versions never change, so they are
    kept in this process by number (the newest few); a draft is read anew every time."""
    with _books_lock:
        loaded = _books.get(number)
        if loaded is not None:
            _books.move_to_end(number)
            return loaded
    version = PolicyVersion.objects.prefetch_related("fare_bands").filter(number=number).first()
    if version is None:
        raise UnknownVersion(f"정책 버전 {number}이(가) 없습니다.")
    loaded = LoadedBook(version=version, rules={rule.code: rule for rule in rules_of(version)})
    if version.status != PolicyVersion.Status.DRAFT:
        with _books_lock:
            _books[number] = loaded
            while len(_books) > settings.POLICIES_BOOKS_KEPT:
                _books.popitem(last=False)
    return loaded


def quote(*, rule_code: str, target: str, facts: Any, version_number: int | None = None) -> Quote:
    """The policy's offer for a case: every tier's outcome under the given (or current)
    version. Raises UnknownRule/UnknownVersion/NoPublishedPolicy, FactsInvalid, NoMatchingRow."""
    loaded = book(current_number() if version_number is None else version_number)
    rule = _rule_of(loaded, rule_code)
    return evaluate(version=loaded.version, rule=rule, target=target, facts=facts)


def _rule_of(loaded: LoadedBook, code: str) -> Rule:
    rule = loaded.rules.get(code)
    if rule is None:
        raise UnknownRule(f"정책 v{loaded.version.number}에 유형 {code!r}이(가) 없습니다.")
    return rule


# --- the RM incident taxonomy ----------------------------------------------------------------


def rm_taxonomy(*, version: PolicyVersion | None = None) -> list[RmCategory]:
    """The categories of the published (or the given) version, each with its subtypes
    prefetched in table order."""
    version = version or current_version()
    return list(
        RmCategory.objects.filter(version=version)
        .order_by("order", "code")
        .prefetch_related(
            Prefetch("subtypes", queryset=RmSubtype.objects.order_by("order", "code"))
        )
    )


def rm_subtype(*, category: str, subtype: str, version: PolicyVersion | None = None) -> RmSubtype:
    """The subtype of the published version in that category, with its category. Raises
    RmSubtype.DoesNotExist for an unknown code or one of another category."""
    version = version or current_version()
    return RmSubtype.objects.select_related("category", "version").get(
        version=version, category__code=category, code=subtype
    )
