"""RM incident API, the actions on one case: SLA pause and resume, violations on a party's
account, evidence files, insurance amounts, reclassification and parties found later. Same rule
as the rest: a 성민감 case does not exist (404) for users without the permission."""

from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ThrottleUnauthenticated
from incidents import selectors
from incidents.api.rm import CanView, CanWork, _detail, _field_errors, _visible_or_404
from incidents.api.rm_serializers import (
    IncidentDetailSerializer,
    IncidentEvidenceInputSerializer,
    IncidentEvidenceSerializer,
    IncidentViolationInputSerializer,
    IncidentViolationSerializer,
    InsuranceInputSerializer,
    PartyAddInputSerializer,
    PauseInputSerializer,
    ResumeInputSerializer,
    SubtypeChangeInputSerializer,
)
from incidents.api.serializers import lifts_when
from incidents.services.rm import PartyInput
from incidents.services.rm_actions import incident_record_violation, incident_set_insurance
from incidents.services.rm_changes import incident_add_party, incident_change_subtype
from incidents.services.rm_evidence import incident_evidence_add
from incidents.services.rm_sla import SlaNotApplicable, incident_pause_sla, incident_resume_sla

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
                **(
                    {"insurance_line": given["insurance_line"]} if "insurance_line" in given else {}
                ),
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return _detail(request, pk)


class IncidentSubtypeView(ThrottleUnauthenticated, APIView):
    """Reclassify the incident under another subtype of its taxonomy (timeline row; 사고다발
    judged again for its drivers). 400 for a subtype not in the category."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(
        request=SubtypeChangeInputSerializer,
        responses={
            200: IncidentDetailSerializer,
            204: OpenApiResponse(description="성민감으로 바뀌어 이제 볼 수 없는 사고"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        data = SubtypeChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _visible_or_404(request, pk)
        try:
            incident_change_subtype(
                incident_id=pk, actor=cast("User", request.user), **data.validated_data
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        # A case moved into 성민감 leaves the caller's sight unless they may see such cases.
        if not selectors.incidents_visible_to(request.user).filter(pk=pk).exists():
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _detail(request, pk)


class IncidentPartyAddView(ThrottleUnauthenticated, APIView):
    """Add a party found later (account created or updated through the accounts service);
    timeline row; 사고다발 judged again when it is a driver."""

    permission_classes = [permissions.IsAuthenticated, CanWork]

    @extend_schema(request=PartyAddInputSerializer, responses={200: IncidentDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = PartyAddInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        _visible_or_404(request, pk)
        try:
            incident_add_party(
                incident_id=pk,
                actor=cast("User", request.user),
                party=PartyInput(
                    role=given["role"],
                    external_id=given["external_id"],
                    kind=given.get("kind", ""),
                    name=given.get("name", ""),
                    phone=given.get("phone", ""),
                ),
                reason=given["reason"],
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return _detail(request, pk)
