"""The personal-information liability rule as dated versions, and the demo insurance lines.

v1 is seed 004 (방송통신위원회 안내, as the law stood when the duty began on 2019-06-13) and
DOMAIN.md §6 exactly. v2 is the March 2024 amendment (개인정보 보호법 제39조의7, 시행령
제48조의7, 별표 1의4, in force 2024-03-15): only its thresholds come from the spec (revenue
≥ 1,000,000,000원, ≥ 10,000 users), so the lowest bands start there; the amounts are carried
over from v1 unchanged.

Bounds are inclusive integers: "r > 80,000,000,000" is minimum 80,000,000,001 (revenue is whole
원), "1,000-99,999" users is minimum 1,000 and maximum 99,999 (the daily average is floored).

Loaded by a data migration from the frozen `policies/migrations/coverage_rules_v1.json` (a test
keeps the two equal) and by `policies.insurance_services.load_coverage_rules`.
"""

from typing import Any

FINE = 20_000_000
BILLION = 100_000_000  # 억

REVENUE_TOP = {
    "axis": "revenue",
    "code": "revenue_top",
    "label": "800억 원 초과",
    "minimum": 800 * BILLION + 1,
    "maximum": None,
    "order": 1,
}
REVENUE_MID = {
    "axis": "revenue",
    "code": "revenue_mid",
    "label": "50억 원 초과 800억 원 이하",
    "minimum": 50 * BILLION + 1,
    "maximum": 800 * BILLION,
    "order": 2,
}
USERS_TOP = {
    "axis": "users",
    "code": "users_top",
    "label": "100만 명 이상",
    "minimum": 1_000_000,
    "maximum": None,
    "order": 1,
}
USERS_MID = {
    "axis": "users",
    "code": "users_mid",
    "label": "10만 명 이상 100만 명 미만",
    "minimum": 100_000,
    "maximum": 999_999,
    "order": 2,
}

# (users band code, revenue band code) -> minimum cover (원): seed 004's table, DOMAIN §6.
AMOUNTS: dict[tuple[str, str], int] = {
    ("users_top", "revenue_top"): 1_000_000_000,
    ("users_top", "revenue_mid"): 500_000_000,
    ("users_top", "revenue_low"): 200_000_000,
    ("users_mid", "revenue_top"): 500_000_000,
    ("users_mid", "revenue_mid"): 200_000_000,
    ("users_mid", "revenue_low"): 100_000_000,
    ("users_low", "revenue_top"): 200_000_000,
    ("users_low", "revenue_mid"): 100_000_000,
    ("users_low", "revenue_low"): 50_000_000,
}


def _minimums() -> list[dict[str, Any]]:
    return [
        {"users_band": users, "revenue_band": revenue, "amount": amount}
        for (users, revenue), amount in AMOUNTS.items()
    ]


VERSIONS: list[dict[str, Any]] = [
    {
        "number": 1,
        "title": "개인정보 손해배상책임 보장제도 (종전 기준)",
        "legal_basis": "정보통신망법 제32조의3, 시행령 제19조의2·제19조의3 (2019-06-13 시행)",
        "effective_from": "2019-06-13",
        "effective_to": "2024-03-14",
        "revenue_minimum": 50_000_000,
        "users_minimum": 1_000,
        "average_days": 92,
        "fine": FINE,
        "note": "seed 004: 전년도 매출액 5천만 원 이상, 전년도 10~12월 일일평균 이용자 1천 명 "
        "이상(10~12월 이용자 수 합 ÷ 92, 탈퇴·휴면 포함, 임직원 제외).",
        "bands": [
            REVENUE_TOP,
            REVENUE_MID,
            {
                "axis": "revenue",
                "code": "revenue_low",
                "label": "5천만 원 이상 50억 원 이하",
                "minimum": 50_000_000,
                "maximum": 50 * BILLION,
                "order": 3,
            },
            USERS_TOP,
            USERS_MID,
            {
                "axis": "users",
                "code": "users_low",
                "label": "1천 명 이상 10만 명 미만",
                "minimum": 1_000,
                "maximum": 99_999,
                "order": 3,
            },
        ],
        "minimums": _minimums(),
    },
    {
        "number": 2,
        "title": "개인정보 손해배상책임 보장제도 (2024년 3월 개정)",
        "legal_basis": "개인정보 보호법 제39조의7, 시행령 제48조의7, 별표 1의4 (2024-03-15 시행)",
        "effective_from": "2024-03-15",
        "effective_to": None,
        "revenue_minimum": 10 * BILLION,
        "users_minimum": 10_000,
        "average_days": 92,
        "fine": FINE,
        "note": "적용 대상 기준(매출액 10억 원 이상, 일일평균 이용자 1만 명 이상)만 개정 내용이며, "
        "최저가입금액은 종전 표를 그대로 옮겼습니다(가장 낮은 구간의 하한만 새 기준으로).",
        "bands": [
            REVENUE_TOP,
            REVENUE_MID,
            {
                "axis": "revenue",
                "code": "revenue_low",
                "label": "10억 원 이상 50억 원 이하",
                "minimum": 10 * BILLION,
                "maximum": 50 * BILLION,
                "order": 3,
            },
            USERS_TOP,
            USERS_MID,
            {
                "axis": "users",
                "code": "users_low",
                "label": "1만 명 이상 10만 명 미만",
                "minimum": 10_000,
                "maximum": 99_999,
                "order": 3,
            },
        ],
        "minimums": _minimums(),
    },
]

# Demo lines for `seed_demo` (policies/demo.py): a plausible programme for a platform company,
# renewed every calendar year. Insurers and numbers are made up.
DEMO_LINES: list[dict[str, Any]] = [
    {
        "kind": "privacy_liability",
        "insurer": "한빛화재해상보험",
        "number_prefix": "PI",
        "limit": 1_000_000_000,
        "deductible": 10_000_000,
        "note": "개인정보보호배상책임보험(Ⅱ). 법정 최저가입금액(이용자 100만 명 이상·매출 800억 "
        "원 초과 구간)에 맞춤.",
    },
    {
        "kind": "e_finance_liability",
        "insurer": "한빛화재해상보험",
        "number_prefix": "EF",
        "limit": 2_000_000_000,
        "deductible": 5_000_000,
        "note": "전자금융거래법 제9조 의무보험. 카카오T 페이 결제.",
    },
    {
        "kind": "ebiz_liability",
        "insurer": "누리손해보험",
        "number_prefix": "EB",
        "limit": 3_000_000_000,
        "deductible": 50_000_000,
        "note": "임의보험. 인터넷·네트워크 활동에 기인한 제3자 배상.",
    },
    {
        "kind": "int_eo",
        "insurer": "누리손해보험",
        "number_prefix": "EO",
        "limit": 5_000_000_000,
        "deductible": 100_000_000,
        "note": "데이터센터 운영사 가입 계약(피보험자 추가). 서비스 중단에 따른 전문직 배상.",
    },
    {
        "kind": "cgl",
        "insurer": "누리손해보험",
        "number_prefix": "GL",
        "limit": 1_000_000_000,
        "deductible": 1_000_000,
        "note": "데이터센터 운영사 영업배상책임. 화재 등 시설 사고.",
    },
]


def as_json() -> str:
    """The versions as the frozen file the migration loads
    (policies/migrations/coverage_rules_v1.json)."""
    import json

    return json.dumps(VERSIONS, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    # python -m policies.seed_insurance > policies/migrations/coverage_rules_v1.json
    print(as_json(), end="")
