"""The 대리 compensation matrix of seed 002, as the policy book's version 1.

This is data, loaded once by a data migration (and by `load_policy_book`); from then on the
book lives in the database and managers change it through new versions. Codes follow
../shared/DOMAIN.md §2. Row conditions use the facts of `policies.facts`.
"""

from typing import Any

VERSION: dict[str, Any] = {
    "number": 1,
    "title": "카카오 T 대리 보상정책 (seed 002)",
    "note": "관리자 전용 대리 보상정책 문서를 옮긴 최초 버전.",
    "coupon_unit": 5000,
    "coupon_minimum": 5000,
    "coupon_validity_days": 60,
    "driver_commission_percent": 20,
    "points_memo": "기사님 힘내세요",
}

# 요금 하향 구간: difference (call amount − actual fare) up to the bound, inclusive.
FARE_BANDS: list[dict[str, Any]] = [
    {"upper_bound": 50_000, "percent": 50},
    {"upper_bound": 100_000, "percent": 30},
    {"upper_bound": 200_000, "percent": 20},
    {"upper_bound": None, "percent": 10},
]


def c(fact: str, op: str, value: int | bool) -> dict[str, Any]:
    return {"fact": fact, "op": op, "value": value}


def care(note: str = "보상불가 (고객케어)") -> dict[str, Any]:
    return {"kind": "care_only", "note": note}


def coupon(amount: int, note: str = "", **extra: Any) -> dict[str, Any]:
    return {"kind": "fixed", "instrument": "coupon", "amount": amount, "note": note, **extra}


def points(amount: int, note: str = "") -> dict[str, Any]:
    return {"kind": "fixed", "instrument": "points", "amount": amount, "note": note}


def coupon_range(low: int, high: int, note: str = "") -> dict[str, Any]:
    return {
        "kind": "range",
        "instrument": "coupon",
        "amount": low,
        "amount_max": high,
        "note": note,
    }


def fare_points(basis: str, note: str) -> dict[str, Any]:
    # A fare paid as points: the evaluator takes the version's driver commission off.
    return {
        "kind": "percent_of_fare",
        "instrument": "points",
        "percent": 100,
        "basis": basis,
        "note": note,
    }


def pro_vouchers(count: int, note: str = "프단권 3장") -> dict[str, Any]:
    return {"kind": "vouchers", "instrument": "pro_voucher", "vouchers": count, "note": note}


def action(*codes: str, note: str = "", basis: str = "", percent: int | None = None) -> dict:
    out: dict[str, Any] = {"kind": "payment_action", "actions": list(codes), "note": note}
    if basis:
        out.update(basis=basis, percent=percent if percent is not None else 100)
    return out


def band(note: str = "기사 협의 실운행료 + (호출과 실운행료 차액 × 구간 비율)") -> dict[str, Any]:
    return {"kind": "fare_adjustment", "actions": ["recharge"], "note": note}


def discuss(instrument: str = "", note: str = "논의 필요") -> dict[str, Any]:
    return {"kind": "needs_discussion", "instrument": instrument, "note": note}


def premium_tiers() -> dict[int, dict]:
    # Both premium rows (≤ 50,000 and above) differ only in their notes.
    coupon_10 = {
        "kind": "percent_of_fare",
        "instrument": "coupon",
        "percent": 10,
        "basis": "premium_fare",
        "note": "엔젤에 기사 패널티 요청, 프리미엄쿠폰(운임료 10%)",
    }
    return {
        1: care(),
        2: coupon_10,
        3: action("recharge", basis="economy_fare", note="착한요금으로 조정"),
    }


def row(
    target: str,
    fault: str,
    tiers: dict[int, dict],
    *,
    detail: str = "",
    conditions: list | None = None,
    penalties: list | None = None,
    notes: str = "",
) -> dict:
    return {
        "target": target,
        "fault": fault,
        "detail": detail,
        "conditions": conditions or [],
        "penalties": penalties or [],
        "notes": notes,
        "tiers": tiers,
    }


FARE_DOWN_NOTE = (
    "기사 협의 시 차액에 따라 비율 조절 가능. 현재 스펙: 직접입력 시 이코노미(착한요금)의 "
    "0.7배~4배까지 입력 가능, 10만원 이상 콜은 알림톡 발송 및 앱 확인 문구 노출."
)
CS_DISPUTE_GUIDE = (
    "(1차) 기사와 협의. [협의 불가 시] 추가 호출 전: 실운행료로 조정, 추가 호출이 필요하면 "
    "쿠폰 지급. 추가 호출 후: 첫 콜을 실운행료로 조정, 추가 불만 시 최초 호출금액과 최종 "
    "결제금액이 같도록 강제할인."
)

