"""What happened to an account (violations), what it may not do (restrictions), and what RM
has to decide about it (reviews)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models.accounts import Account
from incidents.models.choices import RestrictionKind, ReviewDecision, SourceKind
from policies.models import LiftCondition, PenaltyAction, PenaltyRule, PenaltyScope

REVIEW_ACTIONS = (
    PenaltyAction.WARNING_AND_REVIEW,
    PenaltyAction.REVIEW_OR_BAN,
    PenaltyAction.REVIEW,
)


def _user_fk(label: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


class Violation(models.Model):
    """One violation of a penalty rule's code by an account (a strike). Append-only."""

    account = models.ForeignKey(
        Account, verbose_name="계정", on_delete=models.PROTECT, related_name="violations"
    )
    code = models.SlugField("위반 코드", max_length=60)
    rule = models.ForeignKey(
        PenaltyRule, verbose_name="제재 기준", on_delete=models.PROTECT, related_name="+"
    )
    policy_version = models.PositiveIntegerField("정책 버전")
    occurred_at = models.DateTimeField("발생 시각")
    recorded_at = models.DateTimeField("기록 시각")
    amount = models.PositiveBigIntegerField(
        "금액", null=True, blank=True, help_text="원. 사고 손해액 등 금액으로 세는 위반만."
    )
    note = models.CharField("메모", max_length=500, blank=True)
    source_kind = models.CharField("출처", max_length=16, choices=SourceKind)
    source_ref = models.CharField("출처 참조", max_length=64, blank=True)
    recorded_by = _user_fk("기록자")

    class Meta:
        verbose_name = "위반"
        verbose_name_plural = "위반"
        ordering = ["account", "occurred_at", "id"]
        indexes = [models.Index(fields=["account", "code", "occurred_at"])]
        constraints = [
            # A claim or an incident sanctions an account once per code, however often its
            # decision is replayed; manual entries are each their own event.
            models.UniqueConstraint(
                fields=["account", "code", "source_kind", "source_ref"],
                condition=~Q(source_kind=SourceKind.MANUAL),
                name="violation_once_per_source",
                violation_error_message="같은 출처의 같은 위반이 이미 기록되어 있습니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.code}"

    @property
    def source(self) -> str:
        return source_label(self.source_kind, self.source_ref)


class Review(models.Model):
    """An item of RM's review queue: decide ban, clear or suspend, with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", "대기"
        DECIDED = "decided", "결정됨"

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.DECIDED}),
        Status.DECIDED: frozenset(),
    }

    account = models.ForeignKey(
        Account, verbose_name="계정", on_delete=models.PROTECT, related_name="reviews"
    )
    code = models.SlugField("위반 코드", max_length=60)
    label = models.CharField("내용", max_length=200)
    action = models.CharField(
        "기준의 조치",
        max_length=24,
        choices=[(a.value, a.label) for a in PenaltyAction if a in REVIEW_ACTIONS],
    )
    rule = models.ForeignKey(
        PenaltyRule, verbose_name="제재 기준", on_delete=models.PROTECT, related_name="+"
    )
    violation = models.ForeignKey(
        Violation,
        verbose_name="발생 위반",
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.OPEN)
    opened_at = models.DateTimeField("요청 시각")
    decision = models.CharField("결정", max_length=16, choices=ReviewDecision, blank=True)
    reason = models.CharField("결정 사유", max_length=500, blank=True)
    decided_at = models.DateTimeField("결정 시각", null=True, blank=True)
    decided_by = _user_fk("결정자")

    class Meta:
        verbose_name = "재심사"
        verbose_name_plural = "재심사 대기열"
        ordering = ["opened_at", "id"]
        constraints = [
            # One open review per account and code: violations while it is open join it.
            models.UniqueConstraint(
                fields=["account", "code"],
                condition=Q(status="open"),
                name="review_one_open_per_code",
                violation_error_message="이 계정에 같은 위반의 재심사가 이미 대기 중입니다.",
            ),
            models.CheckConstraint(
                condition=Q(status="open", decision="", decided_at__isnull=True)
                | Q(status="decided", decision__gt="", reason__gt="", decided_at__isnull=False),
                name="review_decided_has_decision_and_reason",
                violation_error_message="결정된 재심사에는 결정, 사유, 시각이 있어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.label}"


class Restriction(models.Model):
    """What an account may not do, since when, until when or until what.

    In force while not lifted and, for a timed one, before `until`: a timed suspension ends at
    its time with no job running, because every read compares `until` with now.
    """

    account = models.ForeignKey(
        Account, verbose_name="계정", on_delete=models.PROTECT, related_name="restrictions"
    )
    kind = models.CharField("종류", max_length=16, choices=RestrictionKind)
    code = models.SlugField("위반 코드", max_length=60)
    label = models.CharField("내용", max_length=200)
    scope = models.CharField("범위", max_length=24, choices=PenaltyScope)
    since = models.DateTimeField("시작")
    until = models.DateTimeField("종료", null=True, blank=True)
    lift_condition = models.CharField("해제 조건", max_length=24, choices=LiftCondition, blank=True)
    rule = models.ForeignKey(
        PenaltyRule,
        verbose_name="제재 기준",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    violation = models.ForeignKey(
        Violation,
        verbose_name="발생 위반",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="restrictions",
    )
    review = models.ForeignKey(
        Review,
        verbose_name="재심사",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="restrictions",
    )
    source_kind = models.CharField("출처", max_length=16, choices=SourceKind)
    source_ref = models.CharField("출처 참조", max_length=64, blank=True)
    applied_by = _user_fk("적용자")
    lifted_at = models.DateTimeField("해제 시각", null=True, blank=True)
    lifted_by = _user_fk("해제자")
    lift_reason = models.CharField("해제 사유", max_length=500, blank=True)

    class Meta:
        verbose_name = "제재"
        verbose_name_plural = "제재"
        ordering = ["account", "since", "id"]
        constraints = [
            # Concurrent violations that both reach a ban threshold ban once.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(kind="ban", lifted_at__isnull=True),
                name="restriction_one_ban",
                violation_error_message="이 계정은 이미 영구정지 상태입니다.",
            ),
            # A suspension until a condition (or until lifted) is open once per code.
            models.UniqueConstraint(
                fields=["account", "code"],
                condition=Q(kind="suspension", until__isnull=True, lifted_at__isnull=True),
                name="restriction_one_open_suspension_per_code",
                violation_error_message="같은 위반의 정지가 이미 해제를 기다리고 있습니다.",
            ),
            models.UniqueConstraint(
                fields=["violation", "code"],
                name="restriction_once_per_violation",
                violation_error_message="이 위반의 제재는 이미 적용되었습니다.",
            ),
            models.CheckConstraint(
                condition=Q(kind="suspension") | Q(until__isnull=True, lift_condition=""),
                name="restriction_ban_has_no_end",
                violation_error_message="영구정지에는 종료 시각이나 해제 조건이 없습니다.",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lift_reason__gt=""),
                name="restriction_lift_has_reason",
                violation_error_message="해제에는 사유가 필요합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.label}"

    @property
    def source(self) -> str:
        return source_label(self.source_kind, self.source_ref)

    @property
    def ends_label(self) -> str:
        """When it ends, in a few Korean words: '미납금 완납까지', '2026-12-13 10:00까지', …"""
        if self.kind == RestrictionKind.BAN:
            return "RM이 철회할 때까지"
        if self.lift_condition:
            return f"{self.get_lift_condition_display()}까지"
        if self.until is None:
            return "관리자·RM이 해제할 때까지"
        return f"{timezone.localtime(self.until):%Y-%m-%d %H:%M}까지"


def source_label(kind: str, ref: str) -> str:
    """The API's `source`: 'manual', or the kind and the source's reference, e.g.
    'claim:claim-123-t2' (the claim decision that set it off), 'incident:45', 'review:7'."""
    return f"{kind}:{ref}" if ref else kind
