"""Relief API shapes (issue 13's contract: names and shapes exactly as written there)."""

from rest_framework import serializers

from claims.relief.masking import masked_business_number
from claims.relief.models import DamageClass, ReliefApplication, ReliefImport
from incidents.masking import mask_name
from policies.models import AccountKind, ReliefChannel, ReliefSegment

MAX_SMALL = 32767  # PositiveSmallIntegerField
MAX_LOSS = 2**63 - 1  # 원, PositiveBigIntegerField


def _visible_ascii(value: str) -> None:
    # Ids travel in payout keys and HTTP headers: visible ASCII only.
    if not value or not all("!" <= ch <= "~" for ch in value):
        raise serializers.ValidationError("공백 없는 영문·숫자·기호만 쓸 수 있습니다.")


class ReliefApplicantSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AccountKind.choices, help_text="계정 종류")
    external_id = serializers.CharField(max_length=64, validators=[_visible_ascii])
    name = serializers.CharField(max_length=100)
    business_number = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="사업자등록번호 10자리(하이픈 허용). 소상공인·기업은 필수.",
    )


class ReliefApplicationCreateSerializer(serializers.Serializer):
    program = serializers.CharField(max_length=40, help_text="프로그램 코드, 예: outage-1015")
    segment = serializers.ChoiceField(choices=ReliefSegment.choices)
    applicant = ReliefApplicantSerializer()
    reported_loss = serializers.IntegerField(
        min_value=0,
        max_value=MAX_LOSS,
        required=False,
        allow_null=True,
        default=None,
        help_text="원. 손실 구간으로 판정하는 대상(소상공인)은 필수이며 0도 됩니다.",
    )
    damage = serializers.ChoiceField(choices=DamageClass.choices)
    channel = serializers.ChoiceField(choices=ReliefChannel.choices)
    submitted_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="ISO 8601. 비우면 지금."
    )
    saturdays_worked = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True, default=None,
        help_text="기사: 기준 기간의 토요일 근무 일수",
    )  # fmt: skip
    nights_worked = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True, default=None,
        help_text="기사: 지정 야간 근무 일수",
    )  # fmt: skip


class ReliefGrantOutSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    amount = serializers.IntegerField(allow_null=True, help_text="원 (금액 지급수단)")
    count = serializers.IntegerField(allow_null=True, help_text="개 또는 개월 (수량 지급수단)")


class ReliefApplicationCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReliefApplication.Status.choices)
    grants = ReliefGrantOutSerializer(many=True)
    duplicate_of = serializers.IntegerField(allow_null=True)


def created_payload(application: ReliefApplication) -> dict[str, object]:
    return {
        "id": application.pk,
        "status": application.status,
        "grants": [
            {"instrument": g.instrument, "amount": g.amount, "count": g.count}
            for g in application.grants.all()
        ],
        "duplicate_of": application.duplicate_of_id,
    }


class ReliefApplicantOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    external_id = serializers.CharField()
    name = serializers.CharField(help_text="가림 처리된 이름")
    business_number = serializers.CharField(help_text="가림 처리된 사업자등록번호(123-45-*****)")


class ReliefApplicationListItemSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code")
    program_version = serializers.IntegerField(source="program_version.number")
    applicant = serializers.SerializerMethodField()
    grants = serializers.SerializerMethodField()

    class Meta:
        model = ReliefApplication
        fields = [
            "id",
            "program",
            "program_version",
            "segment",
            "reporter_type",
            "applicant",
            "reported_loss",
            "damage",
            "channel",
            "submitted_at",
            "saturdays_worked",
            "nights_worked",
            "status",
            "duplicate_of",
            "grants",
            "created_at",
        ]

    def get_applicant(self, obj: ReliefApplication) -> ReliefApplicantOutSerializer:
        return {  # type: ignore[return-value]
            "kind": obj.applicant_kind,
            "external_id": obj.applicant_external_id,
            "name": mask_name(obj.applicant_name),
            "business_number": masked_business_number(obj.business_number),
        }

    def get_grants(self, obj: ReliefApplication) -> ReliefGrantOutSerializer(many=True):  # type: ignore[valid-type]
        return [
            {"instrument": g.instrument, "amount": g.amount, "count": g.count}
            for g in obj.grants.all()
        ]


class ReliefWindowOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    start_date = serializers.DateField(help_text="한국 시간 날짜(포함)")
    end_date = serializers.DateField(help_text="한국 시간 날짜(포함)")
    channels = serializers.ListField(child=serializers.CharField())
    segments = serializers.ListField(child=serializers.CharField())


class ReliefProgramSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField(help_text="게시된 버전 번호")
    outage_start = serializers.DateTimeField()
    outage_end = serializers.DateTimeField()
    services = serializers.CharField()
    segments = serializers.ListField(child=serializers.CharField())
    budget = serializers.IntegerField(help_text="원")
    windows = ReliefWindowOutSerializer(many=True)


class ReliefShareSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="퍼센트, 소수 첫째 자리")


class ReliefBreakdownSerializer(serializers.Serializer):
    program = serializers.CharField()
    total = serializers.IntegerField(help_text="중복을 뺀 신청 수")
    duplicates = serializers.IntegerField()
    reporter_types = ReliefShareSerializer(many=True)
    damage_classes = ReliefShareSerializer(many=True)


class ReliefImportInputSerializer(serializers.Serializer):
    program = serializers.CharField(max_length=40, help_text="프로그램 코드")
    file = serializers.FileField(help_text="UTF-8 CSV, 헤더 행 포함")


class ReliefImportSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code")
    progress_percent = serializers.IntegerField()
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = ReliefImport
        fields = [
            "id",
            "program",
            "original_name",
            "status",
            "stage",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "imported",
            "duplicates",
            "rejected",
            "error_message",
            "errors_url",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_errors_url(self, obj: ReliefImport) -> str | None:
        if obj.status != ReliefImport.Status.DONE:
            return None
        return f"/api/v1/relief/imports/{obj.pk}/errors.csv"
