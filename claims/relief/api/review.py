"""Relief review API: the committee's decision on an application in committee review.

`POST /api/v1/relief/applications/{id}/decide/` {"decision": "approve" | "reject", "amount"
(원, approve only), "reason"} → 200 with the application; 400 with field messages; 403 without
the committee permission (managers); 404 unknown id; 409 when the application is not in
committee review (a second decision included)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.relief import review
from claims.relief.api.serializers import ReliefGrantOutSerializer, created_payload
from claims.relief.models import ReliefApplication
from claims.relief.review_models import ReliefDecision, ReliefEvidenceFile
from config.api import ThrottleUnauthenticated, needs_permission

CanDecide = needs_permission(
    review.DECIDE_PERMISSION, "협의체 심의 결정 권한(관리자)이 필요합니다."
)
CanUpload = needs_permission(review.UPLOAD_PERMISSION, "증빙 등록 권한(관리자)이 필요합니다.")


class ReliefDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=ReliefDecision.Kind.choices, help_text="approve(승인) 또는 reject(기각)"
    )
    amount = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="원. 승인에만 (프로그램의 심의 지원 범위 안).",
    )
    reason = serializers.CharField(max_length=2000, help_text="결정 사유 (필수)")


class ReliefDecisionOutSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReliefDecision.Kind.choices)
    amount = serializers.IntegerField(allow_null=True, help_text="원")
    reason = serializers.CharField()
    program_version = serializers.IntegerField(help_text="심의에 쓴 프로그램 버전 번호")
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField()


class ReliefDecidedApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReliefApplication.Status.choices)
    grants = ReliefGrantOutSerializer(many=True)
    duplicate_of = serializers.IntegerField(allow_null=True)
    decision = ReliefDecisionOutSerializer()


def decided_payload(application: ReliefApplication) -> dict[str, Any]:
    decision = ReliefDecision.objects.select_related("program_version", "decided_by").get(
        application=application
    )
    return {
        **created_payload(application),
        "decision": {
            "decision": decision.kind,
            "amount": decision.amount,
            "reason": decision.reason,
            "program_version": decision.program_version.number,
            "decided_by": decision.decided_by.get_username(),
            "decided_at": decision.decided_at,
        },
    }


class ApplicationDecideView(ThrottleUnauthenticated, APIView):
    """The committee approves (with an amount) or rejects an application in committee review,
    with a reason; recorded once, with who, when and the program version."""

    permission_classes = [permissions.IsAuthenticated, CanDecide]

    @extend_schema(
        request=ReliefDecisionInputSerializer,
        responses={
            200: ReliefDecidedApplicationSerializer,
            409: OpenApiResponse(description="협의체 심의 상태가 아님 (이미 결정된 신청 포함)"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ReliefDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            application = review.relief_application_decide(
                application_id=pk,
                actor=request.user,
                decision=v["decision"],
                amount=v.get("amount"),
                reason=v["reason"],
            )
        except ReliefApplication.DoesNotExist as exc:
            raise NotFound("피해 지원 신청을 찾을 수 없습니다.") from exc
        except review.ReliefReviewInputError as exc:
            raise ValidationError(exc.errors) from exc
        except review.ReliefReviewForbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except review.ReliefStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(decided_payload(application))


class ReliefEvidenceInputSerializer(serializers.Serializer):
    kind = serializers.SlugField(max_length=40, help_text="프로그램 버전의 필수 증빙 코드")
    file = serializers.FileField(help_text="PDF, JPEG, PNG (형식은 파일 내용으로 판단)")


class ReliefEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReliefEvidenceFile
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class ApplicationEvidenceView(ThrottleUnauthenticated, APIView):
    """Attach an evidence file of one of the program's required kinds to an application (for
    the committee). Kept like a claim's evidence: type from the bytes, SHA-256, size limit."""

    permission_classes = [permissions.IsAuthenticated, CanUpload]
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ReliefEvidenceInputSerializer},
        responses={201: ReliefEvidenceSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ReliefEvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            evidence = review.relief_evidence_add(
                application_id=pk,
                actor=request.user,
                kind=data.validated_data["kind"],
                upload=data.validated_data["file"],
            )
        except ReliefApplication.DoesNotExist as exc:
            raise NotFound("피해 지원 신청을 찾을 수 없습니다.") from exc
        except review.ReliefReviewInputError as exc:
            raise ValidationError(exc.errors) from exc
        except review.ReliefReviewForbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(ReliefEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
