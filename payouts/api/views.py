"""Payouts API: batch progress, ledger totals, a request's state and its retry."""

from collections.abc import Callable
from typing import cast

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ThrottleUnauthenticated, needs_permission
from config.pagination import KeysetPagination
from payouts import selectors
from payouts.api.serializers import (
    CancelInputSerializer,
    PayoutBatchSerializer,
    PayoutRequestSerializer,
    RetryInputSerializer,
    TotalsQuerySerializer,
    TotalsRowSerializer,
)
from payouts.filters import PayoutRequestFilter
from payouts.models import PayoutRequest
from payouts.services.requests import (
    TransitionRefused,
    payout_request_cancel,
    payout_request_retry,
)

CanViewBatches = needs_permission("payouts.view_payoutbatch", "지급 배치 조회 권한이 필요합니다.")
CanViewLedger = needs_permission("payouts.view_ledgerentry", "지급 원장 조회 권한이 필요합니다.")
CanViewRequests = needs_permission(
    "payouts.view_payoutrequest", "지급 요청 조회 권한이 필요합니다."
)
CanRetry = needs_permission("payouts.retry_payoutrequest", "지급 재시도 권한(관리자)이 필요합니다.")
CanCancel = needs_permission("payouts.cancel_payoutrequest", "지급 취소 권한(관리자)이 필요합니다.")


class BatchListView(ThrottleUnauthenticated, generics.ListAPIView):
    serializer_class = PayoutBatchSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewBatches]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.batch_list()


class BatchDetailView(ThrottleUnauthenticated, generics.RetrieveAPIView):
    serializer_class = PayoutBatchSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewBatches]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.batch_list()


def _transition(
    request: Request,
    pk: int,
    input_class: type[serializers.Serializer],
    service: Callable[..., PayoutRequest],
) -> Response:
    """Validate the body, run the request's transition service with its fields: 200 with
    the request, 404 for an unknown id, 409 when its state refuses the move."""
    data = input_class(data=request.data)
    data.is_valid(raise_exception=True)
    get_object_or_404(PayoutRequest, pk=pk)
    try:
        payout = service(request_id=pk, actor=cast("User", request.user), **data.validated_data)
    except TransitionRefused as exc:
        return Response({"status": [str(exc)]}, status=status.HTTP_409_CONFLICT)
    payout.refresh_from_db()
    return Response(PayoutRequestSerializer(payout).data)


class RequestListView(ThrottleUnauthenticated, generics.ListAPIView):
    """The requests the caller may see, newest first, filtered, a keyset page at a time."""

    serializer_class = PayoutRequestSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewRequests]
    filterset_class = PayoutRequestFilter
    pagination_class = KeysetPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.payout_requests_visible_to(self.request.user)


class RequestDetailView(ThrottleUnauthenticated, generics.RetrieveAPIView):
    """A request the caller may see (managers: all; others: those of their claims); any other
    id answers 404, so walking ids reveals nothing."""

    serializer_class = PayoutRequestSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewRequests]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.payout_requests_visible_to(self.request.user)


class RequestRetryView(ThrottleUnauthenticated, APIView):
    """Send a failed request back to pending; it is issued again after commit."""

    permission_classes = [permissions.IsAuthenticated, CanRetry]

    @extend_schema(
        request=RetryInputSerializer,
        responses={
            200: PayoutRequestSerializer,
            409: OpenApiResponse(description="요청의 상태가 재시도를 허용하지 않음"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return _transition(request, pk, RetryInputSerializer, payout_request_retry)


class RequestCancelView(ThrottleUnauthenticated, APIView):
    """Cancel a pending or failed request (managers). A request whose last delivery was
    ambiguous needs `checked: true`: someone looked in billing and found no grant."""

    permission_classes = [permissions.IsAuthenticated, CanCancel]

    @extend_schema(
        request=CancelInputSerializer,
        responses={
            200: PayoutRequestSerializer,
            409: OpenApiResponse(
                description="요청의 상태가 취소를 허용하지 않음 (지급 중, 지급됨), 또는 결과가 "
                "불분명한 실패를 확인 없이 취소하려 함"
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return _transition(request, pk, CancelInputSerializer, payout_request_cancel)


class TotalsView(ThrottleUnauthenticated, APIView):
    """Issued totals from the ledger, per source or per program and instrument."""

    permission_classes = [permissions.IsAuthenticated, CanViewLedger]

    @extend_schema(
        parameters=[TotalsQuerySerializer], responses={200: TotalsRowSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        query = TotalsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        if q["by"] == "program":
            rows = selectors.ledger_totals_by_program(program=q.get("program"))
        else:
            rows = selectors.ledger_totals_by_source(
                source_kind=q.get("source_kind"), source_ref=q.get("source_ref")
            )
        return Response(TotalsRowSerializer(list(rows), many=True).data)
