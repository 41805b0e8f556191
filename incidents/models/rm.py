"""RM incidents: the queue the RM team works (seed 003, DOMAIN §3). Category and subtype are
codes of the taxonomy in the policy version the incident was filed under; parties are accounts
with their role in the case; every change leaves a timeline row."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from incidents.models.accounts import Account
from policies.models import InsuranceLine, RmSeverity, RmSubtype


class Service(models.TextChoices):
    DAERI = "daeri", "대리"
    TAXI = "taxi", "택시"
    TRUKA = "truka", "트루카"
    BIKE = "bike", "바이크"
    DELIVERY = "delivery", "탁송"
    AUTONOMOUS = "autonomous", "자율주행"


# The queue's filter columns, carried in its indexes.
QUEUE_FILTER_COLUMNS = [
    "sensitive",
    "sla_paused_at",
    "sla_breached_at",
    "category",
    "subtype",
    "severity",
    "service",
]


class Incident(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "신규"
        TRIAGED = "triaged", "분류됨"
        INVESTIGATING = "investigating", "조사 중"
        ACTION_TAKEN = "action_taken", "조치 완료"
        CLOSED = "closed", "종결"
        REOPENED = "reopened", "재개"

    # The pipeline of the issue; a reopened case goes back to whichever step it needs.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.NEW: (Status.TRIAGED,),
        Status.TRIAGED: (Status.INVESTIGATING,),
        Status.INVESTIGATING: (Status.ACTION_TAKEN,),
        Status.ACTION_TAKEN: (Status.CLOSED,),
        Status.CLOSED: (Status.REOPENED,),
        Status.REOPENED: (Status.TRIAGED, Status.INVESTIGATING, Status.ACTION_TAKEN),
    }
    # Moves that need a reason in the timeline (a closed case is opened again for a cause).
    REASON_REQUIRED = (Status.REOPENED,)

    service = models.CharField("서비스", max_length=16, choices=Service)
    rm_subtype = models.ForeignKey(
        RmSubtype,
        verbose_name="RM 유형 정의",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="접수 시 게시된 정책 버전의 세부 유형: 유형 이름, 정의, 면책, SLA 목표.",
    )
    # The codes again, as the queue filters on them (the same in every version).
    category = models.CharField("RM 유형", max_length=40, db_index=True)
    subtype = models.CharField("RM 세부 유형", max_length=40)
    sensitive = models.BooleanField(
        "민감 사고",
        default=False,
        help_text="접수 시 RM 유형에서 정해짐. 민감 사고 열람 권한자에게만 보입니다.",
    )
    severity = models.CharField("심각도", max_length=16, choices=RmSeverity)
    description = models.TextField("내용")
    occurred_at = models.DateTimeField("발생 시각")
    reported_at = models.DateTimeField("접수 시각")
    media_or_agency = models.BooleanField("언론·공공기관 관여", default=False)
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="담당자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rm_incidents",
    )
    sla_due_at = models.DateTimeField(
        "SLA 기한", help_text="접수 시각부터 SLA 목표(영업시간)를 한국 영업일에 더한 시각."
    )
    # While the case waits on an outside party (police, insurer, hospital) its clock stops; on
    # resume the due time moves on by the business hours that passed.
    sla_paused_at = models.DateTimeField(
        "SLA 일시정지 시각",
        null=True,
        blank=True,
        help_text="외부 기관 회신 대기 중이면 그 시작 시각.",
    )
    sla_breached_at = models.DateTimeField(
        "SLA 초과 확인 시각",
        null=True,
        blank=True,
        help_text="초과 점검이 기한 초과를 처음 확인한 시각.",
    )
    insurer_limit = models.PositiveBigIntegerField(
        "보험사 보상 한도(원)",
        null=True,
        blank=True,
        help_text="한도 초과 사고일 때 보험사의 한도, 원 단위.",
    )
    insurance_line = models.ForeignKey(
        InsuranceLine,
        verbose_name="보험 계약",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="이 사고를 보장하는 보험 계약. "
        "보험사 한도를 따로 적지 않으면 이 계약의 한도로 봅니다.",
    )
    loss_amount = models.PositiveBigIntegerField(
        "손해액(원)", null=True, blank=True, help_text="사고로 확인된 손해액, 원 단위."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="접수자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    updated_at = models.DateTimeField("변경 시각", auto_now=True)

    class Meta:
        verbose_name = "RM 사고"
        verbose_name_plural = "RM 사고"
        ordering = ["-id"]
        permissions = [
            ("work_incident", "RM 사고를 접수·배정·처리할 수 있음"),
            ("view_sensitive_incident", "성민감 사고를 볼 수 있음"),
        ]
        # The queue walks open cases in SLA order (all, or one assignee's); the filter columns
        # ride along so its counts and filters are index-only at a million incidents
        # (README: RM queue, p95). Closed cases in SLA order use incident_status_sla.
        indexes = [
            models.Index(fields=["status", "sla_due_at"], name="incident_status_sla"),
            models.Index(fields=["assignee", "status"], name="incident_assignee_status"),
            models.Index(
                fields=["sla_due_at", "id"],
                name="incident_open_due",
                include=[*QUEUE_FILTER_COLUMNS, "assignee"],
                condition=~Q(status="closed"),
            ),
            models.Index(
                fields=["assignee", "sla_due_at", "id"],
                name="incident_open_assignee_due",
                include=QUEUE_FILTER_COLUMNS,
                condition=~Q(status="closed"),
            ),
            models.Index(
                fields=["sla_paused_at"],
                name="incident_open_paused",
                condition=~Q(status="closed") & Q(sla_paused_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"RM 사고 #{self.pk}"

    @property
    def limit_in_effect(self) -> int | None:
        """The insurer's limit for this case (원): the one recorded for it, else the limit of
        its insurance line; None when neither is known."""
        if self.insurer_limit is not None:
            return self.insurer_limit
        line = self.insurance_line if self.insurance_line_id else None
        return line.limit if line is not None else None

    @property
    def excess(self) -> int | None:
        """원 above the limit in effect (0 when within it); None until both are known."""
        limit = self.limit_in_effect
        if limit is None or self.loss_amount is None:
            return None
        return max(0, self.loss_amount - limit)

    def may_move_to(self, to: str) -> bool:
        return to in self.TRANSITIONS.get(self.status, ())

    @property
    def must_share(self) -> bool:
        """Whether the brand-risk contact must have the case before it closes (seed 003: 성민감
        and 보험 cases with media or a public agency involved; the category says which)."""
        return self.media_or_agency and self.rm_subtype.category.share_when_media


class IncidentParty(models.Model):
    class Role(models.TextChoices):
        DRIVER = "driver", "기사"
        CUSTOMER = "customer", "고객"
        TRUKA_MEMBER = "truka_member", "트루카 회원"
        REPORTER = "reporter", "제보자"

    incident = models.ForeignKey(
        Incident, verbose_name="RM 사고", on_delete=models.CASCADE, related_name="parties"
    )
    account = models.ForeignKey(
        Account, verbose_name="계정", on_delete=models.PROTECT, related_name="rm_parties"
    )
    role = models.CharField("역할", max_length=16, choices=Role)

    class Meta:
        verbose_name = "사고 관계자"
        verbose_name_plural = "사고 관계자"
        ordering = ["incident", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "account", "role"],
                name="incidentparty_unique",
                violation_error_message="같은 계정이 같은 역할로 이미 관계자입니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.account}"


class IncidentEvent(models.Model):
    """The timeline: one row per change of an incident (who, what, when, why)."""

    class Kind(models.TextChoices):
        CREATED = "created", "접수"
        TRANSITION = "transition", "상태 변경"
        ASSIGNED = "assigned", "담당자 지정"
        SHARED = "shared", "브랜드 리스크 공유"
        SLA_PAUSED = "sla_paused", "SLA 일시정지"
        SLA_RESUMED = "sla_resumed", "SLA 재개"
        SLA_BREACHED = "sla_breached", "SLA 초과"
        UPDATED = "updated", "내용 수정"
        EVIDENCE = "evidence", "증빙 추가"
        VIOLATION = "violation", "위반 기록"
        CLAIM_LINKED = "claim_linked", "클레임 연결"

    incident = models.ForeignKey(
        Incident, verbose_name="RM 사고", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("구분", max_length=16, choices=Kind)
    from_status = models.CharField("이전 상태", max_length=16, choices=Incident.Status, blank=True)
    to_status = models.CharField("새 상태", max_length=16, choices=Incident.Status, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="처리자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("시각")
    detail = models.CharField("내용", max_length=200, blank=True)
    reason = models.TextField("사유", blank=True)

    class Meta:
        verbose_name = "사고 처리 이력"
        verbose_name_plural = "사고 처리 이력"
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.get_kind_display()}"


class IncidentShare(models.Model):
    """A masked summary of an incident sent to the brand-risk contact: what, to whom, who, when."""

    incident = models.ForeignKey(
        Incident, verbose_name="RM 사고", on_delete=models.CASCADE, related_name="shares"
    )
    recipient = models.CharField("받는 사람", max_length=200)
    summary = models.TextField(
        "공유 요약", help_text="이름·전화번호·차량번호·주민등록번호·주소 가림."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="공유자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("공유 시각")

    class Meta:
        verbose_name = "브랜드 리스크 공유"
        verbose_name_plural = "브랜드 리스크 공유"
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.incident_id} → {self.recipient}"
