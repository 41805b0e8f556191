from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from policies.models.choices import Role


class PolicyVersion(models.Model):
    """One version of the policy book. Drafts are edited; a published version never changes.

    Instrument parameters (coupon unit, validity, driver commission) live here, so a change of
    them is a new version like any other rule change, and a decision names the version it used.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "초안"
        PUBLISHED = "published", "게시됨"
        RETIRED = "retired", "종료"

    number = models.PositiveIntegerField("버전", unique=True)
    title = models.CharField("제목", max_length=200)
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.DRAFT)
    note = models.TextField("변경 사유", blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name="원본 버전", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("작성 시각", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="작성자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("게시 시각", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="게시자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    coupon_unit = models.PositiveIntegerField(
        "쿠폰 단위", default=5000, help_text="원. 계산된 쿠폰 금액을 이 단위로 반올림합니다."
    )
    coupon_minimum = models.PositiveIntegerField(
        "쿠폰 최소 금액", default=5000, help_text="원. 계산된 쿠폰 금액의 하한."
    )
    coupon_validity_days = models.PositiveIntegerField(
        "쿠폰 유효기간", default=60, help_text="일. 발급일부터."
    )
    driver_commission_percent = models.PositiveSmallIntegerField(
        "기사 수수료율",
        default=20,
        help_text="퍼센트. 운행료를 포인트로 지급할 때 제외하는 수수료.",
    )
    points_memo = models.CharField("포인트 지급 메모", max_length=100, default="기사님 힘내세요")

    # Authority is policy too: which role may grant each tier (DOMAIN §1), read by claims.
    tier1_role = models.CharField("1차 결정 권한", max_length=16, choices=Role, default=Role.AGENT)
    tier2_role = models.CharField(
        "2차 결정 권한", max_length=16, choices=Role, default=Role.MANAGER
    )
    tier3_role = models.CharField(
        "3차 결정 권한", max_length=16, choices=Role, default=Role.MANAGER
    )
    discussion_role = models.CharField(
        "논의 필요 결정 권한", max_length=16, choices=Role, default=Role.MANAGER
    )
    # Spend caps are policy too; empty means none.
    agent_daily_tier1_cap = models.PositiveBigIntegerField(
        "상담사 1일 1차 지급 한도",
        null=True,
        blank=True,
        help_text="원 (포인트 포함). 한 사람이 하루(한국 시간)에 1차로 지급 결정할 수 있는 합계. "
        "비우면 한도 없음.",
    )

    # The RM team's business day, in Korea time, for incident SLA clocks (hours 0-24).
    rm_day_start_hour = models.PositiveSmallIntegerField(
        "RM 영업 시작 시각",
        default=9,
        help_text="시(한국 시간). RM SLA는 영업일의 이 시각부터 잽니다.",
    )
    rm_day_end_hour = models.PositiveSmallIntegerField(
        "RM 영업 종료 시각",
        default=18,
        help_text="시(한국 시간). RM SLA는 영업일의 이 시각까지 잽니다.",
    )
    # 사고다발 (seed 003): a 대리 driver with this many accidents within the window, or one
    # gross-negligence accident in it, is flagged for RM.
    rm_repeat_accident_window_days = models.PositiveSmallIntegerField(
        "사고다발 판정 기간(일)",
        default=365,
        help_text="일. 판정 시점부터 이 기간 안에 발생한 대리 운행 사고를 셉니다.",
    )
    rm_repeat_accident_count = models.PositiveSmallIntegerField(
        "사고다발 사고 건수",
        default=3,
        help_text="건. 기간 안의 사고가 이 건수 이상이면 사고다발입니다(중과실 사고는 1건).",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "정책 버전"
        verbose_name_plural = "정책 버전"
        ordering = ["-number"]
        permissions = [
            ("publish_policyversion", "정책 버전을 게시할 수 있음"),
            ("quote_policy", "정책 견적을 조회할 수 있음"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(driver_commission_percent__lte=100),
                name="policyversion_commission_at_most_100",
                violation_error_message="기사 수수료율은 100% 이하여야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(coupon_unit__gt=0),
                name="policyversion_coupon_unit_positive",
                violation_error_message="쿠폰 단위는 0보다 커야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="policyversion_published_has_time",
                violation_error_message="게시된 버전에는 게시 시각이 있어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(coupon_validity_days__gte=1),
                name="policyversion_validity_at_least_a_day",
                violation_error_message="쿠폰 유효기간은 1일 이상이어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(rm_day_start_hour__lt=models.F("rm_day_end_hour"))
                & Q(rm_day_end_hour__lte=24),
                name="policyversion_rm_day_in_order",
                violation_error_message=(
                    "RM 영업 시작 시각은 종료 시각보다 앞서고 종료는 24시 이하여야 합니다."
                ),
            ),
            models.CheckConstraint(
                condition=Q(rm_repeat_accident_window_days__gte=1)
                & Q(rm_repeat_accident_count__gte=1),
                name="policyversion_repeat_accidents_positive",
                violation_error_message="사고다발 판정 기간과 건수는 1 이상이어야 합니다.",
            ),
            # New decisions use exactly one version.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="policyversion_one_published",
                violation_error_message="게시된 버전은 하나뿐이어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title} ({self.get_status_display()})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # A published or retired version never changes, parameters included; status moves
        # go through the services' compare-and-set updates, and a PostgreSQL trigger backs
        # this up for writes that bypass the model.
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and stored != self.Status.DRAFT:
                raise PublishedVersionIsImmutable(
                    f"정책 v{self.number}은(는) 초안이 아니라 수정할 수 없습니다."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored is not None and stored != self.Status.DRAFT:
            raise PublishedVersionIsImmutable(
                f"정책 v{self.number}은(는) 초안이 아니라 지울 수 없습니다."
            )
        return super().delete(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def role_for(self, *, tier: int, kind: str) -> str:
        """The role that may grant `tier` of this book; a needs-discussion outcome has its own."""
        if kind == "needs_discussion":
            return self.discussion_role
        return {1: self.tier1_role, 2: self.tier2_role, 3: self.tier3_role}[tier]


class PolicyVersionEvent(models.Model):
    """A row per status change of a version (drafted, published, retired): who, when, why."""

    version = models.ForeignKey(
        PolicyVersion, verbose_name="정책 버전", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        "이전 상태", max_length=16, choices=PolicyVersion.Status, blank=True
    )
    to_status = models.CharField("새 상태", max_length=16, choices=PolicyVersion.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="처리자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("시각")
    note = models.CharField("사유", max_length=300, blank=True)

    class Meta:
        verbose_name = "정책 버전 이력"
        verbose_name_plural = "정책 버전 이력"
        ordering = ["version", "at", "id"]

    def __str__(self) -> str:
        before = self.get_from_status_display() or "-"
        return f"v{self.version.number}: {before} → {self.get_to_status_display()}"


class PolicyBookPart(models.Model):
    """A row that belongs to one policy version and changes only while that version is a draft.

    The guard here is the last line: services and the admin refuse earlier, with a message.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        return super().delete(*args, **kwargs)

    def _version(self) -> PolicyVersion:
        raise NotImplementedError

    def _guard(self) -> None:
        version = self._version()
        if version is None:
            return
        # The status as stored now, not as cached on a version object loaded earlier (it may
        # have been published since).
        stored = PolicyVersion.objects.filter(pk=version.pk).values_list("status", flat=True)
        status = stored.first() or version.status
        if status != PolicyVersion.Status.DRAFT:
            raise PublishedVersionIsImmutable(
                f"정책 v{version.number}은(는) {PolicyVersion.Status(status).label} 상태라 "
                "수정할 수 없습니다."
            )


class PublishedVersionIsImmutable(Exception):
    pass
