from django.conf import settings
from django.db import models
from django.db.models import Q


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
            ),
            models.CheckConstraint(
                condition=Q(coupon_unit__gt=0), name="policyversion_coupon_unit_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="policyversion_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT
