"""Account penalty rules of version 1: the 트루카 penalty table of seed 003 (second table,
트루카 약관정책) and the penalties the 대리 matrix of seed 002 names, as policy data.

Codes follow ../shared/DOMAIN.md §4 (트루카) and the matrix's penalty codes (대리). Loaded by a
data migration from the frozen `policies/migrations/penalties_v1.json` (a test keeps the two
equal) and by `policies.services.load_seed_book`.
"""

from typing import Any


def rule(
    code: str,
    kind: str,
    name: str,
    action: str,
    *,
    count: int | None = 1,
    amount: int | None = None,
    window_days: int | None = None,
    scope: str = "",
    duration_days: int | None = None,
    lift_condition: str = "",
    notes: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "name": name,
        "action": action,
        "threshold_count": None if amount is not None else count,
        "threshold_amount": amount,
        "window_days": window_days,
        "scope": scope,
        "duration_days": duration_days,
        "lift_condition": lift_condition,
        "notes": notes,
    }


T = "truka_member"
BAN = "permanent_ban"


def until(code: str, name: str, condition: str, notes: str) -> dict[str, Any]:
    # A 트루카 "일시정지" stops the membership, so every service of the app.
    return rule(code, T, name, "suspend_until", scope="app", lift_condition=condition, notes=notes)


# Seed 003, 트루카 약관정책: 항목 / 내용 / 조치사항, in the seed's order. No window is written
# anywhere in the table ("누적"), so every count is over the account's whole history.
TRUKA: list[dict[str, Any]] = [
    rule(
        "smoking_reported",
        T,
        "운영 차량 내 흡연 제보 수신·적발 (일반/전자담배, 흡연간주 행위 포함)",
        BAN,
        notes="1회 적발 시 영구정지",
    ),
    rule("smoking_traces", T, "차량 내 흡연 냄새·흔적", BAN, count=2, notes="2회 누적 시 영구정지"),
    rule(
        "pet_without_carrier",
        T,
        "반려동물 캐리어 미탑승 상태 제보 수신",
        BAN,
        notes="1회 적발 시 영구정지",
    ),
    rule(
        "dirt",
        T,
        "반려동물 오염물(털, 배설물 등), 쓰레기, 기타 오염물",
        BAN,
        count=3,
        notes="3회 누적 시 영구정지",
    ),
    rule(
        "amenity_abuse",
        T,
        "비치품·서비스 부정사용 "
        "(주유카드 남용, 이용 차량이 아닌 사진 전송으로 포인트 부정 적립 등)",
        "warning_and_review",
        notes="경고 조치 및 회원 자격 재심사",
    ),
    until(
        "info_mismatch",
        "회원 정보 불일치 (휴대전화번호, 면허정보 등 기본 회원정보)",
        "info_corrected",
        "정상 정보 반영 시점까지 일시정지",
    ),
    until(
        "unpaid_fees",
        "미납 요금 발생 (서비스 이용요금, 페널티 비용)",
        "fees_paid",
        "미납금 완납 시점까지 일시정지",
    ),
    until(
        "accident_open",
        "차량 이용 중 사고 발생 (사고 발생 ~ 수리 종료)",
        "accident_closed",
        "사고종료 처리 시점까지 일시정지",
    ),
    rule(
        "accident_loss_2m",
        T,
        "차량 이용 중 사고 손해액 누적 2백만원 이상",
        "review_or_ban",
        amount=2_000_000,
        notes="회원자격 재심사 또는 영구정지. 위반마다 그 사고의 손해액(원)을 기록합니다.",
    ),
    rule(
        "accident_count",
        T,
        "차량 이용 중 사고 발생 횟수 누적",
        "review_or_ban",
        count=2,
        notes="2회 이상 누적 시 회원자격 재심사 또는 영구정지",
    ),
    rule(
        "major_accident",
        T,
        "차량 이용 중 중대사고 발생 및 이용자격 미준수",
        BAN,
        notes="영구정지",
    ),
    rule("unreported_accident", T, "이용기간 내 자동차 사고 및 파손 미신고", BAN),
    rule(
        "ineligible",
        T,
        "이용자격 부적합 (명의도용, 미성년자, 음주 및 약물 복용 운행)",
        BAN,
    ),
    rule("third_party_driver", T, "지정 운전자 이외 제3자, 동승운전자의 단독운행", BAN),
    rule(
        "criminal_investigation",
        T,
        "범법행위 적발 및 대외 기관을 통한 수사 공문 수신",
        "review_or_ban",
        notes="회원 자격 재심사 또는 영구정지",
    ),
    rule(
        "penalty_clause",
        T,
        "자동차 대여약관 제28조(페널티 제도) 위반",
        "review",
        notes="위반사항 발생 시 회원 자격 재심사",
    ),
    rule(
        "equipment_theft",
        T,
        "차량옵션 도난·고의 파손 (내비게이션, 후방카메라, 블랙박스, SD카드 등)",
        BAN,
    ),
    rule("late_return_6h", T, "고의 반납지연 6시간 이상", BAN),
    rule("unauthorized_use", T, "차량 부정사용 (임의 운행)", BAN),
    rule(
        "illegal_use",
        T,
        "대여차량 불법·비정상 용도 사용 (자동차 대여약관 제31조 금지행위, 불법 정비·분해·점검 등)",
        "review_or_ban",
        notes="회원 자격 재심사 또는 영구정지",
    ),
]

