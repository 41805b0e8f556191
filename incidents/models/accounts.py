"""Accounts of the platform that the back-office has had to deal with, their history and the
log of who saw their personal data whole."""

from django.conf import settings
from django.db import models

from incidents.masking import format_phone, mask_name, mask_phone
from incidents.models.choices import EventKind, SourceKind
from policies.models import AccountKind


class Account(models.Model):
    """A customer, driver, business or 트루카 member, created on first reference (a claim, an
    incident, a violation): the back-office is not the platform's user database.

    Its state is derived from its restrictions and open reviews (incidents.selectors); there is
    no status column to edit.
    """

    kind = models.CharField("계정 종류", max_length=16, choices=AccountKind)
    external_id = models.CharField("플랫폼 계정 ID", max_length=64)
    name = models.CharField("이름", max_length=100, blank=True)
    phone = models.CharField("전화번호", max_length=11, blank=True, help_text="숫자만.")
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    updated_at = models.DateTimeField("변경 시각", auto_now=True)

    class Meta:
        verbose_name = "계정"
        verbose_name_plural = "계정"
        ordering = ["kind", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "external_id"],
                name="account_unique_external_id",
                violation_error_message="같은 종류·플랫폼 ID의 계정이 이미 있습니다.",
            ),
        ]
        permissions = [
            ("view_personal_data", "계정의 이름·전화번호 전체를 볼 수 있음"),
            ("record_violation", "위반과 해제 조건을 기록할 수 있음"),
            ("decide_review", "재심사를 결정할 수 있음"),
            ("lift_restriction", "정지를 사유와 함께 해제할 수 있음"),
            ("reverse_ban", "영구정지를 사유와 함께 철회할 수 있음"),
        ]

    def __str__(self) -> str:
        # No personal data: this is what logs and admin links show.
        return f"{self.get_kind_display()} {self.external_id}"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def full_phone(self) -> str:
        return format_phone(self.phone)


class AccountEvent(models.Model):
    """A row per change of an account: who, when, why, from which source."""

    account = models.ForeignKey(
        Account, verbose_name="계정", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("내용", max_length=24, choices=EventKind)
    at = models.DateTimeField("시각")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="처리자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_kind = models.CharField("출처", max_length=16, choices=SourceKind)
    source_ref = models.CharField("출처 참조", max_length=64, blank=True)
    note = models.CharField("사유·내용", max_length=500, blank=True)

    class Meta:
        verbose_name = "계정 이력"
        verbose_name_plural = "계정 이력"
        ordering = ["account", "at", "id"]

    def __str__(self) -> str:
        return f"{self.account}: {self.get_kind_display()}"


class PersonalDataAccess(models.Model):
    """Each time someone saw an account's name and phone whole: who, when, which, where."""

    class Via(models.TextChoices):
        ADMIN = "admin", "관리 콘솔"
        API = "api", "API"
        PAGE = "page", "업무 화면"

    account = models.ForeignKey(
        Account, verbose_name="계정", on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="열람자", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("열람 시각")
    via = models.CharField("경로", max_length=8, choices=Via)

    class Meta:
        verbose_name = "개인정보 열람 기록"
        verbose_name_plural = "개인정보 열람 기록"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} → {self.account} ({self.get_via_display()})"
