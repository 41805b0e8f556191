from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ThrottleUnauthenticated
from policies import selectors
from policies.api.serializers import (
    QuoteInputSerializer,
    QuoteSerializer,
    RuleListResponseSerializer,
)
from policies.evaluator import IncompleteBook, NoMatchingRow
from policies.facts import FactsInvalid
from policies.models import Category, PolicyVersion


class CanQuote(permissions.BasePermission):
    message = "정책 견적 권한(상담사·관리자·RM팀)이 필요합니다."

    def has_permission(self, request, view):  # type: ignore[no-untyped-def]
        return bool(request.user and request.user.has_perm("policies.quote_policy"))


def _version_for(request: Request, number: int | None) -> PolicyVersion:
    """The version asked for. Drafts are previews for those who edit the book."""
    try:
        version = selectors.book(selectors.current_number() if number is None else number).version
    except (selectors.UnknownVersion, selectors.NoPublishedPolicy) as exc:
        raise serializers.ValidationError({"policy_version": [str(exc)]}) from exc
    if version.status == PolicyVersion.Status.DRAFT and not selectors.may_see_drafts(request.user):
        raise serializers.ValidationError(
            {"policy_version": ["초안 버전은 정책 편집 권한이 있어야 조회할 수 있습니다."]}
        )
    return version


class QuoteView(ThrottleUnauthenticated, APIView):
    """The policy's offer for a case: the outcome of every tier the matched row defines."""

    permission_classes = [permissions.IsAuthenticated, CanQuote]

    @extend_schema(request=QuoteInputSerializer, responses={200: QuoteSerializer})
    def post(self, request: Request) -> Response:
        data = QuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version_for(request, data.validated_data.get("policy_version"))
        try:
            quote = selectors.quote(
                rule_code=data.validated_data["rule"],
                target=data.validated_data["target"],
                facts=data.validated_data["facts"],
                version_number=version.number,
            )
        except selectors.UnknownRule as exc:
            return Response({"rule": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except FactsInvalid as exc:
            return Response({"facts": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        except NoMatchingRow as exc:
            return Response({"target": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except IncompleteBook as exc:
            return Response({"policy_version": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        # The quote's own dict is the QuoteSerializer's shape field for field (a test holds
        # them equal); building it directly keeps serializer set-up off the hot path.
        return Response(quote.as_dict())


class RuleListView(ThrottleUnauthenticated, APIView):
    """The rules of the current (or given) version, with the facts each one needs."""

    permission_classes = [permissions.IsAuthenticated, CanQuote]

    @extend_schema(
        parameters=[
            OpenApiParameter("version", int, description="정책 버전 번호. 비우면 현재 버전."),
            OpenApiParameter("category", str, description="구분 코드, 예: fare"),
        ],
        responses={200: RuleListResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("version")
        number = None
        if raw:
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
                return Response(
                    {"version": ["정수여야 합니다."]}, status=status.HTTP_400_BAD_REQUEST
                )
            number = int(raw)
        version = _version_for(request, number)
        rules = selectors.rules_of(version)
        # The cached version object keeps the status it was read with; the list shows now's.
        version = PolicyVersion.objects.get(pk=version.pk)
        category = request.query_params.get("category")
        if category:
            if category not in Category.values:
                return Response(
                    {"category": [f"구분 코드는 {', '.join(Category.values)} 중 하나입니다."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            rules = rules.filter(category=category)
        return Response(
            RuleListResponseSerializer({"policy_version": version, "rules": rules}).data
        )