RULES: list[dict[str, Any]] = [
    # 호출/배정 ---------------------------------------------------------------------------
    {
        "code": "dispatch.reservation_not_accepted",
        "name": "(예약콜) 기사 미수락",
        "rows": [
            row(
                "customer",
                "none",
                {1: care()},
                detail="예약시간 2시간 전 호출",
                notes="지급수단: 쿠폰",
            )
        ],
    },
    {
        "code": "dispatch.reservation_no_show",
        "name": "(예약콜) 기사의 NoShow",
        "rows": [
            row(
                "customer",
                "driver",
                {1: action("waive_no_show_fee", note="노쇼수수료 취소"), 2: coupon(10_000)},
                detail="예약시간 30분 초과",
                conditions=[c("minutes_past_reservation", "gt", 30)],
                penalties=["driver_reservation_ban_7d", "driver_permanent_suspension_on_3rd"],
                notes="기사 패널티: 7일 예약콜 수락 불가, 3회 누적 시 계정 영구 정지",
            )
        ],
    },
    {
        "code": "dispatch.reservation_late",
        "name": "(예약콜) 기사의 출발시간 지각",
        "rows": [
            row(
                "customer",
                "driver",
                {1: care(), 2: coupon(5_000)},
                detail="예약시간 30분 미만",
                conditions=[c("late_minutes", "lt", 30)],
            ),
            row(
                "customer",
                "driver",
                {1: care(), 2: coupon(5_000), 3: coupon(10_000)},
                detail="예약시간 30분 초과 (DOMAIN: 30분 이상)",
                conditions=[c("late_minutes", "gte", 30)],
                penalties=["driver_reservation_ban_7d"],
                notes="기사 패널티: 7일 예약콜 수락 불가",
            ),
        ],
    },
    # 운행중 -----------------------------------------------------------------------------
    {
        "code": "in_ride.navigation_driver_fault",
        "name": "내비 경로 안내로 인한 시간 보상 및 실비 보상 요구_기사 과실",
        "rows": [
            row(
                "customer",
                "driver",
                {1: care("(1차) 보상불가 (고객케어), (2차) 기사 확인 후 협의")},
                detail="예상시간 대비 30분 미만",
                conditions=[c("extra_minutes", "lt", 30)],
                notes="미터기 요금(사후경유): 요금 조정",
            ),
            row(
                "customer",
                "driver",
                {1: care("(1차) 보상불가 (고객케어), (2차) 기사 확인 후 협의"), 2: coupon(5_000)},
                detail="예상시간 대비 30분 초과 (DOMAIN: 30분 이상)",
                conditions=[c("extra_minutes", "gte", 30)],
            ),
        ],
    },
    {
        "code": "in_ride.navigation_app_error",
        "name": "내비 경로 안내로 인한 시간 보상 및 실비 보상 요구_내비 오류",
        "rows": [
            row(
                "customer",
                "platform",
                {1: care(), 2: coupon(5_000)},
                detail="예상시간 대비 실 운행 30분 초과",
                conditions=[c("extra_minutes", "gt", 30)],
            ),
            row(
                "driver",
                "platform",
                {1: care("보상불가 (기사케어)"), 2: pro_vouchers(3)},
                detail="예상시간 대비 실 운행 30분 초과",
                conditions=[c("extra_minutes", "gt", 30)],
            ),
        ],
    },
    {
        "code": "in_ride.dui_suspected_partial",
        "name": "음주의심으로 인한 운행 중단 (어느 정도 이동함)",
        "rows": [
            row(
                "customer",
                "none",
                {
                    1: coupon(
                        15_000,
                        "실운행료 100% 결제 + 쿠폰 15,000원",
                        charge_basis="actual_fare",
                        charge_percent=100,
                    ),
                    2: care("음주 아니므로 도움 불가"),
                },
                detail="결과: 음주 아님",
            )
        ],
    },
    {
        "code": "in_ride.dui_suspected_minimal",
        "name": "음주의심으로 인한 운행 중단 (거의 이동안함)",
        "rows": [
            row(
                "customer",
                "none",
                {1: action("cancel_payment", note="결제취소")},
                detail="결과: 음주 아님",
            ),
            row(
                "driver",
                "none",
                {
                    1: care("일시정지 (음주 소명 전까지, 패널티 아님)"),
                    2: points(5_000, "음주 소명 후 포인트 5,000 지급"),
                    3: {
                        "kind": "range",
                        "instrument": "points",
                        "amount": 5_000,
                        "amount_max": 10_000,
                        "note": "Max 10,000 포인트",
                    },
                },
                detail="결과: 음주 아님",
            ),
        ],
    },
    {
        "code": "in_ride.cs_dispute_stopped",
        "name": "CS분쟁으로 인한 운행중단 또는 기사이탈 (취소, 고객의 신고중단)",
        "rows": [
            row(
                "driver",
                "driver_customer",
                {
                    1: fare_points("actual_fare", "실운행료 100% 포인트 지급 (수수료 제외)"),
                    2: fare_points("actual_fare", "실운행료 100% (카모 지급, 수수료 제외)"),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (RM 제외)",
                notes=CS_DISPUTE_GUIDE,
            ),
            row(
                "customer",
                "driver_customer",
                {
                    1: coupon(
                        15_000,
                        "실운행료 100% 재결제 + 쿠폰 15,000원",
                        charge_basis="actual_fare",
                        charge_percent=100,
                        actions=["recharge"],
                    ),
                    2: action("cancel_payment", note="실운행료 0% (재결제 불가)"),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (RM 제외)",
                notes=CS_DISPUTE_GUIDE,
            ),
        ],
    },
    {
        "code": "in_ride.cs_dispute_completed",
        "name": "CS분쟁으로 인한 운행중단 (완료)",
        "rows": [
            row(
                "driver",
                "driver_customer",
                {
                    1: fare_points("actual_fare", "실운행료 100% 포인트 지급 (수수료 제외)"),
                    2: fare_points("actual_fare", "실운행료 100% (카모 지급, 수수료 제외)"),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (RM 제외)",
            ),
            row(
                "customer",
                "driver_customer",
                {
                    1: coupon(
                        15_000,
                        "실운행료 100% + 재호출 쿠폰 15,000원",
                        charge_basis="actual_fare",
                        charge_percent=100,
                        actions=["forced_discount"],
                    ),
                    2: action(
                        "cancel_payment",
                        note="결제 취소. 명백한 고객 귀책의 케이스에는 결제 취소 불가",
                    ),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (RM 제외)",
            ),
        ],
    },
    # 운행완료 ---------------------------------------------------------------------------
    {
        "code": "ride_completed.parking_refused",
        "name": "주차 거부",
        "rows": [
            row(
                "customer",
                "driver",
                {1: coupon(15_000, "실시간: 추가 대리기사 호출용 쿠폰")},
                detail="실시간 (주차를 원하는 상황)",
                conditions=[c("realtime", "eq", True)],
                penalties=["driver_parking_refusal_penalty"],
                notes="완료시간 확인 후 추가 대리기사 호출 필요 여부 문의, 필요 시 15,000원 지급",
            ),
            row(
                "customer",
                "driver",
                {1: care(), 2: coupon(5_000, "단순 클레임")},
                detail="시간이 지난 후 (추가 호출 안 함)",
                conditions=[c("realtime", "eq", False), c("extra_call_made", "eq", False)],
                penalties=["driver_parking_refusal_penalty"],
            ),
            row(
                "customer",
                "driver",
                {
                    1: care(),
                    2: action(
                        "forced_discount", basis="extra_call_fare", note="추가 호출건 강제할인"
                    ),
                },
                detail="시간이 지난 후 (추가 호출함)",
                conditions=[c("realtime", "eq", False), c("extra_call_made", "eq", True)],
                penalties=["driver_parking_refusal_penalty"],
            ),
        ],
    },
    # 요금 -------------------------------------------------------------------------------
    {
        "code": "fare.wrong_origin_destination",
        "name": "운행완료: 출도착지 오설정",
        "rows": [
            row(
                "customer",
                "customer",
                {
                    1: action(
                        "recharge", basis="actual_fare", note="실운행료 100% (호출한 콜타입)"
                    ),
                    2: action(
                        "recharge", basis="economy_fare", note="기사 협의 실운행료 100% (착한요금)"
                    ),
                    3: action(
                        "recharge",
                        basis="economy_fare",
                        percent=80,
                        note="기사 협의 착한요금 실운행료의 80%: 수수료를 제외한 기사 순수익 보장",
                    ),
                },
                detail="요금 상향 필요 시",
                penalties=["customer_app_suspension"],
                notes="3차 거부 시 T앱 고객 정지",
            ),
            row(
                "driver",
                "customer",
                {
                    2: action(
                        "recharge", basis="economy_fare", note="기사 협의 실운행료 100% (착한요금)"
                    ),
                    3: fare_points(
                        "economy_fare", "고객 3차 거부 시 KM 포인트 지급 (착한요금의 80%)"
                    ),
                },
                detail="요금 상향 필요 시",
                notes="기사 설득: 운행한 거리만큼은 기사님께 지급해 드리고자 함",
            ),
        ],
    },
    {
        "code": "fare.wrong_amount_entered",
        "name": "운행완료: 요금 오입력_요금 하향 필요",
        "rows": [
            row(
                "customer",
                "customer",
                {1: care(), 2: band()},
                detail="호출금액과 실운행료의 차액 구간별",
                conditions=[c("fare_difference", "gt", 0)],
                notes=FARE_DOWN_NOTE,
            )
        ],
    },
    {
        "code": "fare.post_waypoint_dispute",
        "name": "운행완료: 사후경유분쟁발생",
        "rows": [
            row(
                "customer",
                "none",
                {
                    1: action(
                        "recharge",
                        basis="calculator_amount",
                        note="실제 요금계산기 금액 확인하여 조정",
                    )
                },
                detail="예) 사후경유콜 + 주차 시 시간 소요로 인한 추가요금",
                notes="CS보상 시트 15번",
            )
        ],
    },
    {
        "code": "fare.route_change_increase",
        "name": "운행완료: 경유지 추가, 목적지 변경_상향 필요",
        "rows": [
            row(
                "customer",
                "driver_customer",
                {1: action("recharge", basis="actual_fare", note="실운행료 100% (호출한 콜타입)")},
                detail="요금 상향 필요 시 (사후경유 안누름)",
                conditions=[c("extra_fare", "gt", 0)],
                penalties=["customer_app_suspension"],
                notes="2차 거부 시 T앱 고객 정지",
            ),
            row(
                "driver",
                "driver_customer",
                {
                    2: care(
                        "보상불가 (기사케어): 고객이 지불 거부하여 도움 불가, 고객 패널티 안내, "
                        "사후경유 기능 사용 권유"
                    ),
                    3: fare_points("extra_fare", "추가 요금 지급 (KM, 수수료 제외)"),
                },
                detail="요금 상향 필요 시 (사후경유 안누름)",
                conditions=[c("extra_fare", "gt", 0)],
                notes="Action: 재결제",
            ),
        ],
    },
    {
        "code": "fare.route_change_decrease",
        "name": "운행완료: 경유지 추가, 목적지 변경_하향 필요",
        "rows": [
            row(
                "customer",
                "customer",
                {1: care(), 2: band()},
                detail="호출금액과 실운행료의 차액 구간별 (사후경유 안누름)",
                conditions=[c("fare_difference", "gt", 0)],
            )
        ],
    },
    # 분쟁 -------------------------------------------------------------------------------
    {
        "code": "dispute.premium_driver_complaint",
        "name": "(프리미엄) 운전조작미숙, 난폭, 복장 불량 등 기사 불만",
        "rows": [
            row(
                "customer",
                "driver",
                premium_tiers(),
                detail="프리미엄 호출금액 5만원 이하",
                conditions=[c("premium_fare", "lte", 50_000)],
                penalties=["premium_driver_penalty_request"],
                notes="고객이 요금 하향을 원할 경우 조정, 아닐 경우 엔젤에 패널티 요청만",
            ),
            row(
                "customer",
                "driver",
                premium_tiers(),
                detail="프리미엄 호출금액 5만원 초과",
                conditions=[c("premium_fare", "gt", 50_000)],
                penalties=["premium_driver_penalty_request"],
                notes="10만원 이상일 경우 운임료 10% 쿠폰 (5,000원 단위)",
            ),
        ],
    },
    {
        "code": "dispute.driver_attitude",
        "name": "(일반) 욕설 등 기사 태도 (상태: 운완)",
        "rows": [
            row(
                "customer",
                "driver",
                {
                    1: care("보상불가 (고객케어 & 페널티 안내)"),
                    2: coupon_range(5_000, 10_000, "5,000원 (max. 10,000원)"),
                },
                detail="증빙된 경우",
                conditions=[c("evidenced", "eq", True)],
                penalties=["driver_penalty"],
                notes="기사 페널티 & 경찰신고로 안내",
            )
        ],
    },
    {
        "code": "dispute.other_driver_drove",
        "name": "타기사 운행 (사고 X)",
        "rows": [
            row(
                "customer",
                "driver",
                {1: action("cancel_payment", note="결제 취소")},
                detail="증빙된 경우",
                conditions=[c("evidenced", "eq", True)],
                penalties=["driver_penalty"],
                notes="기사 포인트 X, 기사 페널티",
            )
        ],
    },
    # 장애 -------------------------------------------------------------------------------
    {
        "code": "outage.met_driver_could_not_ride",
        "name": "기사를 만났으나 운행을 못함",
        "rows": [row("customer", "platform", {1: discuss("coupon")})],
    },
    {
        "code": "outage.voucher_expired",
        "name": "프단권, 단배권 만료로 인한 보상 요청",
        "rows": [
            row(
                "driver",
                "platform",
                {1: discuss(note="논의 필요 (지급수단: 프단권/단배권)")},
                notes="대상: 장애시간 프단권 만료된 기사",
            )
        ],
    },
    {
        "code": "outage.customer_expense",
        "name": "대리 이용 불가로 인한 실비 보상",
        "rows": [row("customer", "platform", {1: discuss()})],
    },
    {
        "code": "outage.driver_income",
        "name": "대리 운행 불가로 인한 수익 보상",
        "rows": [row("driver", "platform", {1: discuss()})],
    },
    # 고객센터 상담불만 ------------------------------------------------------------------
    {
        "code": "cs_complaint.wrongful_suspension",
        "name": "부당한 정지, 정지 미해지로 인한 콜 수행 불가 보상",
        "rows": [row("driver", "cs_center", {1: care("보상불가 (기사케어)"), 2: pro_vouchers(3)})],
    },
    {
        "code": "cs_complaint.callback_delay",
        "name": "상담사 연락누락 등 상담시간 지연으로 인한 불만",
        "rows": [
            row(
                "driver",
                "cs_center",
                {1: care("보상불가 (기사케어)"), 2: pro_vouchers(3)},
                detail="재연락 약속 후 영업일 기준 3일 경과",
                conditions=[c("business_days_since_promise", "gte", 3)],
            ),
            row(
                "customer",
                "cs_center",
                {1: care(), 2: coupon_range(2_000, 5_000, "2,000원~max. 5,000원")},
                detail="재연락 약속 후 영업일 기준 3일 경과",
                conditions=[c("business_days_since_promise", "gte", 3)],
            ),
        ],
    },
    {
        "code": "cs_complaint.wrong_guidance",
        "name": "상담사 오안내",
        "rows": [
            row(
                "customer",
                "cs_center",
                {
                    1: {
                        "kind": "actual_loss",
                        "instrument": "coupon",
                        "basis": "loss_amount",
                        "note": "피해 금액 보전",
                    }
                },
                detail="금전적 피해 발생",
                conditions=[c("loss_amount", "gt", 0)],
                notes="예) 노쇼수수료 부과 정책 오안내",
            ),
            row(
                "driver",
                "cs_center",
                {
                    1: {
                        "kind": "actual_loss",
                        "instrument": "points",
                        "basis": "loss_amount",
                        "note": "피해 금액 보전",
                    }
                },
                detail="금전적 피해 발생",
                conditions=[c("loss_amount", "gt", 0)],
                notes="예) 노쇼수수료 부과 정책 오안내로 기사님이 못받음",
            ),
            row(
                "customer",
                "cs_center",
                {
                    1: care("보상불가 (고객케어), 상담원 교육 안내"),
                    2: coupon_range(2_000, 5_000, "2,000원~max. 5,000원"),
                },
                detail="금전적 피해 미발생",
                conditions=[c("loss_amount", "eq", 0)],
            ),
            row(
                "driver",
                "cs_center",
                {
                    1: care("보상불가 (기사케어), 상담원 교육 안내"),
                    2: coupon_range(2_000, 5_000, "2,000원~max. 5,000원"),
                },
                detail="금전적 피해 미발생",
                conditions=[c("loss_amount", "eq", 0)],
            ),
        ],
    },
]
