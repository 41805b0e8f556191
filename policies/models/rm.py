"""The RM incident taxonomy of a version: categories (1depth) with their SLA targets and
subtypes (2depth) with their definitions, as seed 003 gives them. The incidents app files
incidents under them and computes each incident's SLA due time from them."""

from django.db import models
from django.db.models import Q

from policies.models.versions import PolicyBookPart, PolicyVersion


class RmSeverity(models.TextChoices):
    CRITICAL = "critical", "긴급"
    HIGH = "high", "높음"
    MEDIUM = "medium", "보통"
    LOW = "low", "낮음"


def _hours(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        f"SLA 목표({label})", help_text="영업시간. 접수 시각부터 이 영업시간 안에 처리합니다."
    )


class RmCategory(PolicyBookPart):
    """An RM category (성민감, 형사 신고, 보험 사고, 기타 이슈) and its SLA targets."""

    version = models.ForeignKey(
        PolicyVersion,
        verbose_name="정책 버전",
        on_delete=models.CASCADE,
        related_name="rm_categories",
    )
    code = models.SlugField("유형 코드", max_length=40, help_text="영문 코드, 예: sexual")
    label = models.CharField("유형", max_length=60)
    order = models.PositiveIntegerField("순서", default=0)
    sensitive = models.BooleanField(
        "민감 유형",
        default=False,
        help_text="이 유형의 사고는 민감 사고 열람 권한이 있는 사람에게만 보입니다(성민감).",
    )
    share_when_media = models.BooleanField(
        "언론·공공기관 관여 시 공유",
        default=False,
        help_text="언론·공공기관이 관여한 이 유형의 사고는 브랜드 리스크 담당자에게 공유해야 "
        "종결할 수 있습니다.",
    )
    sla_critical_hours = _hours("긴급")
    sla_high_hours = _hours("높음")
    sla_medium_hours = _hours("보통")
    sla_low_hours = _hours("낮음")

    class Meta:
        verbose_name = "RM 유형"
        verbose_name_plural = "RM 유형"
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="rmcategory_unique_code",
                violation_error_message="이 버전에 같은 RM 유형 코드가 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(sla_critical_hours__gte=1)
                & Q(sla_high_hours__gte=1)
                & Q(sla_medium_hours__gte=1)
                & Q(sla_low_hours__gte=1),
                name="rmcategory_sla_positive",
                violation_error_message="SLA 목표는 1영업시간 이상이어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def sla_hours(self, severity: str) -> int:
        return int(getattr(self, f"sla_{severity}_hours"))

    def _version(self) -> PolicyVersion:
        return self.version


class RmSubtype(PolicyBookPart):
    """An RM subtype of one category. It names its version too, so the book-part trigger of
    PostgreSQL guards it like every other part."""

    version = models.ForeignKey(
        PolicyVersion,
        verbose_name="정책 버전",
        on_delete=models.CASCADE,
        related_name="rm_subtypes",
    )
    category = models.ForeignKey(
        RmCategory, verbose_name="RM 유형", on_delete=models.CASCADE, related_name="subtypes"
    )
    code = models.SlugField("세부 유형 코드", max_length=40, help_text="영문 코드, 예: harassment")
    label = models.CharField("세부 유형", max_length=60)
    definition = models.TextField("정의", help_text="사고가이드 RM 기준의 상세내용.")
    insurance_exempt = models.BooleanField(
        "보험 면책", default=False, help_text="보험이 보상하지 않는 사고(면책)."
    )
    accident = models.BooleanField(
        "사고",
        default=False,
        help_text="차량 사고인 유형: 대리 기사의 사고다발 판정에 셉니다.",
    )
    gross_negligence = models.BooleanField(
        "중과실 사고",
        default=False,
        help_text="중과실 사고(음주·무면허·사고 후 도주): 1건으로 사고다발입니다.",
    )
    order = models.PositiveIntegerField("순서", default=0)

    class Meta:
        verbose_name = "RM 세부 유형"
        verbose_name_plural = "RM 세부 유형"
        ordering = ["version", "category__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="rmsubtype_unique_code",
                violation_error_message="이 버전에 같은 RM 세부 유형 코드가 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(gross_negligence=False) | Q(accident=True),
                name="rmsubtype_gross_negligence_is_an_accident",
                violation_error_message="중과실 사고 유형은 사고 유형이어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.label} · {self.label}"

    def _version(self) -> PolicyVersion:
        return self.version
