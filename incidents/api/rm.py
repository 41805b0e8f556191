"""RM incident API: the taxonomy, filing an incident, the queue, one incident, moving it along
the pipeline and assigning it. 성민감 incidents do not exist for users without
`incidents.view_sensitive_incident`: 404 on every endpoint, absent from the list."""

from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, parsers, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ThrottleUnauthenticated, needs_permission
from config.pagination import KeysetPagination
from incidents import selectors
from incidents.api.rm_serializers import (
    AssignInputSerializer,
    CategorySerializer,
    IncidentDetailSerializer,
    IncidentEvidenceInputSerializer,
    IncidentEvidenceSerializer,
    IncidentInputSerializer,
    IncidentSerializer,
    IncidentViolationInputSerializer,
    IncidentViolationSerializer,
    InsuranceInputSerializer,
    PauseInputSerializer,
    ResumeInputSerializer,
    ShareSerializer,
    TransitionInputSerializer,
)
from incidents.api.serializers import lifts_when
from incidents.filters import IncidentFilter
from incidents.models import Incident
from incidents.services.rm import (
    PartyInput,
    TransitionRefused,
    incident_assign,
    incident_create,
    incident_share,
    incident_transition,
)
from incidents.services.rm_actions import incident_record_violation, incident_set_insurance
from incidents.services.rm_evidence import incident_evidence_add
from incidents.services.rm_sla import SlaNotApplicable, incident_pause_sla, incident_resume_sla
from policies.selectors import NoPublishedPolicy, rm_taxonomy

CanView = needs_permission("incidents.view_incident", "RM 사고 조회 권한이 필요합니다.")
CanWork = needs_permission(
    "incidents.work_incident", "RM 사고 처리 권한(RM팀·관리자)이 필요합니다."
)


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


class IncidentViolationView(ThrottleUnauthenticated, APIView):
    """Record a violation on the account of one of the case's parties, through the accounts
    service: the published penalty rule of that account's kind (트루카, 대리…) applies at its
    threshold. 201 with the violation and what it set off; the same party and code again on
    this case is 200 with the first one, nothing applied twice."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(
        request=IncidentViolationInputSerializer,
        responses={
            201: IncidentViolationSerializer,
            200: IncidentViolationSerializer,
            400: OpenApiResponse(
                description="이 사고의 관계자가 아님, 그 계정 종류의 제재 기준에 없는 코드, "
                "금액 누락"
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        data = IncidentViolationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        incident = _visible_or_404(request, pk)
        try:
            outcome = incident_record_violation(
                incident=incident,
                actor=cast("User", request.user),
                party=given["party"],
                code=given["code"],
                amount=given.get("amount"),
                reason=given["reason"],
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        party, violation = outcome.party, outcome.violation
        body = {
            "party": {
                "id": party.pk,
                "role": party.role,
                "kind": party.account.kind,
                "external_id": party.account.external_id,
                "name": party.account.masked_name,
                "phone": party.account.masked_phone,
            },
            "violation": {
                "code": violation.code,
                "occurred_at": violation.occurred_at,
                "amount": violation.amount,
                "source": violation.source,
            },
            "restrictions": [
                {
                    "code": r.code,
                    "label": r.label,
                    "scope": r.scope,
                    "since": r.since,
                    "until": r.until,
                    "lifts_when": lifts_when(r),
                    "source": r.source,
                }
                for r in outcome.restrictions
            ],
            "reviews": [
                {"code": r.code, "label": r.label, "action": r.action, "opened_at": r.opened_at}
                for r in outcome.reviews
            ],
        }
        return Response(
            IncidentViolationSerializer(body).data,
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


class IncidentEvidenceView(ThrottleUnauthenticated, APIView):
    """Attach an evidence file (multipart `file`): its type judged from its bytes, kept with
    its SHA-256, size and who uploaded it; a timeline row."""

    permission_classes = [permissions.IsAuthenticated, CanWork]
    # The file takes multipart; every other endpoint JSON.
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": IncidentEvidenceInputSerializer},
        responses={201: IncidentEvidenceSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = _visible_or_404(request, pk)
        data = IncidentEvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            evidence = incident_evidence_add(
                incident=incident,
                actor=cast("User", request.user),
                upload=data.validated_data["file"],
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return Response(IncidentEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class IncidentEvidenceFileView(ThrottleUnauthenticated, APIView):
    """Download an evidence file, as an attachment of its type, to those who may see the
    incident (404 otherwise, as for the incident). `X-Content-SHA256` carries its hash."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, evidence_id: int) -> FileResponse:
        evidence = selectors.incident_evidence_of(
            request.user, incident_id=pk, evidence_id=evidence_id
        )
        if evidence is None:
            raise Http404
        answer = FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        answer["X-Content-SHA256"] = evidence.sha256
        return answer


class IncidentInsuranceView(ThrottleUnauthenticated, APIView):
    """Record the insurer's limit and the loss of the case (원); the answer shows the excess
    above the limit. The same amounts again change nothing."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(request=InsuranceInputSerializer, responses={200: IncidentDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = InsuranceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        incident = _visible_or_404(request, pk)
        try:
            incident_set_insurance(
                incident=incident,
                actor=cast("User", request.user),
                insurer_limit=given["insurer_limit"],
                loss_amount=given["loss_amount"],
                reason=given["reason"],
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return _detail(request, pk)
