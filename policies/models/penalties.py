"""Account penalty rules of a version: which violation, counted how, does what to an account.

The 트루카 penalty table of seed 003 and the penalties the 대리 matrix names (seed 002) are
rows here, so thresholds, windows, durations and lift conditions change through a new version
like the rest of the book. The incidents app counts an account's violations against them.
"""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from policies.models.choices import AccountKind, LiftCondition, PenaltyAction, PenaltyScope
from policies.models.versions import PolicyBookPart, PolicyVersion

SUSPENSIONS = (PenaltyAction.SUSPEND_UNTIL, PenaltyAction.SUSPEND_FOR)
REVIEWS = (PenaltyAction.WARNING_AND_REVIEW, PenaltyAction.REVIEW_OR_BAN, PenaltyAction.REVIEW)


class PenaltyRule(PolicyBookPart):
    """One violation code for one kind of account: when the account's violations of it reach
    the threshold (a count, or a cumulative amount in 원) within the window, the action
    applies."""

    version = models.ForeignKey(
        PolicyVersion,
        verbose_name="정책 버전",
        on_delete=models.CASCADE,
        related_name="penalty_rules",
    )
    code = models.SlugField(
        "위반 코드",
        max_length=60,
        help_text="영문 코드, 예: smoking_reported (버전이 바뀌어도 유지)",
    )
    kind = models.CharField("계정 종류", max_length=16, choices=AccountKind)
    name = models.CharField("위반 내용", max_length=200)
    order = models.PositiveIntegerField("순서", default=0)
    threshold_count = models.PositiveIntegerField(
        "누적 횟수", null=True, blank=True, help_text="건. 이 횟수에 이르면 조치합니다."
    )
    threshold_amount = models.PositiveBigIntegerField(
        "누적 금액",
        null=True,
        blank=True,
        help_text="원. 위반 금액(예: 사고 손해액)의 합이 이 금액 이상이면 조치합니다.",
    )
    window_days = models.PositiveIntegerField(
        "집계 기간", null=True, blank=True, help_text="일. 비우면 계정의 전체 이력을 셉니다."
    )
    action = models.CharField("조치", max_length=24, choices=PenaltyAction)
    scope = models.CharField(
        "정지 범위", max_length=24, choices=PenaltyScope, blank=True, help_text="정지 조치만."
    )
    duration_days = models.PositiveIntegerField(
        "정지 기간", null=True, blank=True, help_text="일. 기간 정지만, 조치 시점부터."
    )
    lift_condition = models.CharField(
        "해제 조건",
        max_length=24,
        choices=LiftCondition,
        blank=True,
        help_text="조건 충족 시까지 정지만. 비우면 관리자·RM이 사유와 함께 해제할 때까지.",
    )
    notes = models.TextField("비고", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "계정 제재 기준"
        verbose_name_plural = "계정 제재 기준"
        ordering = ["version", "kind", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code", "kind"],
                name="penaltyrule_unique_code",
                violation_error_message="이 버전에 같은 계정 종류·위반 코드가 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(threshold_count__isnull=False, threshold_amount__isnull=True)
                    | Q(threshold_count__isnull=True, threshold_amount__isnull=False)
                ),
                name="penaltyrule_one_threshold",
                violation_error_message="누적 횟수와 누적 금액 중 정확히 하나를 정하세요.",
            ),
            models.CheckConstraint(
                condition=Q(threshold_count__isnull=True) | Q(threshold_count__gte=1),
                name="penaltyrule_count_positive",
                violation_error_message="누적 횟수는 1 이상이어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(threshold_amount__isnull=True) | Q(threshold_amount__gte=1),
                name="penaltyrule_amount_positive",
                violation_error_message="누적 금액은 1원 이상이어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(window_days__isnull=True) | Q(window_days__gte=1),
                name="penaltyrule_window_positive",
                violation_error_message="집계 기간은 1일 이상이거나 비워야 합니다.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(action__in=[a.value for a in SUSPENSIONS], scope__gt="")
                    | (~Q(action__in=[a.value for a in SUSPENSIONS]) & Q(scope=""))
                ),
                name="penaltyrule_scope_for_suspensions",
                violation_error_message="정지 조치에만, 그리고 반드시 정지 범위를 정하세요.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        action=PenaltyAction.SUSPEND_FOR,
                        duration_days__isnull=False,
                        duration_days__gte=1,
                    )
                    | (~Q(action=PenaltyAction.SUSPEND_FOR) & Q(duration_days__isnull=True))
                ),
                name="penaltyrule_duration_for_timed",
                violation_error_message="기간 정지에만, 반드시 1일 이상의 정지 기간을 정하세요.",
            ),
            models.CheckConstraint(
                condition=Q(action=PenaltyAction.SUSPEND_UNTIL) | Q(lift_condition=""),
                name="penaltyrule_condition_for_until",
                violation_error_message="해제 조건은 조건 충족 시까지 정지에만 정합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def threshold_label(self) -> str:
        if self.threshold_amount is not None:
            text = f"누적 {self.threshold_amount:,}원 이상"
        else:
            text = f"{self.threshold_count}회"
        if self.window_days:
            text = f"{self.window_days}일 내 {text}"
        return text

    @property
    def action_label(self) -> str:
        """The action as one Korean phrase, e.g. '예약콜 수락 7일 정지'."""
        if self.action == PenaltyAction.SUSPEND_FOR:
            return f"{self.get_scope_display()} {self.duration_days}일 정지"
        if self.action == PenaltyAction.SUSPEND_UNTIL:
            until = self.get_lift_condition_display() if self.lift_condition else "해제"
            return f"{self.get_scope_display()} 정지 ({until} 시까지)"
        return str(self.get_action_display())

    def _version(self) -> PolicyVersion:
        return self.version
