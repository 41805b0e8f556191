"""RM incident API: the taxonomy, filing an incident, the queue, one incident, moving it along
the pipeline and assigning it. 성민감 incidents do not exist for users without
`incidents.view_sensitive_incident`: 404 on every endpoint, absent from the list."""

from datetime import UTC, datetime
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ThrottleUnauthenticated, needs_permission
from config.pagination import KeysetPagination
from incidents import selectors
from incidents.filters import IncidentFilter
from incidents.models import Incident, IncidentEvent, IncidentParty, Service
from incidents.services.rm import (
    PartyInput,
    TransitionRefused,
    incident_assign,
    incident_create,
    incident_share,
    incident_transition,
)
from incidents.services.rm_sla import SlaNotApplicable, incident_pause_sla, incident_resume_sla
from policies.models import AccountKind, RmSeverity
from policies.selectors import NoPublishedPolicy, rm_taxonomy

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

CanView = needs_permission("incidents.view_incident", "RM 사고 조회 권한이 필요합니다.")
CanWork = needs_permission(
    "incidents.work_incident", "RM 사고 처리 권한(RM팀·관리자)이 필요합니다."
)


# --- shapes -------------------------------------------------------------------------------------


class SubtypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    definition = serializers.CharField(help_text="사고가이드 RM 기준의 정의")
    insurance_exempt = serializers.BooleanField(help_text="보험 면책 유형")


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    subtypes = SubtypeSerializer(many=True)


class PartyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=AccountKind.choices,
        required=False,
        help_text="계정 종류; 비우면 역할에서 정함 (제보자는 고객)",
    )
    external_id = serializers.CharField(max_length=64, help_text="플랫폼 계정 ID")
    role = serializers.ChoiceField(choices=IncidentParty.Role.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)


class IncidentInputSerializer(serializers.Serializer):
    service = serializers.ChoiceField(choices=Service.choices)
    category = serializers.CharField(max_length=40, help_text="RM 유형 코드, 예: criminal")
    subtype = serializers.CharField(max_length=40, help_text="그 유형의 세부 유형 코드")
    severity = serializers.ChoiceField(choices=RmSeverity.choices)
    description = serializers.CharField(max_length=5000)
    occurred_at = serializers.DateTimeField()
    media_or_agency = serializers.BooleanField(default=False)
    parties = PartyInputSerializer(many=True, required=False, max_length=20)  # type: ignore[call-arg]

    def validate_occurred_at(self, value: datetime) -> datetime:
        if value < EARLIEST:
            raise serializers.ValidationError("발생 시각은 2000년 이후여야 합니다.")
        return value


class PartySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=IncidentParty.Role.choices)
    kind = serializers.ChoiceField(choices=AccountKind.choices)
    external_id = serializers.CharField()
    name = serializers.CharField(help_text="가림 처리됨, 예: 홍*동")
    phone = serializers.CharField(help_text="가림 처리됨, 예: 010-****-5678")


class TimelineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentEvent.Kind.choices)
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(allow_null=True, help_text="처리자 사용자 이름")
    at = serializers.DateTimeField()
    detail = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    service = serializers.ChoiceField(choices=Service.choices)
    category = serializers.CharField()
    category_label = serializers.CharField()
    subtype = serializers.CharField()
    subtype_label = serializers.CharField()
    insurance_exempt = serializers.BooleanField()
    severity = serializers.ChoiceField(choices=RmSeverity.choices)
    description = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    media_or_agency = serializers.BooleanField()
    assignee = serializers.CharField(allow_null=True, help_text="담당자 사용자 이름")
    sla_due_at = serializers.DateTimeField(help_text="SLA 기한 (영업시간 기준)")
    sla_state = serializers.ChoiceField(
        choices=selectors.SlaState.choices,
        help_text="closed 종결, paused 일시정지, breached 기한 초과, due_soon 기한 임박 "
        "(INCIDENTS_SLA_DUE_SOON_HOURS 영업시간 안), on_track 여유",
    )
    sla_paused_at = serializers.DateTimeField(allow_null=True, help_text="일시정지 시작 시각")
    sla_breached_at = serializers.DateTimeField(
        allow_null=True, help_text="초과 점검이 기한 초과를 확인한 시각"
    )
    time_left_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="기한까지 남은 초 (지나면 음수; 일시정지 중이면 정지 시점의 값; 종결이면 null)",
    )
    business_hours_left = serializers.FloatField(
        allow_null=True, help_text="기한까지 남은 영업시간 (지나면 음수; 종결이면 null)"
    )
    parties = PartySerializer(many=True)

    def to_representation(self, instance: Incident) -> dict[str, Any]:
        sub = instance.rm_subtype
        when = serializers.DateTimeField()
        clock = selectors.sla_clock_of(instance, soon_limit=self.context.get("soon_limit"))
        return {
            "id": instance.pk,
            "status": instance.status,
            "service": instance.service,
            "category": instance.category,
            "category_label": sub.category.label,
            "subtype": instance.subtype,
            "subtype_label": sub.label,
            "insurance_exempt": sub.insurance_exempt,
            "severity": instance.severity,
            "description": instance.description,
            "occurred_at": serializers.DateTimeField().to_representation(instance.occurred_at),
            "reported_at": serializers.DateTimeField().to_representation(instance.reported_at),
            "media_or_agency": instance.media_or_agency,
            "assignee": instance.assignee.get_username() if instance.assignee else None,
            "sla_due_at": when.to_representation(instance.sla_due_at),
            "sla_state": clock.state,
            "sla_paused_at": (
                when.to_representation(instance.sla_paused_at) if instance.sla_paused_at else None
            ),
            "sla_breached_at": (
                when.to_representation(instance.sla_breached_at)
                if instance.sla_breached_at
                else None
            ),
            "time_left_seconds": clock.time_left_seconds,
            "business_hours_left": clock.business_hours_left,
            # Always masked here: the account's own page shows them whole to those allowed.
            "parties": [
                {
                    "role": p.role,
                    "kind": p.account.kind,
                    "external_id": p.account.external_id,
                    "name": p.account.masked_name,
                    "phone": p.account.masked_phone,
                }
                for p in instance.parties.all()
            ],
        }


class IncidentDetailSerializer(IncidentSerializer):
    timeline = TimelineSerializer(many=True)

    def to_representation(self, instance: Incident) -> dict[str, Any]:
        body = super().to_representation(instance)
        body["timeline"] = [
            {
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.get_username() if e.actor else None,
                "at": serializers.DateTimeField().to_representation(e.at),
                "detail": e.detail,
                "reason": e.reason,
            }
            for e in instance.events.all()
        ]
        return body


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Incident.Status.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PauseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="기다리는 외부 기관 등 일시정지 사유")


class ResumeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ShareSerializer(serializers.Serializer):
    summary = serializers.CharField(
        help_text="가림 처리된 요약 (이름·전화번호·차량번호·주민등록번호·주소)"
    )
    recipient = serializers.CharField(help_text="브랜드 리스크 담당자")
    at = serializers.DateTimeField()


class AssignInputSerializer(serializers.Serializer):
    assignee = serializers.CharField(max_length=150, help_text="담당자 사용자 이름")


# --- views --------------------------------------------------------------------------------------


def _field_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


def _detail(request: Request, pk: int) -> Response:
    incident = selectors.incident_detail_of(request.user, pk)
    if incident is None:
        raise Http404
    return Response(IncidentDetailSerializer(incident).data)


def _visible_or_404(request: Request, pk: int) -> Incident:
    # Checked before any write: a case the caller may not see answers as if it did not exist.
    incident = selectors.incidents_visible_to(request.user).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


class TaxonomyView(ThrottleUnauthenticated, APIView):
    """The RM taxonomy of the published policy: categories and their subtypes with definitions."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(responses={200: CategorySerializer(many=True)})
    def get(self, request: Request) -> Response:
        try:
            taxonomy = rm_taxonomy()
        except NoPublishedPolicy:
            taxonomy = []
        body = [
            {"code": c.code, "label": c.label, "subtypes": list(c.subtypes.all())} for c in taxonomy
        ]
        return Response(CategorySerializer(body, many=True).data)


class IncidentListCreateView(ThrottleUnauthenticated, generics.ListAPIView):
    """GET: the queue the caller may see, newest first, filtered, a keyset page at a time.
    POST: file an incident (RM, managers); its SLA clock starts now."""

    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = KeysetPagination

    def get_permissions(self):  # type: ignore[no-untyped-def]
        need = CanWork if self.request.method == "POST" else CanView
        return [permissions.IsAuthenticated(), need()]

    def get_serializer_context(self) -> dict[str, Any]:
        # One due-soon limit for the whole page: the same "now" for every row.
        return {
            **super().get_serializer_context(),
            "soon_limit": selectors.sla_due_soon_limit(timezone.now()),
        }

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            selectors.incidents_visible_to(self.request.user)
            .select_related("rm_subtype__category", "rm_subtype__version")
            .prefetch_related("parties__account")
        )

    @extend_schema(
        request=IncidentInputSerializer,
        responses={201: IncidentDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = IncidentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        try:
            incident = incident_create(
                service=given["service"],
                category=given["category"],
                subtype=given["subtype"],
                severity=given["severity"],
                description=given["description"],
                occurred_at=given["occurred_at"],
                media_or_agency=given["media_or_agency"],
                parties=[
                    PartyInput(
                        role=p["role"],
                        external_id=p["external_id"],
                        kind=p.get("kind", ""),
                        name=p.get("name", ""),
                        phone=p.get("phone", ""),
                    )
                    for p in given.get("parties", [])
                ],
                actor=cast("User", request.user),
            )
        except NoPublishedPolicy as exc:
            raise serializers.ValidationError({"detail": ["게시된 정책이 없습니다."]}) from exc
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        # The filer gets the body of what they filed, a 성민감 case included; from then on
        # only those with the permission see it.
        incident = (
            Incident.objects.prefetch_related("parties__account", "events__actor")
            .select_related("rm_subtype__category", "rm_subtype__version", "assignee")
            .get(pk=incident.pk)
        )
        return Response(IncidentDetailSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentDetailView(ThrottleUnauthenticated, APIView):
    """One incident with its parties (masked) and timeline."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(responses={200: IncidentDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)


