"""Insurance API: the lines in force and the statutory personal-information liability check.

Thin views: input serializers validate, `policies.insurance_selectors` answers, the answer's
own dict is the output serializer's shape (a test holds them equal).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ThrottleUnauthenticated
from policies import insurance_selectors as selectors
from policies.coverage import MAX_USERS, MAX_WON, CoverageRulesIncomplete
from policies.models import InsuranceKind


class CanCheckCoverage(permissions.BasePermission):
    message = "개인정보 손해배상책임 점검 권한(관리자·운영자)이 필요합니다."

    def has_permission(self, request, view):  # type: ignore[no-untyped-def]
        return bool(request.user and request.user.has_perm("policies.check_coverage"))


class CanViewLines(permissions.BasePermission):
    message = "보험 계약 조회 권한(관리자·RM팀·운영자)이 필요합니다."

    def has_permission(self, request, view):  # type: ignore[no-untyped-def]
        return bool(request.user and request.user.has_perm("policies.view_insuranceline"))


def _won(help_text: str, **kwargs) -> serializers.IntegerField:  # type: ignore[no-untyped-def]
    return serializers.IntegerField(min_value=0, max_value=MAX_WON, help_text=help_text, **kwargs)


def _users(month: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        max_value=MAX_USERS,
        help_text=f"전년도 {month}월 저장·관리 이용자 수(명). 탈퇴·휴면 포함, 임직원 제외.",
    )


class CoverageCheckInputSerializer(serializers.Serializer):
    on = serializers.DateField(
        help_text="점검 기준일(YYYY-MM-DD). 이 날 적용되는 기준 버전을 씁니다."
    )
    revenue = _won("전년도 매출액(원).")
    users_oct = _users("10")
    users_nov = _users("11")
    users_dec = _users("12")
    reserve = _won("공제 가입금액 또는 적립한 준비금(원). 보험 계약과 합산합니다.", default=0)
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=50,
        help_text="합산할 보험 계약 id. 비우면 기준일에 유효한 개인정보보호배상책임보험.",
    )


class RuleVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    legal_basis = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True, help_text="포함. null이면 끝 없음.")


class UserCountsSerializer(serializers.Serializer):
    oct = serializers.IntegerField()
    nov = serializers.IntegerField()
    dec = serializers.IntegerField()
    total = serializers.IntegerField()


class BandSerializer(serializers.Serializer):
    code = serializers.CharField()
    # The API's field name; DRF takes declared fields off the class, so Field.label is intact.
    label = serializers.CharField()  # type: ignore[assignment]
    minimum = serializers.IntegerField(help_text="포함")
    maximum = serializers.IntegerField(allow_null=True, help_text="포함. null이면 상한 없음.")


class CoveredLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InsuranceKind.choices)
    kind_label = serializers.CharField()
    insurer = serializers.CharField()
    policy_number = serializers.CharField()
    limit = serializers.IntegerField(help_text="원")
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class CoverageAnswerSerializer(serializers.Serializer):
    on = serializers.DateField()
    rule_version = RuleVersionSerializer()
    user_counts = UserCountsSerializer()
    average_days = serializers.IntegerField(help_text="일일평균을 낼 때 나누는 일수(92).")
    daily_average_users = serializers.IntegerField(help_text="명. 합 ÷ 일수, 소수점 이하 버림.")
    revenue_minimum = serializers.IntegerField(help_text="원. 의무 대상 매출액 기준.")
    users_minimum = serializers.IntegerField(help_text="명. 의무 대상 이용자 수 기준.")
    duty_applies = serializers.BooleanField()
    not_applicable_reasons = serializers.ListField(
        child=serializers.CharField(), help_text="의무 대상이 아닌 이유(한국어)."
    )
    revenue_band = BandSerializer(allow_null=True)
    users_band = BandSerializer(allow_null=True)
    minimum_amount = serializers.IntegerField(
        allow_null=True, help_text="원. 의무 대상이 아니면 null."
    )
    lines = CoveredLineSerializer(many=True)
    insured_total = serializers.IntegerField(help_text="원. 합산한 보험 계약의 보상한도 합.")
    reserve = serializers.IntegerField(help_text="원")
    cover_total = serializers.IntegerField(help_text="원. 보험 + 공제·준비금.")
    meets_minimum = serializers.BooleanField(allow_null=True, help_text="의무 대상이 아니면 null.")
    shortfall = serializers.IntegerField(help_text="원. 최저가입금액에 모자라는 금액.")
    fine = serializers.IntegerField(help_text="원. 모자라면 과태료, 아니면 0.")
    compliant = serializers.BooleanField(help_text="의무 대상이 아니거나 충족하면 true.")
    summary = serializers.CharField()


class InsuranceLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InsuranceKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    mandatory = serializers.BooleanField()
    insurer = serializers.CharField()
    policy_number = serializers.CharField()
    limit = serializers.IntegerField(help_text="원. 보상한도.")
    deductible = serializers.IntegerField(help_text="원. 자기부담금.")
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="포함")
    note = serializers.CharField()


class LineQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InsuranceKind.choices, required=False)
    on = serializers.DateField(
        required=False, help_text="이 날 유효한 계약만(YYYY-MM-DD). 비우면 모든 계약."
    )


class CoverageCheckView(ThrottleUnauthenticated, APIView):
    """The statutory personal-information liability check (DOMAIN §6) under the rule version
    in force on the date given."""

    permission_classes = [permissions.IsAuthenticated, CanCheckCoverage]

    @extend_schema(
        request=CoverageCheckInputSerializer,
        responses={200: CoverageAnswerSerializer},
        summary="개인정보 손해배상책임 보장 의무 점검",
    )
    def post(self, request: Request) -> Response:
        data = CoverageCheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        try:
            answer = selectors.coverage_check_on(
                on=given["on"],
                revenue=given["revenue"],
                user_counts=(given["users_oct"], given["users_nov"], given["users_dec"]),
                reserve=given["reserve"],
                line_ids=given.get("lines"),
            )
        except (selectors.NoCoverageRules, CoverageRulesIncomplete) as exc:
            return Response({"on": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except selectors.UnknownLines as exc:
            return Response({"lines": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CoverageAnswerSerializer(answer.as_dict()).data)


class InsuranceLineListView(ThrottleUnauthenticated, APIView):
    """Registered insurance lines, by kind and the date they are in force on."""

    permission_classes = [permissions.IsAuthenticated, CanViewLines]

    @extend_schema(
        parameters=[LineQuerySerializer],
        responses={200: InsuranceLineSerializer(many=True)},
        summary="보험 계약 목록",
    )
    def get(self, request: Request) -> Response:
        query = LineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind = query.validated_data.get("kind")
        on = query.validated_data.get("on")
        if on is not None:
            lines = selectors.lines_in_force(on, kind=kind)
        else:
            lines = selectors.all_lines(kind=kind)
        return Response(InsuranceLineSerializer(lines, many=True).data)
