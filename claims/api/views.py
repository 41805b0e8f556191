"""Claims API: file a claim, decide its tiers, read it. One view per operation."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, parsers, permissions, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors, services
from claims.api.serializers import (
    ClaimCreateSerializer,
    ClaimListItemSerializer,
    ClaimSerializer,
    EvidenceInputSerializer,
    EvidenceSerializer,
    GrantSerializer,
    IncidentLinkedClaimsSerializer,
    IncidentLinkInputSerializer,
    ReasonSerializer,
    RefuseSerializer,
)
from claims.filters import ClaimFilter
from claims.models import Claim
from config.api import ThrottleUnauthenticated, needs_permission
from incidents.selectors import incidents_visible_to

CanFile = needs_permission("claims.add_claim", "클레임 접수 권한(상담사·관리자)이 필요합니다.")
CanView = needs_permission("claims.view_claim", "클레임 조회 권한이 필요합니다.")


def claim_payload(claim: Claim, user: Any) -> dict[str, Any]:
    """The claim as the API shows it: its offers recomputed under its own version."""
    claim = selectors.claim_detail(claim.pk, user)
    offers = selectors.offers_of(claim)
    return ClaimSerializer(
        {
            "id": claim.pk,
            "status": claim.status,
            "tier": claim.tier,
            "policy_version": claim.policy_version,
            "rule": claim.rule,
            "row": claim.row,
            "target": claim.target,
            "call_id": claim.call_id,
            "call_type": claim.call_type,
            "called_at": claim.called_at,
            "customer_id": claim.customer_id,
            "driver_id": claim.driver_id,
            "facts": claim.facts,
            "memo": claim.memo,
            "created_by": claim.created_by.username,
            "created_at": claim.created_at,
            "offers": offers["tiers"],
            "penalties": offers["penalties"],
            "duplicates": selectors.duplicates_of(claim),
            "decisions": list(claim.decisions.all()),
            "events": list(claim.events.all()),
            "payout_requests": list(selectors.payout_requests_of(claim)),
            "incidents": selectors.linked_incidents_shown(claim, user),
        }
    ).data


def _visible(request: Request, pk: int) -> Claim:
    try:
        return selectors.claim_detail(pk, request.user)
    except Claim.DoesNotExist as exc:
        raise NotFound("클레임을 찾을 수 없습니다.") from exc


def _decide(request: Request, pk: int, action: Any, **kwargs: Any) -> Response:
    claim = _visible(request, pk)
    try:
        action(claim_id=claim.pk, actor=request.user, **kwargs)
    except services.ClaimInputError as exc:
        raise ValidationError(exc.errors) from exc
    except services.ClaimForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.ClaimStateError as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    return Response(claim_payload(claim, request.user))


CONFLICT = OpenApiResponse(
    description="클레임 상태가 허용하지 않음 (이미 종결, 현재 차수가 아님, 이미 결정된 차수)"
)


class ClaimListCreateView(ThrottleUnauthenticated, generics.ListAPIView):
    """Claims the user may see (an agent's own; managers all), newest first; or file one."""

    serializer_class = ClaimListItemSerializer
    filterset_class = ClaimFilter

    def get_permissions(self):  # type: ignore[no-untyped-def]
        extra = CanFile() if self.request.method == "POST" else CanView()
        return [permissions.IsAuthenticated(), extra]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # the schema's dry run
            return Claim.objects.none()
        return selectors.claims_visible_to(self.request.user).order_by("-id")

    @extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer})
    def post(self, request: Request) -> Response:
        data = ClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            claim = services.claim_create(
                actor=request.user,  # type: ignore[arg-type]
                rule=v["rule"],
                target=v["target"],
                call_id=v["call_id"],
                facts=v["facts"],
                customer=services.Party(**v["customer"]) if v.get("customer") else None,
                driver=services.Party(**v["driver"]) if v.get("driver") else None,
                memo=v["memo"],
                call_type=v["call_type"],
                called_at=v["called_at"],
            )
        except services.ClaimInputError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(claim_payload(claim, request.user), status=status.HTTP_201_CREATED)


class ClaimDetailView(ThrottleUnauthenticated, APIView):
    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(responses={200: ClaimSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(claim_payload(_visible(request, pk), request.user))


class ClaimGrantView(ThrottleUnauthenticated, APIView):
    """Grant the current tier (agents tier 1; managers tiers 2, 3 and needs-discussion)."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(request=GrantSerializer, responses={200: ClaimSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return _decide(
            request, pk, services.claim_grant, tier=v["tier"], amount=v.get("amount"),
            instrument=v.get("instrument"), reason=v["reason"],
        )  # fmt: skip


class ClaimRefuseView(ThrottleUnauthenticated, APIView):
    """The claimant refused the current tier: the next tier, or closed as refused."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(request=RefuseSerializer, responses={200: ClaimSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        data = RefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return _decide(request, pk, services.claim_refuse, tier=v["tier"], reason=v["reason"])


class ClaimRejectView(ThrottleUnauthenticated, APIView):
    """Close without payment (managers), with a reason."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(request=ReasonSerializer, responses={200: ClaimSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _decide(request, pk, services.claim_reject, reason=data.validated_data["reason"])


class ClaimCancelView(ThrottleUnauthenticated, APIView):
    """Withdraw (the agent who filed it, or a manager), with a reason."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(request=ReasonSerializer, responses={200: ClaimSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _decide(request, pk, services.claim_cancel, reason=data.validated_data["reason"])


class ClaimEvidenceView(ThrottleUnauthenticated, APIView):
    """Attach an evidence file (multipart `file`): kept with its SHA-256, size and type."""

    permission_classes = [permissions.IsAuthenticated, CanView]
    # The one endpoint that takes a file: multipart here, JSON everywhere else.
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(request={"multipart/form-data": EvidenceInputSerializer},
                   responses={201: EvidenceSerializer})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        claim = _visible(request, pk)
        data = EvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            evidence = services.claim_evidence_add(
                claim_id=claim.pk, actor=request.user,  # type: ignore[arg-type]
                upload=data.validated_data["file"],
            )  # fmt: skip
        except services.ClaimInputError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


CanWorkIncidents = needs_permission(
    "incidents.work_incident", "RM 사고 처리 권한(RM팀·관리자)이 필요합니다."
)


class IncidentClaimLinkView(ThrottleUnauthenticated, APIView):
    """Link a claim to an RM incident (RM, managers): a claim event and a `claim_linked` row on
    the incident's timeline. 201 with the incident's linked claims; 200 when already linked; 404
    for an incident the caller may not see (a 성민감 one without the permission); 400 for an
    unknown claim."""

    permission_classes = [permissions.IsAuthenticated, CanWorkIncidents]

    @extend_schema(
        request=IncidentLinkInputSerializer,
        responses={201: IncidentLinkedClaimsSerializer, 200: IncidentLinkedClaimsSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = IncidentLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not incidents_visible_to(request.user).filter(pk=pk).exists():
            raise NotFound("RM 사고를 찾을 수 없습니다.")
        try:
            _link, created = services.claim_link_incident(
                claim_id=data.validated_data["claim"], incident_id=pk,
                actor=request.user, reason=data.validated_data["reason"],  # type: ignore[arg-type]
            )  # fmt: skip
        except Claim.DoesNotExist as exc:
            raise ValidationError({"claim": ["클레임이 없습니다."]}) from exc
        except services.ClaimInputError as exc:
            raise ValidationError(exc.errors) from exc
        body = {"claims": selectors.claims_linked_to_incident(pk)}
        return Response(
            IncidentLinkedClaimsSerializer(body).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
