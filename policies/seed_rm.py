"""The RM incident taxonomy of version 1: the 4 categories (1depth) and 40 subtypes (2depth) of
seed 003 (사고가이드 RM 기준), with the seed's definitions as help text, the insurance exemptions
(면책) marked, and SLA targets per category and severity in business hours.

Codes follow ../shared/DOMAIN.md §3. The seed states no SLA; the targets below are the RM
team's starting values (policy data: a manager changes them in a new version). Loaded by a data
migration from the frozen `policies/migrations/rm_taxonomy_v1.json` (a test keeps the two equal)
and by `policies.services.load_seed_book`.
"""

from typing import Any

# Business hours to the SLA target, per severity (critical, high, medium, low).
SEXUAL_SLA = (2, 4, 8, 16)
CRIMINAL_SLA = (2, 4, 8, 16)
INSURANCE_SLA = (4, 8, 16, 24)
OTHER_SLA = (8, 16, 24, 40)


# 사고다발 (seed 003: "1년간 카카오T 대리 운행 내역 중 3건 이상의 사고 또는 1건 이상의 중과실
# 사고"). Accidents are the subtypes that are a vehicle accident of the ride: the 보험 사고
# subtypes (each is an accident the insurance answers for, or refuses) and 사고미처리_뺑소니 (an
# accident, then leaving). Not accidents: crimes and conduct without a crash (폭행, 기사
# 음주운전 "사고가 없는 경우", 위협_보복운전…), a provider's own injury, and 사고다발 itself.
# Gross negligence (중과실) follows the road traffic law's gravest faults among them: driving
# drunk (음주운전 사고), without a licence (무면허) and leaving the scene (사고미처리_뺑소니).
ACCIDENTS = {
    "hit_and_run",
    "over_limit",
    "autonomous",
    "dui_accident",
    "unlicensed",
    "unregistered_driver",
    "not_started_or_ended_early",
    "misfuel",
    "delivery_without_customer",
    "bike_defect",
    "bike_not_riding",
    "major",
    "other_exempt",
    "accident_denied",
}
GROSS_NEGLIGENCE = {"dui_accident", "unlicensed", "hit_and_run"}


def sub(code: str, label: str, definition: str, *, exempt: bool = False) -> dict[str, Any]:
    return {
        "code": code,
        "label": label,
        "definition": definition,
        "insurance_exempt": exempt,
        "accident": code in ACCIDENTS,
        "gross_negligence": code in GROSS_NEGLIGENCE,
    }


def category(
    code: str,
    label: str,
    sla: tuple[int, int, int, int],
    subtypes: list[dict[str, Any]],
    *,
    sensitive: bool = False,
    share_when_media: bool = False,
) -> dict[str, Any]:
    critical, high, medium, low = sla
    return {
        "code": code,
        "label": label,
        "sensitive": sensitive,
        "share_when_media": share_when_media,
        "sla_critical_hours": critical,
        "sla_high_hours": high,
        "sla_medium_hours": medium,
        "sla_low_hours": low,
        "subtypes": [{**s, "order": n * 10} for n, s in enumerate(subtypes, start=1)],
    }


# Seed 003, in the seed's order.
CATEGORIES: list[dict[str, Any]] = [
    category(
        "sexual",
        "성민감",
        SEXUAL_SLA,
        [
            sub(
                "harassment",
                "성희롱",
                "상대방에게 사적만남 또는 성관계 언급 및 신체언급(욕설포함)등 언어적 성희롱을 하여 "
                "성적인 불쾌감과 굴욕감을 느끼게 한 경우",
            ),
            sub(
                "indecency",
                "음란행위의심",
                "서비스 수행 공간에서 성적인 행위로 의심되는 "
                "행동으로 성적인 불쾌감과 불안감을 주는 경우",
            ),
            sub(
                "private_contact",
                "사적연락",
                "유저가 서비스 이용 중 습득한 타인의 개인정보를 성민감 이슈를 발생시키는 목적으로 "
                "불법/무단 활용하여 연락 하는 경우",
            ),
            sub(
                "filming_exposure",
                "무단촬영_신체노출",
                "유저가 서비스 중 또는 서비스 이후 상대방의 "
                "신체를 촬영 또는 본인의 신체 주요부위를 "
                "노출 하는 행위",
            ),
            sub(
                "molestation",
                "성추행",
                "유저가 상대방에게 강제로 성적인 수치/혐오의 감정을 느끼게 하는 모든 행위"
                "(신체접촉, 강제탈의 등)",
            ),
            sub(
                "assault", "성폭행", "유저가 상대방의 동의 없이 일방적으로 성관계를 강요 하는 행위"
            ),
        ],
        # Seed 003: these cases hold sensitive personal data (DOMAIN §3).
        sensitive=True,
        # Seed 003 (상세내용): shared with the brand-risk contact when media or a public agency
        # is involved; the same for insurance below.
        share_when_media=True,
    ),
    category(
        "criminal",
        "형사 신고",
        CRIMINAL_SLA,
        [
            sub(
                "violence",
                "폭행",
                "유저간에 발생하는 모든 폭력행위(기사 → 고객, "
                "고객 → 기사, 상호폭행 모두 발생 가능)",
            ),
            sub(
                "theft",
                "도난",
                "주로 차량 내 보관품 등 고객 소유의 물품을 대리기사가 임의로 취득 하는 경우"
                "(지갑, 현금, 거치대 등)",
            ),
            sub("dui_abetting", "음주운전 방조", "대리 기사가 고객의 음주운전을 방조하는 행위"),
            sub(
                "hit_and_run",
                "사고미처리_뺑소니",
                "대인 사고 발생 후 구호 및 적절한 조치 없이 현장을 이탈하는 행위",
            ),
            sub(
                "threat_road_rage",
                "위협_보복운전",
                "강압적인 행위로 상대방이 공포감 혹은 두려움을 "
                "느끼게 하는 행위, 난폭_보복 운전으로 "
                "수사 기관에 신고 되는 경우",
            ),
            sub(
                "identity_theft",
                "명의도용_임의동행",
                "공급자로 등록된 유저의 계정으로 제 3자가 서비스를 제공하는 것이 확인되는 경우",
            ),
            sub(
                "drugs_quarantine",
                "약물_방역위반",
                "약물 투여 상태의 운전이 의심되는 상황이나 약물 배송 등의 약물 관련 형사 사고 및 "
                "방역 수칙을 위반하였다 적발 된 경우",
            ),
            sub(
                "pii_collection",
                "개인정보 무단수집",
                "유저가 서비스 이용 중 타 유저의 개인정보를 사적 용도를 위해 불법으로 무단 수집 및 "
                "활용하는 경우",
            ),
            sub(
                "driver_dui",
                "기사 음주운전",
                "기사가 음주상태로 운전을 하였다 의심되는 상황 및 음주운전 적발은 되었으나 사고가 "
                "없는 경우",
            ),
            sub("other_felony", "기타 중범죄", "기타 중대 형사 범죄 발생 시"),
            sub(
                "safe_driving_breach",
                "안전운전 의무위반",
                "교통약자보호구역에서 안전 운전 의무를 위반하거나, 운전 중 영상시청 및 휴대폰을 "
                "사용하는 행위",
            ),
            sub(
                "provider_injury",
                "공급자 상해사고",
                "이용자간의 폭행 상해가 아닌 반려견 물림 또는 기타 이유로 인한 공급자 상해 사고건",
            ),
            sub(
                "embezzlement",
                "점유물 이탈 횡령",
                "차량소유자의 차량 및 부품, 부속품 등을 의도적으로 이탈 및 횡령하는 행위 "
                "(탁송 이슈로 인한 신규유형)",
            ),
        ],
    ),
    category(
        "insurance",
        "보험 사고",
        INSURANCE_SLA,
        [
            sub(
                "over_limit",
                "보상한도 초과",
                "사고로 인해 발생한 피해가 모빌리티가 제공하는 보험의 보상한도를 초과하는 경우"
                "(외제차, 고급차, 대량피해 등)",
            ),
            sub(
                "autonomous",
                "자율주행 사고",
                "자율주행 서비스 중 발생 하는 차량 내외 접촉, 대인 및 부담보 피해 사고",
            ),
            sub(
                "dui_accident",
                "음주운전 사고",
                "기사 음주 상태에서 사고 발생, 보험 면책 사고",
                exempt=True,
            ),
            sub(
                "unlicensed",
                "무면허",
                "기사 면허정지/취소 상태에서 사고 발생, 보험 면책 사고",
                exempt=True,
            ),
            sub(
                "unregistered_driver",
                "미등록 기사 운행",
                "기사로 등록되지 않은 제 3자가 운전 하는 상태에서 사고 발생, 보험 면책 사고",
                exempt=True,
            ),
            sub(
                "not_started_or_ended_early",
                "운행 미시작_임의종료",
                "건당보험 기사가 기사앱에서 '운행시작'을 입력하기 전(보험개시 전) 상태 및 "
                "운행종료 전 미터기 임의종료 후 사고 발생, 보험 면책 사고",
                exempt=True,
            ),
            sub(
                "misfuel",
                "혼유",
                "기사의 과실로 인해 잘못된 유종이 차량에 주입되어 "
                "발생하는 차량 고장, 보험 면책 사고",
                exempt=True,
            ),
            sub(
                "delivery_without_customer",
                "탁송 사고",
                "고객이 동승하지 않은 채 운행하는 대리 운전 행위로 사고, 보험 면책 사고 "
                "(탁송서비스 제외)",
                exempt=True,
            ),
            sub(
                "bike_defect",
                "바이크 기기결함",
                "바이크 운행 중 발생한 사고의 원인이 기기결함인것을 사업팀으로 부터 확인한 경우",
            ),
            sub(
                "bike_not_riding",
                "바이크 비운행 사고",
                "바이크 비운행중 대인 및 대물사고가 발생한 경우",
            ),
            sub("major", "중대형 사고", "사망, 중상, 고액 피해가 발생하여 이슈화가 우려되는 사고"),
            sub(
                "other_exempt",
                "기타면책 사고",
                "(귀책 여부와 관계없이) 모빌리티에서 제공하는 "
                "보험 중 보상항목에 포함되어 있지 않으나, "
                "발생 가능성이 있는 사고",
            ),
            sub(
                "accident_denied",
                "사고 미인정",
                "유저가 차량 사고 보험접수를 거부하거나, 변제 의사를 보이지 않거나 잠적하는 경우",
            ),
        ],
        share_when_media=True,
    ),
    category(
        "other",
        "기타 이슈",
        OTHER_SLA,
        [
            sub(
                "abnormal_calls",
                "비정상호출_운행",
                "비정상적인 방법으로 앱을 작동하거나 데이터를 변조하여 호출 및 운행함으로써 "
                "부당이득을 챙기는 경우",
            ),
            sub(
                "policy_threat",
                "정책불만 업무방해",
                "정책에 대한 불만을 이유로 분신자살 하겠다며 위협, 사무실 방문 , 악성 민원 및 언론 "
                "유포하겠다며 위협하는 경우",
            ),
            sub(
                "payment_policy",
                "결제정책 민원",
                "택시 서비스수수료 부과 정책, 포인트 환급 정책 등으로 발생하는 등의 결제 정책 불만",
            ),
            sub(
                "service_outage",
                "서비스 장애",
                "카카오모빌리티 서비스 장애 발생으로 직접적으로 고객 또는 공급자의 신변, 재산상의 "
                "피해가 확인 될 때 및 대규모 결제장애도 포함",
            ),
            sub(
                "general_dispute",
                "일반 분쟁",
                "유저간 상호 상반된 주장으로 인해 분쟁이 발생하는 경우로 대부분 어느 일방의 "
                "운영정책 위반에서 기인함",
            ),
            sub("new_service", "신규 서비스 민원", "새로 시작된 서비스 관련 민원"),
            sub(
                "industrial_injury",
                "산재이슈",
                "서비스 이용 간 발생한 회원 상해 등의 산재처리 관련 요청 시",
            ),
            sub(
                "repeat_accidents",
                "사고다발",
                "대리기사의 1년간 카카오T 대리 운행 내역 중 3건 이상의 사고 또는 1건 이상의 "
                "중과실 사고가 확인될 경우",
            ),
        ],
    ),
]
CATEGORIES = [{**c, "order": n * 10} for n, c in enumerate(CATEGORIES, start=1)]


def as_json() -> str:
    """The taxonomy as the frozen file the migration loads
    (policies/migrations/rm_taxonomy_v1.json)."""
    import json

    return json.dumps(CATEGORIES, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    # python -m policies.seed_rm > policies/migrations/rm_taxonomy_v1.json
    print(as_json(), end="")