# Seed 002: the penalties the matrix rows name (policies.models.Penalty), counted per account.
DAERI: list[dict[str, Any]] = [
    rule(
        "driver_reservation_ban_7d",
        "driver",
        "예약콜 NoShow·출발시간 30분 초과 지각 (7일 예약콜 수락 불가)",
        "suspend_for",
        scope="reservation_calls",
        duration_days=7,
        notes="위반마다 결정 시점부터 7일",
    ),
    rule(
        "driver_permanent_suspension_on_3rd",
        "driver",
        "예약콜 NoShow 3회 누적 (계정 영구 정지)",
        BAN,
        count=3,
        notes="NoShow마다 기록하고, 계정 이력 전체에서 3번째에 영구 정지",
    ),
    rule(
        "customer_app_suspension",
        "customer",
        "보상 제안(2차·3차) 거부 시 T앱 고객 정지",
        "suspend_until",
        scope="app",
        notes="관리자 또는 RM이 사유와 함께 해제할 때까지",
    ),
    rule(
        "premium_driver_penalty_request",
        "driver",
        "프리미엄 기사 패널티 요청 (운전조작미숙, 난폭, 복장 불량 등)",
        "review",
        notes="RM 재심사 (엔젤에 기사 패널티 요청)",
    ),
    rule("driver_parking_refusal_penalty", "driver", "주차 거부 기사 패널티", "review"),
    rule(
        "driver_penalty",
        "driver",
        "기사 페널티 (욕설 등 태도, 타기사 운행)",
        "review",
        notes="증빙된 경우. 경찰신고 안내",
    ),
    rule(
        "driver_temporary_hold",
        "driver",
        "음주의심 운행 중단 기사 일시정지 (음주 소명 시 해제)",
        "suspend_until",
        scope="app",
        notes="음주 아님이 소명되면 관리자 또는 RM이 사유와 함께 해제",
    ),
]

PENALTY_RULES: list[dict[str, Any]] = [
    {**spec, "order": order * 10} for order, spec in enumerate([*TRUKA, *DAERI], start=1)
]


def as_json() -> str:
    """The rules as the frozen file the migration loads (policies/migrations/penalties_v1.json)."""
    import json

    return json.dumps(PENALTY_RULES, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    # python -m policies.seed_penalties > policies/migrations/penalties_v1.json
    print(as_json(), end="")
