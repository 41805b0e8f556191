"""RM incident API: the taxonomy, filing an incident, the queue, one incident, moving it along
the pipeline and assigning it. 성민감 incidents do not exist for users without
`incidents.view_sensitive_incident`: 404 on every endpoint, absent from the list."""

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
from incidents.api.rm_serializers import (
    AssignInputSerializer,
    CategorySerializer,
    IncidentDetailSerializer,
    IncidentInputSerializer,
    IncidentSerializer,
    ShareSerializer,
    TransitionInputSerializer,
)
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
            .select_related("rm_subtype__category", "rm_subtype__version", "insurance_line")
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
            .select_related(
                "rm_subtype__category", "rm_subtype__version", "assignee", "insurance_line"
            )
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
