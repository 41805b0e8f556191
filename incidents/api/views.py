"""Accounts API: an account with its state, recording violations and conditions, and whether
it may use a service now. RM and managers record; agents read."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ThrottleUnauthenticated, needs_permission
from incidents import selectors
from incidents.api.serializers import (
    AccountSerializer,
    ConditionInputSerializer,
    EligibilityQuerySerializer,
    EligibilitySerializer,
    ViolationInputSerializer,
    lifts_when,
)
from incidents.models import Account, PersonalDataAccess, SourceKind
from incidents.services.accounts import personal_data_view_record
from incidents.services.restrictions import condition_record
from incidents.services.violations import violation_record
from policies.models import AccountKind

CanView = needs_permission("incidents.view_account", "계정 조회 권한이 필요합니다.")
CanRecord = needs_permission(
    "incidents.record_violation", "위반·조건 기록 권한(RM·관리자)이 필요합니다."
)

ACCOUNT_PATH = [
    OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=AccountKind.values),
    OpenApiParameter("external_id", str, OpenApiParameter.PATH, description="플랫폼 계정 ID"),
]


def may_see_personal_data(user: Any) -> bool:
    return bool(user.has_perm("incidents.view_personal_data"))


def account_body(request: Request, account: Account) -> dict[str, Any]:
    """The account as the API shows it: name and phone whole only to users with the
    permission, and each such answer is recorded in the access log."""
    detail = selectors.account_detail(account)
    full = may_see_personal_data(request.user)
    if full:
        personal_data_view_record(
            account=account, user=request.user, via=PersonalDataAccess.Via.API
        )
    # Rows recorded from a 성민감 case name no incident to users who may not know of it.
    hidden = selectors.hidden_incident_sources(
        request.user,
        [(r.source_kind, r.source_ref) for r in detail.restrictions]
        + [(v.source_kind, v.source_ref) for v in detail.violations],
    )

    def source(row: Any) -> str:
        if row.source_kind == SourceKind.INCIDENT and row.source_ref in hidden:
            return row.source_kind
        return row.source

    body = {
        "kind": account.kind,
        "external_id": account.external_id,
        "name": account.name if full else account.masked_name,
        "phone": account.full_phone if full else account.masked_phone,
        "state": detail.state,
        "restrictions": [
            {
                "code": r.code,
                "label": r.label,
                "scope": r.scope,
                "since": r.since,
                "until": r.until,
                "lifts_when": lifts_when(r),
                "source": source(r),
            }
            for r in detail.restrictions
        ],
        "violations": [
            {"code": v.code, "occurred_at": v.occurred_at, "amount": v.amount, "source": source(v)}
            for v in detail.violations
        ],
        "reviews_open": detail.reviews_open,
        "flags": selectors.account_flag_kinds(account, request.user),
    }
    return AccountSerializer(body).data


def _account_or_404(kind: str, external_id: str) -> Account:
    account = selectors.account_find(kind=kind, external_id=external_id)
    if account is None:
        raise Http404
    return account


def _field_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


class AccountView(ThrottleUnauthenticated, APIView):
    """An account: its derived state, the restrictions in force, its violations."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(parameters=ACCOUNT_PATH, responses={200: AccountSerializer})
    def get(self, request: Request, kind: str, external_id: str) -> Response:
        return Response(account_body(request, _account_or_404(kind, external_id)))


class ViolationCreateView(ThrottleUnauthenticated, APIView):
    """Record a violation by hand (RM, managers); the account is created if new, and the
    published penalty rule's action applies when its threshold is reached."""

    permission_classes = [permissions.IsAuthenticated, CanRecord]

    @extend_schema(
        parameters=ACCOUNT_PATH,
        request=ViolationInputSerializer,
        responses={201: AccountSerializer},
    )
    def post(self, request: Request, kind: str, external_id: str) -> Response:
        data = ViolationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        try:
            violation = violation_record(
                kind=kind,
                external_id=external_id,
                code=given["code"],
                occurred_at=given.get("occurred_at"),
                amount=given.get("amount"),
                note=given["note"],
                source_kind=given["source"],
                actor=request.user,  # type: ignore[arg-type]
                name=given.get("name") or None,
                phone=given.get("phone") or None,
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from exc
        return Response(account_body(request, violation.account), status=status.HTTP_201_CREATED)


class ConditionView(ThrottleUnauthenticated, APIView):
    """Record that a condition holds for the account (fees paid, info corrected, accident
    closed): the suspensions waiting for it are lifted."""

    permission_classes = [permissions.IsAuthenticated, CanRecord]

    @extend_schema(
        parameters=ACCOUNT_PATH,
        request=ConditionInputSerializer,
        responses={200: AccountSerializer},
    )
    def post(self, request: Request, kind: str, external_id: str) -> Response:
        data = ConditionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = _account_or_404(kind, external_id)
        condition_record(
            account=account,
            condition=data.validated_data["condition"],
            note=data.validated_data["note"],
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(account_body(request, account))


class EligibilityView(ThrottleUnauthenticated, APIView):
    """May the account use a service now? An account never sanctioned (or never seen) may."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(
        parameters=[*ACCOUNT_PATH, EligibilityQuerySerializer],
        responses={200: EligibilitySerializer},
    )
    def get(self, request: Request, kind: str, external_id: str) -> Response:
        query = EligibilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = selectors.eligibility(
            kind=kind, external_id=external_id, scope=query.validated_data["scope"]
        )
        return Response(
            EligibilitySerializer(
                {"allowed": result.allowed, "reasons": result.reasons, "until": result.until}
            ).data
        )
