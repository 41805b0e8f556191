"""The relief evaluator: a pure function of a program version's rules and an application's
facts, giving its status and its grants (DOMAIN.md §5).

`ProgramRules` is a frozen snapshot of one version (loaded once by
`policies.selectors_relief.program_rules`); `evaluate` never touches the database, so the API,
the web form and the tests share it, and the bulk import's SQL is tested against it row by row.
Duplicates are not decided here: they depend on other applications (the claims service).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from policies.models.choices import AccountKind
from policies.models.relief import (
    ACCOUNT_KINDS_OF_SEGMENT,
    INTAKE_WINDOW_KINDS,
    Assessment,
    ReliefChannel,
    ReliefSegment,
    ReliefTierOutcome,
    WindowKind,
)

KST = ZoneInfo("Asia/Seoul")

APPROVED = "approved"
COMMITTEE_REVIEW = "committee_review"
NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class Grant:
    instrument: str
    amount: int | None = None
    count: int | None = None
    validity_days: int | None = None
    source: str = "blanket"  # blanket | loss_tier | driver_band | transport


@dataclass(frozen=True)
class LossTier:
    segment: str
    min_loss: int
    max_loss: int | None
    outcome: str
    instrument: str
    amount: int | None

    def covers(self, loss: int) -> bool:
        return self.min_loss <= loss and (self.max_loss is None or loss <= self.max_loss)


@dataclass(frozen=True)
class DriverBand:
    min_saturdays: int
    max_saturdays: int | None
    instrument: str
    amount: int

    def covers(self, saturdays: int) -> bool:
        return self.min_saturdays <= saturdays and (
            self.max_saturdays is None or saturdays <= self.max_saturdays
        )


@dataclass(frozen=True)
class Window:
    kind: str
    start_date: datetime.date
    end_date: datetime.date
    channels: tuple[str, ...]
    segments: tuple[str, ...]

    @property
    def takes_applications(self) -> bool:
        return self.kind in INTAKE_WINDOW_KINDS

    def admits(self, *, segment: str, channel: str, day: datetime.date) -> bool:
        return (
            self.takes_applications
            and channel in self.channels
            and (not self.segments or segment in self.segments)
            and self.start_date <= day <= self.end_date
        )

    def describe(self) -> str:
        """In Korean, with Korea-time dates: `피해 접수 2022-10-19~2022-11-06(웹·제휴 채널)`."""
        channels = "·".join(ReliefChannel(c).label.replace(" 채널", "") for c in self.channels)
        who = ""
        if self.segments:
            who = ", ".join(ReliefSegment(s).label for s in self.segments) + " / "
        return (
            f"{WindowKind(self.kind).label} {self.start_date:%Y-%m-%d}~{self.end_date:%Y-%m-%d}"
            f"(한국 시간, {who}{channels} 채널)"
        )


@dataclass(frozen=True)
class ProgramRules:
    program_id: int
    program_code: str
    version_id: int
    version_number: int
    segments: dict[str, str]  # segment → assessment
    loss_tiers: tuple[LossTier, ...]
    grants: dict[str, tuple[Grant, ...]]  # segment → blanket grants
    driver_bands: tuple[DriverBand, ...]
    windows: tuple[Window, ...]
    transport_support_per_night: int = 0
    transport_support_cap: int = 0
    transport_nights: tuple[str, ...] = ()
    saturday_weeks: int = 0
    evidence: tuple[str, ...] = field(default_factory=tuple)

    def intake_windows(self, *, segment: str | None = None) -> list[Window]:
        return [
            w
            for w in self.windows
            if w.takes_applications and (segment is None or not w.segments or segment in w.segments)
        ]

    def window_for(
        self, *, segment: str, channel: str, submitted_at: datetime.datetime
    ) -> Window | None:
        day = submitted_at.astimezone(KST).date()
        for window in self.windows:
            if window.admits(segment=segment, channel=channel, day=day):
                return window
        return None

    def windows_message(self, *, segment: str) -> str:
        """The Korean refusal naming the windows an application of `segment` may use."""
        windows = self.intake_windows(segment=segment) or self.intake_windows()
        listed = "; ".join(w.describe() for w in windows)
        return f"접수 기간이 아닙니다. 이 프로그램의 접수 기간: {listed}"


@dataclass(frozen=True)
class Facts:
    segment: str
    reported_loss: int = 0
    saturdays_worked: int | None = None
    nights_worked: int | None = None


@dataclass(frozen=True)
class Outcome:
    status: str
    grants: tuple[Grant, ...]


def evaluate(rules: ProgramRules, facts: Facts) -> Outcome:
    """Status and grants of one application under `rules`.

    - A segment the version does not cover is not eligible.
    - `blanket`: approved with the segment's blanket grants.
    - `loss_tiers`: the tier covering the reported loss gives its support money (approved) or
      sends the application to the committee; blanket grants of the segment come with both.
      A loss no tier covers gets the blanket grants alone (not eligible without any).
    - `committee`: every application goes to the committee, blanket grants included.
    - `driver_bands`: thanks points of the band covering the Saturdays worked, plus transport
      support per named night worked up to the cap; nothing at all is not eligible.
    """
    assessment = rules.segments.get(facts.segment)
    if assessment is None:
        return Outcome(NOT_ELIGIBLE, ())
    grants: list[Grant] = list(rules.grants.get(facts.segment, ()))
    status = APPROVED
    if assessment == Assessment.LOSS_TIERS:
        tier = next(
            (
                t
                for t in rules.loss_tiers
                if t.segment == facts.segment and t.covers(facts.reported_loss)
            ),
            None,
        )
        if tier is not None and tier.outcome == ReliefTierOutcome.COMMITTEE:
            status = COMMITTEE_REVIEW
        elif tier is not None and tier.amount:
            grants.insert(0, Grant(tier.instrument, amount=tier.amount, source="loss_tier"))
    elif assessment == Assessment.COMMITTEE:
        status = COMMITTEE_REVIEW
    elif assessment == Assessment.DRIVER_BANDS:
        band = next((b for b in rules.driver_bands if b.covers(facts.saturdays_worked or 0)), None)
        if band is not None:
            grants.append(Grant(band.instrument, amount=band.amount, source="driver_band"))
        transport = transport_support(rules, facts.nights_worked or 0)
        if transport:
            grants.append(Grant("transport_support", amount=transport, source="transport"))
    if status == APPROVED and not grants:
        return Outcome(NOT_ELIGIBLE, ())
    return Outcome(status, tuple(grants))


def transport_support(rules: ProgramRules, nights: int) -> int:
    """원: the per-night amount times the named nights worked, at most the cap."""
    return min(nights * rules.transport_support_per_night, rules.transport_support_cap)


def normalize_business_number(value: str) -> str | None:
    """The 10 digits of a business registration number written with or without hyphens and
    spaces (`123-45-67890`); None if it is not 10 digits."""
    digits = "".join(ch for ch in value if ch not in "- ")
    if len(digits) == 10 and digits.isascii() and digits.isdigit():
        return digits
    return None


# Facts checks shared by the API, the page and the import (messages in Korean).
SEGMENTS_WITH_BUSINESS_NUMBER = frozenset({ReliefSegment.SMALL_BUSINESS, ReliefSegment.COMPANY})


def kind_problem(segment: str, kind: str) -> str:
    """The Korean refusal of an account kind the segment is not paid to; '' if it is."""
    allowed = ACCOUNT_KINDS_OF_SEGMENT.get(segment)
    if allowed is None or kind in allowed:
        return ""
    names = ", ".join(f"{AccountKind(k).label}({k})" for k in sorted(allowed))
    return f"{ReliefSegment(segment).label} 신청의 계정 종류는 {names}여야 합니다."


def loss_required_segments(rules: ProgramRules) -> list[str]:
    """The segments the version assesses by loss tiers: they must report a loss (0 is one)."""
    return sorted(s for s, a in rules.segments.items() if a == Assessment.LOSS_TIERS)


def loss_missing_message(segment: str) -> str:
    return (
        f"{ReliefSegment(segment).label}은(는) 매출 손실 구간으로 판정하므로 "
        "신고 매출 손실(원)이 필요합니다. 손실이 없으면 0을 적으세요."
    )


def facts_problems(
    rules: ProgramRules,
    *,
    segment: str,
    business_number: str,
    saturdays_worked: int | None,
    nights_worked: int | None,
    kind: str | None = None,
    reported_loss: int | None = 0,
) -> dict[str, str]:
    """Field → Korean message for facts the program's data rules out: a missing business
    number or loss where the segment needs it, an account kind the segment is not paid to, a
    driver's days out of range."""
    problems: dict[str, str] = {}
    if segment in SEGMENTS_WITH_BUSINESS_NUMBER and not business_number:
        problems["business_number"] = "소상공인·기업은 사업자등록번호가 필요합니다."
    if kind is not None and (message := kind_problem(segment, kind)):
        problems["kind"] = message
    if reported_loss is None and segment in loss_required_segments(rules):
        problems["reported_loss"] = loss_missing_message(segment)
    if segment == ReliefSegment.DRIVER:
        if saturdays_worked is None:
            problems["saturdays_worked"] = "기사는 토요일 근무 일수가 필요합니다."
        elif rules.saturday_weeks and saturdays_worked > rules.saturday_weeks:
            problems["saturdays_worked"] = (
                f"토요일 근무는 기준 기간({rules.saturday_weeks}주)의 "
                f"{rules.saturday_weeks}일 이하여야 합니다."
            )
        if nights_worked is None:
            problems["nights_worked"] = "기사는 지정 야간 근무 일수가 필요합니다."
        elif nights_worked > len(rules.transport_nights):
            problems["nights_worked"] = (
                f"지정 야간 근무는 지정 야간 수({len(rules.transport_nights)}일) 이하여야 합니다."
            )
    return problems