class IncidentTransitionView(ThrottleUnauthenticated, APIView):
    """Move the incident along `new → triaged → investigating → action_taken → closed`
    (`reopened` from closed, with a reason)."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(
        request=TransitionInputSerializer,
        responses={
            200: IncidentDetailSerializer,
            409: OpenApiResponse(
                description="현재 상태에서 그 상태로 바꿀 수 없음 (상태를 밝힘), 또는 공유해야 "
                "하는 사고를 공유 없이 종결하려 함"
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _visible_or_404(request, pk)
        try:
            incident_transition(
                incident_id=pk,
                to=data.validated_data["to"],
                reason=data.validated_data["reason"],
                actor=cast("User", request.user),
            )
        except TransitionRefused as exc:
            return Response({"status": [str(exc)]}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return _detail(request, pk)


class IncidentAssignView(ThrottleUnauthenticated, APIView):
    """Make an RM user the incident's assignee (성민감 cases: only users who may see them)."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(request=AssignInputSerializer, responses={200: IncidentDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _visible_or_404(request, pk)
        try:
            incident_assign(
                incident_id=pk,
                assignee=data.validated_data["assignee"],
                actor=cast("User", request.user),
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return _detail(request, pk)


class IncidentShareView(ThrottleUnauthenticated, APIView):
    """Share the incident's masked summary with the brand-risk contact; recorded with who and
    when. 성민감 and 보험 cases with media or a public agency involved need one before closing."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(request=None, responses={201: ShareSerializer})
    def post(self, request: Request, pk: int) -> Response:
        _visible_or_404(request, pk)
        share = incident_share(incident_id=pk, actor=cast("User", request.user))
        body = {"summary": share.summary, "recipient": share.recipient, "at": share.at}
        return Response(ShareSerializer(body).data, status=status.HTTP_201_CREATED)


_NOT_APPLICABLE = OpenApiResponse(description="종결된 사고: SLA 시계가 없음")


class IncidentPauseView(ThrottleUnauthenticated, APIView):
    """Stop the SLA clock while the case waits on an outside party (police, insurer, hospital).
    Pausing a paused case changes nothing; a closed case is 409."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(
        request=PauseInputSerializer,
        responses={200: IncidentDetailSerializer, 409: _NOT_APPLICABLE},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = PauseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = _visible_or_404(request, pk)
        try:
            incident_pause_sla(
                incident=incident,
                actor=cast("User", request.user),
                reason=data.validated_data["reason"],
            )
        except SlaNotApplicable as exc:
            return Response({"status": [str(exc)]}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return _detail(request, pk)


class IncidentResumeView(ThrottleUnauthenticated, APIView):
    """Start the SLA clock again: the due time moves on by the business hours it was paused.
    Resuming a running clock changes nothing; a closed case is 409."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(
        request=ResumeInputSerializer,
        responses={200: IncidentDetailSerializer, 409: _NOT_APPLICABLE},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ResumeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = _visible_or_404(request, pk)
        try:
            incident_resume_sla(
                incident=incident,
                actor=cast("User", request.user),
                reason=data.validated_data["reason"],
            )
        except SlaNotApplicable as exc:
            return Response({"status": [str(exc)]}, status=status.HTTP_409_CONFLICT)
        return _detail(request, pk)
