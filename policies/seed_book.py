"""The 대리 compensation matrix of seed 002, as the policy book's version 1.

This is data, loaded by a data migration (and by `load_seed_book`); from then on the book lives
in the database and managers change it through new versions. Codes follow ../shared/DOMAIN.md
§2; row conditions use the facts of `policies.facts`. Every tier's outcome is a list of effects,
each one thing paid (grant), charged anew (charge) or done to the payment (action), with who
pays, who receives and what sets it off.
"""

from typing import Any

VERSION: dict[str, Any] = {
    "number": 1,
    "title": "카카오 T 대리 보상정책",
    "note": "관리자 전용 대리 보상정책 문서를 옮긴 최초 버전.",
    "coupon_unit": 5000,
    "coupon_minimum": 5000,
    "coupon_validity_days": 60,
    "driver_commission_percent": 20,
    "points_memo": "기사님 힘내세요",
    "tier1_role": "agent",
    "tier2_role": "manager",
    "tier3_role": "manager",
    "discussion_role": "manager",
}

# 요금 하향 구간, chosen by the difference call amount − expected fare (호출금액과 예상요금의
# 차액), up to the bound inclusive; "20만원 이상" and "~20만원 이하" overlap at 200,000, which
# takes the 20% band.
FARE_BANDS: list[dict[str, Any]] = [
    {"upper_bound": 50_000, "percent": 50},
    {"upper_bound": 100_000, "percent": 30},
    {"upper_bound": 200_000, "percent": 20},
    {"upper_bound": None, "percent": 10},
]


def c(fact: str, op: str, value: int | bool) -> dict[str, Any]:
    return {"fact": fact, "op": op, "value": value}


def on_grant(tier: int | None = None) -> dict[str, Any]:
    return {"trigger": "on_grant", "tier": tier}


def on_refusal(tier: int, party: str = "") -> dict[str, Any]:
    return {"trigger": "on_refusal", "tier": tier, "party": party}


def on_repeat(count: int) -> dict[str, Any]:
    return {"trigger": "on_repeat", "count": count}


def penalty(code: str, subject: str, when: dict[str, Any] | None = None) -> dict[str, Any]:
    when = when or on_grant()
    return {
        "code": code,
        "subject": subject,
        "trigger": when["trigger"],
        "tier": when.get("tier"),
        "count": when.get("count"),
    }


def effect(type_: str, method: str, payer: str, recipient: str, **fields: Any) -> dict[str, Any]:
    when = fields.pop("when", None) or on_grant()
    return {
        "type": type_,
        "method": method,
        "payer": payer,
        "recipient": recipient,
        "trigger": when["trigger"],
        "trigger_tier": when.get("tier") if when["trigger"] == "on_refusal" else None,
        "trigger_count": when.get("count"),
        "trigger_party": when.get("party", ""),
        **fields,
    }


# Grants: coupons are the platform's (카모) to the customer, points the platform's to a driver.
def coupon(amount: int, **fields: Any) -> dict[str, Any]:
    return effect(
        "grant", "fixed", "platform", "customer", instrument="coupon", amount=amount, **fields
    )


def coupon_range(low: int, high: int, step: int) -> dict[str, Any]:
    return effect(
        "grant",
        "range",
        "platform",
        "customer",
        instrument="coupon",
        amount=low,
        amount_max=high,
        step=step,
    )


def points_range(low: int, high: int, step: int, **fields: Any) -> dict[str, Any]:
    return effect(
        "grant",
        "range",
        "platform",
        "driver",
        instrument="points",
        amount=low,
        amount_max=high,
        step=step,
        **fields,
    )


def coupon_share(basis: str, percent: int) -> dict[str, Any]:
    # A computed coupon: rounded to the version's coupon unit, half up, never below its minimum.
    return effect(
        "grant",
        "percent_of_fare",
        "platform",
        "customer",
        instrument="coupon",
        basis=basis,
        percent=percent,
    )


def points(amount: int, **fields: Any) -> dict[str, Any]:
    return effect(
        "grant", "fixed", "platform", "driver", instrument="points", amount=amount, **fields
    )


def fare_points(basis: str, **fields: Any) -> dict[str, Any]:
    # "운행료로 기재된 경우 수수료 20% 제외된 금액 지급": the evaluator takes the commission off.
    return effect(
        "grant",
        "percent_of_fare",
        "platform",
        "driver",
        instrument="points",
        basis=basis,
        percent=100,
        **fields,
    )


def pro_vouchers(count: int) -> dict[str, Any]:
    return effect("grant", "count", "platform", "driver", instrument="pro_voucher", count=count)


def loss(instrument: str, recipient: str) -> dict[str, Any]:
    # A proven loss is made good exactly: no rounding, no commission.
    return effect(
        "grant", "actual_loss", "platform", recipient, instrument=instrument, basis="loss_amount"
    )


# Charges: the ride is charged anew and the customer pays it, to the driver.
def charge(basis: str, percent: int = 100, action: str = "recharge", **fields: Any) -> dict:
    return effect(
        "charge",
        "percent_of_fare",
        "customer",
        "driver",
        basis=basis,
        percent=percent,
        action=action,
        **fields,
    )


def band_charge() -> dict[str, Any]:
    return effect("charge", "fare_adjustment", "customer", "driver", action="recharge")


def act(action: str, payer: str, recipient: str = "customer", **fields: Any) -> dict[str, Any]:
    method = "percent_of_fare" if "basis" in fields else "none"
    if "basis" in fields:
        fields.setdefault("percent", 100)
    return effect("action", method, payer, recipient, action=action, **fields)


def tier(kind: str, *effects: dict[str, Any], note: str = "") -> dict[str, Any]:
    return {"kind": kind, "note": note, "effects": list(effects)}


def care(note: str = "보상불가 (고객케어)") -> dict[str, Any]:
    return tier("care_only", note=note)


def discuss(note: str = "논의 필요") -> dict[str, Any]:
    return tier("needs_discussion", note=note)


def row(
    code: str,
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
        "code": code,
        "target": target,
        "fault": fault,
        "detail": detail,
        "conditions": conditions or [],
        "penalties": penalties or [],
        "notes": notes,
        "tiers": tiers,
    }


def premium_tiers() -> dict[int, dict]:
    # Both premium rows (≤ 50,000 and above) differ only in their notes.
    return {
        1: care(),
        2: tier(
            "percent_of_fare",
            coupon_share("premium_fare", 10),
            note="엔젤에 기사 패널티 요청, 프리미엄쿠폰 (운임료 10%, 5,000원 단위)",
        ),
        3: tier("payment_action", charge("economy_fare"), note="착한요금으로 조정"),
    }


FARE_DOWN_NOTE = (
    "기사 협의 시 차액에 따라 비율 조절 가능. 현재 스펙: 직접입력 시 이코노미(착한요금)의 "
    "0.7배~4배까지 입력 가능, 10만원 이상 콜은 알림톡 발송 및 앱 확인 문구 노출."
)
CS_DISPUTE_GUIDE = (
    "(1차) 기사와 협의. [협의 불가 시] 추가 호출 전: 실운행료로 조정, 운행 중단으로 추가 호출이 "
    "필요하면 쿠폰 지급. 추가 호출 후: 첫 콜을 실운행료로 조정, 추가 호출이 많아 고객이 더 "
    "불만이면 최초 호출금액과 최종 결제금액이 같도록 강제할인."
)
BAND_NOTE = (
    "기사 협의: 실운행료 + (호출금액 − 실운행료) × 구간 비율 (구간은 호출금액과 예상요금의 차액)"
)


def fare_down_rows(notes: str = "") -> list[dict]:
    return [
        row(
            "fare_down",
            "customer",
            "customer",
            {1: care(), 2: tier("fare_adjustment", band_charge(), note=BAND_NOTE)},
            detail="요금 하향 필요 (호출금액 > 실운행료), 호출금액과 예상요금의 차액 구간별",
            conditions=[c("fare_difference", "gt", 0)],
            notes=notes,
        )
    ]


RULES: list[dict[str, Any]] = [
    # 호출/배정 ---------------------------------------------------------------------------
    {
        "code": "dispatch.reservation_not_accepted",
        "name": "(예약콜) 기사 미수락",
        "rows": [
            row(
                "called_2h_before",
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
                "no_show_over_30",
                "customer",
                "driver",
                {
                    1: tier(
                        "payment_action", act("waive_no_show_fee", "driver"), note="노쇼수수료 취소"
                    ),
                    2: tier("fixed", coupon(10_000)),
                },
                detail="예약시간 30분 초과",
                conditions=[c("minutes_past_reservation", "gt", 30)],
                penalties=[
                    penalty("driver_reservation_ban_7d", "driver"),
                    penalty("driver_permanent_suspension", "driver", on_repeat(3)),
                ],
                notes="기사 패널티: 7일 예약콜 수락 불가, 3회 누적 시 계정 영구 정지",
            )
        ],
    },
    {
        "code": "dispatch.reservation_late",
        "name": "(예약콜) 기사의 출발시간 지각",
        "rows": [
            row(
                "late_up_to_30",
                "customer",
                "driver",
                {1: care(), 2: tier("fixed", coupon(5_000))},
                detail="예약시간 30분 미만 (30분 포함)",
                conditions=[c("late_minutes", "gt", 0), c("late_minutes", "lte", 30)],
            ),
            row(
                "late_over_30",
                "customer",
                "driver",
                {1: care(), 2: tier("fixed", coupon(5_000)), 3: tier("fixed", coupon(10_000))},
                detail="예약시간 30분 초과",
                conditions=[c("late_minutes", "gt", 30)],
                penalties=[penalty("driver_reservation_ban_7d", "driver")],
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
                "detour_up_to_30",
                "customer",
                "driver",
                {1: care(), 2: discuss("기사 확인 후 협의")},
                detail="예상시간 30분 미만 (30분 포함)",
                conditions=[c("extra_minutes", "gt", 0), c("extra_minutes", "lte", 30)],
                notes="미터기 요금(사후경유): 요금 조정",
            ),
            row(
                "detour_over_30",
                "customer",
                "driver",
                {
                    1: care("보상불가 (고객케어), 2차는 기사 확인 후 협의"),
                    2: tier("fixed", coupon(5_000), note="기사 확인 후 협의"),
                },
                detail="예상시간 30분 초과",
                conditions=[c("extra_minutes", "gt", 30)],
            ),
        ],
    },
    {
        "code": "in_ride.navigation_app_error",
        "name": "내비 경로 안내로 인한 시간 보상 및 실비 보상 요구_내비 오류",
        "rows": [
            row(
                "app_error_over_30",
                "customer",
                "platform",
                {1: care(), 2: tier("fixed", coupon(5_000))},
                detail="예상시간 대비 실 운행 30분 초과",
                conditions=[c("extra_minutes", "gt", 30)],
            ),
            row(
                "app_error_over_30_driver",
                "driver",
                "platform",
                {1: care("보상불가 (기사케어)"), 2: tier("vouchers", pro_vouchers(3))},
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
                "not_dui",
                "customer",
                "none",
                {
                    1: tier(
                        "fixed",
                        charge("actual_fare"),
                        coupon(15_000),
                        note="실운행료 100% 결제 + 쿠폰 15,000원",
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
                "not_dui",
                "customer",
                "none",
                {1: tier("payment_action", act("cancel_payment", "driver"), note="결제취소")},
                detail="결과: 음주 아님",
            ),
            row(
                "not_dui_driver",
                "driver",
                "none",
                {
                    1: care("일시정지 (음주 소명 전까지)"),
                    2: tier(
                        "fixed",
                        points(5_000, when_fact="dui_cleared"),
                        note="음주 소명 후 포인트 5,000 지급",
                    ),
                    3: tier(
                        "range",
                        points_range(5_000, 10_000, 1_000, when_fact="dui_cleared"),
                        note="음주 소명 후 최대 10,000 포인트",
                    ),
                },
                detail="결과: 음주 아님",
                penalties=[penalty("driver_temporary_hold", "driver", on_grant(1))],
                notes="1차 일시정지는 음주 소명 시 해제",
            ),
        ],
    },
    {
        "code": "in_ride.cs_dispute_stopped",
        "name": "CS분쟁으로 인한 운행중단 또는 기사이탈 (취소, 고객의 신고중단)",
        "rows": [
            row(
                "dispute_driver",
                "driver",
                "driver_customer",
                {
                    1: tier(
                        "payment_action",
                        charge("actual_fare"),
                        note="실운행료 100%: 고객의 1차 재결제로 받는 운행료 (카모 지급 없음)",
                    ),
                    2: tier(
                        "percent_of_fare",
                        fare_points("actual_fare"),
                        note="실운행료 100% (카모 지급, 포인트, 수수료 제외)",
                    ),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (욕설, 인격모독 등, RM 제외)",
                notes=CS_DISPUTE_GUIDE,
            ),
            row(
                "dispute_customer",
                "customer",
                "driver_customer",
                {
                    1: tier(
                        "fixed",
                        charge("actual_fare"),
                        coupon(15_000, when_fact="extra_call_needed"),
                        note="실운행료 100% 재결제 + 추가 호출이 필요한 경우 쿠폰 15,000원",
                    ),
                    2: tier(
                        "payment_action",
                        act("cancel_payment", "platform"),
                        note="실운행료 0% (재결제 불가)",
                    ),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (욕설, 인격모독 등, RM 제외)",
                notes=CS_DISPUTE_GUIDE,
            ),
        ],
    },
    {
        "code": "in_ride.cs_dispute_completed",
        "name": "CS분쟁으로 인한 운행중단 (완료)",
        "rows": [
            row(
                "dispute_driver",
                "driver",
                "driver_customer",
                {
                    1: tier(
                        "payment_action",
                        charge("actual_fare", action="forced_discount"),
                        note="실운행료 100%: 고객이 결제하는 운행료 (카모 지급 없음)",
                    ),
                    2: tier(
                        "percent_of_fare",
                        fare_points("actual_fare"),
                        note="실운행료 100% (카모 지급, 포인트, 수수료 제외)",
                    ),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (욕설, 인격모독 등, RM 제외)",
                notes=CS_DISPUTE_GUIDE,
            ),
            row(
                "dispute_customer",
                "customer",
                "driver_customer",
                {
                    1: tier(
                        "fixed",
                        charge("actual_fare", action="forced_discount"),
                        coupon(15_000, when_fact="extra_call_needed"),
                        note="실운행료 100% (강제할인) + 추가 호출이 필요한 경우 재호출 쿠폰 "
                        "15,000원",
                    ),
                    2: tier(
                        "payment_action",
                        act(
                            "cancel_payment",
                            "platform",
                            when_fact="customer_clearly_at_fault",
                            when_value=False,
                        ),
                        note="결제 취소. 명백한 고객 귀책의 케이스에는 결제 취소 불가",
                    ),
                },
                detail="원인: 요금, 언행, 용모, 태도 등 (욕설, 인격모독 등, RM 제외)",
                notes=CS_DISPUTE_GUIDE,
            ),
        ],
    },
    # 운행완료 ---------------------------------------------------------------------------
    {
        "code": "ride_completed.parking_refused",
        "name": "주차 거부",
        "rows": [
            row(
                "realtime_extra_driver",
                "customer",
                "driver",
                {1: tier("fixed", coupon(15_000), note="추가 대리기사 호출용 쿠폰")},
                detail="실시간 (주차를 원하는 상황), 고객이 추가 대리기사가 필요하다고 함",
                conditions=[c("realtime", "eq", True), c("extra_driver_needed", "eq", True)],
                penalties=[penalty("driver_parking_refusal_penalty", "driver")],
                notes='완료시간 확인 후 "혹시 추가 대리기사 호출이 필요하십니까?" 문의',
            ),
            row(
                "realtime_no_extra_driver",
                "customer",
                "driver",
                {1: care("보상불가 (고객케어): 추가 대리기사가 필요하지 않음")},
                detail="실시간, 추가 대리기사가 필요하지 않음",
                conditions=[c("realtime", "eq", True), c("extra_driver_needed", "eq", False)],
                penalties=[penalty("driver_parking_refusal_penalty", "driver")],
            ),
            row(
                "later_simple_claim",
                "customer",
                "driver",
                {1: care(), 2: tier("fixed", coupon(5_000), note="단순 클레임")},
                detail="시간이 지난 후 (추가 호출 안 함)",
                conditions=[c("realtime", "eq", False), c("extra_call_made", "eq", False)],
                penalties=[penalty("driver_parking_refusal_penalty", "driver")],
            ),
            row(
                "later_extra_call",
                "customer",
                "driver",
                {
                    1: care(),
                    2: tier(
                        "payment_action",
                        act("forced_discount", "platform", basis="extra_call_fare"),
                        note="추가 호출건 강제할인",
                    ),
                },
                detail="시간이 지난 후 (추가 호출함)",
                conditions=[c("realtime", "eq", False), c("extra_call_made", "eq", True)],
                penalties=[penalty("driver_parking_refusal_penalty", "driver")],
            ),
        ],
    },
    # 요금 -------------------------------------------------------------------------------
    {
        "code": "fare.wrong_origin_destination",
        "name": "운행완료: 출도착지 오설정",
        "rows": [
            row(
                "fare_up_customer",
                "customer",
                "customer",
                {
                    1: tier(
                        "payment_action",
                        charge("actual_fare"),
                        note="실운행료 100% (호출한 콜타입)",
                    ),
                    2: tier(
                        "payment_action",
                        charge("economy_fare"),
                        note="기사 협의 실운행료 100% (착한요금)",
                    ),
                    3: tier(
                        "payment_action",
                        charge("economy_fare", 80),
                        note="기사 협의 착한요금 실운행료의 80%: KM 수수료를 제외한 기사 "
                        "순수익은 보장해야 한다고 고객 설득",
                    ),
                },
                detail="요금 상향 필요 시 (실운행료 > 호출금액)",
                conditions=[c("extra_fare", "gt", 0)],
                penalties=[penalty("customer_app_suspension", "customer", on_refusal(3))],
                notes="3차 거부 시 T앱 고객 정지",
            ),
            row(
                "fare_up_driver",
                "driver",
                "customer",
                {
                    2: tier(
                        "payment_action",
                        charge("economy_fare"),
                        note="기사 협의 실운행료 100% (착한요금): 고객의 재결제로 지급",
                    ),
                    3: tier(
                        "percent_of_fare",
                        fare_points("economy_fare", when=on_refusal(3, "customer")),
                        note="고객이 3차를 거부하면 KM 포인트 지급 (착한요금 − 수수료); 고객이 "
                        "수락하면 고객의 재결제로 지급",
                    ),
                },
                detail="요금 상향 필요 시 (실운행료 > 호출금액)",
                conditions=[c("extra_fare", "gt", 0)],
                notes="기사 설득: 운행한 거리만큼은 기사님께 지급해 드리고자 함. 그래서 고객과 "
                "협의가 되어야 함",
            ),
        ],
    },
    {
        "code": "fare.wrong_amount_entered",
        "name": "운행완료: 요금 오입력_요금 하향 필요",
        "rows": fare_down_rows(FARE_DOWN_NOTE),
    },
    {
        "code": "fare.post_waypoint_dispute",
        "name": "운행완료: 사후경유분쟁발생",
        "rows": [
            row(
                "calculator",
                "customer",
                "none",
                {
                    1: tier(
                        "payment_action",
                        charge("calculator_amount"),
                        note="실제 요금계산기 금액 확인하여 조정",
                    )
                },
                detail="예) 사후경유콜 + 주차 시 시간 소요로 인한 추가요금",
            )
        ],
    },
    {
        "code": "fare.route_change_increase",
        "name": "운행완료: 경유지 추가, 목적지 변경_상향 필요",
        "rows": [
            row(
                "fare_up_customer",
                "customer",
                "driver_customer",
                {
                    1: tier(
                        "payment_action",
                        charge("actual_fare"),
                        note="실운행료 100% (호출한 콜타입)",
                    ),
                    2: tier(
                        "payment_action",
                        charge("actual_fare"),
                        note="실운행료 100% 재결제 재요청: 거부 시 T앱 고객 정지",
                    ),
                },
                detail="요금 상향 필요 시 (사후경유 안누름)",
                conditions=[c("extra_fare", "gt", 0)],
                penalties=[penalty("customer_app_suspension", "customer", on_refusal(2))],
                notes="2차 거부 시 T앱 고객 정지",
            ),
            row(
                "fare_up_driver",
                "driver",
                "driver_customer",
                {
                    2: care(
                        "보상불가 (기사케어): 고객이 지불 거부하여 도움 불가, 고객 패널티 안내, "
                        "사후경유 기능 사용 권유"
                    ),
                    3: tier(
                        "percent_of_fare",
                        fare_points("extra_fare", when=on_refusal(2, "customer")),
                        note="고객이 2차 재결제를 거부하면 추가 요금을 KM 포인트로 지급 "
                        "(수수료 제외)",
                    ),
                },
                detail="요금 상향 필요 시 (사후경유 안누름)",
                conditions=[c("extra_fare", "gt", 0)],
            ),
        ],
    },
    {
        "code": "fare.route_change_decrease",
        "name": "운행완료: 경유지 추가, 목적지 변경_하향 필요",
        "rows": fare_down_rows(),
    },
    # 분쟁 -------------------------------------------------------------------------------
    {
        "code": "dispute.premium_driver_complaint",
        "name": "(프리미엄) 운전조작미숙, 난폭, 복장 불량 등 기사 불만",
        "rows": [
            row(
                "premium_up_to_50k",
                "customer",
                "driver",
                premium_tiers(),
                detail="프리미엄 호출금액 5만원 이하",
                conditions=[c("premium_fare", "lte", 50_000)],
                penalties=[penalty("premium_driver_penalty_request", "driver", on_grant(2))],
                notes="고객이 요금 하향을 원할 경우 조정, 아닐 경우 엔젤에 패널티 요청만",
            ),
            row(
                "premium_over_50k",
                "customer",
                "driver",
                premium_tiers(),
                detail="프리미엄 호출금액 5만원 초과",
                conditions=[c("premium_fare", "gt", 50_000)],
                penalties=[penalty("premium_driver_penalty_request", "driver", on_grant(2))],
                notes="10만원 이상일 경우 운임료 10% 쿠폰 (5,000원 단위)",
            ),
        ],
    },
    {
        "code": "dispute.driver_attitude",
        "name": "(일반) 욕설 등 기사 태도 (상태: 운완)",
        "rows": [
            row(
                "evidenced",
                "customer",
                "driver",
                {
                    1: care("보상불가 (고객케어 & 페널티 안내)"),
                    2: tier(
                        "range", coupon_range(5_000, 10_000, 5_000), note="5,000원 (max. 10,000원)"
                    ),
                },
                detail="증빙된 경우",
                conditions=[c("evidenced", "eq", True)],
                penalties=[penalty("driver_penalty", "driver")],
                notes="기사 페널티 & 경찰신고로 안내",
            )
        ],
    },
    {
        "code": "dispute.other_driver_drove",
        "name": "타기사 운행 (사고 X)",
        "rows": [
            row(
                "evidenced",
                "customer",
                "driver",
                {1: tier("payment_action", act("cancel_payment", "driver"), note="결제 취소")},
                detail="증빙된 경우",
                conditions=[c("evidenced", "eq", True)],
                penalties=[penalty("driver_penalty", "driver")],
                notes="기사 포인트 X, 기사 페널티",
            )
        ],
    },
    # 장애 -------------------------------------------------------------------------------
    {
        "code": "outage.met_driver_could_not_ride",
        "name": "기사를 만났으나 운행을 못함",
        "rows": [row("met_driver", "customer", "platform", {1: discuss("논의 필요 (쿠폰)")})],
    },
    {
        "code": "outage.voucher_expired",
        "name": "프단권, 단배권 만료로 인한 보상 요청",
        "rows": [
            row(
                "expired_in_outage",
                "driver",
                "platform",
                {1: discuss("논의 필요 (지급수단: 프단권/단배권)")},
                detail="장애시간 중 프단권·단배권이 만료된 기사",
                conditions=[c("expired_during_outage", "eq", True)],
                notes="대상: 장애시간 프단권 만료된 기사",
            )
        ],
    },
    {
        "code": "outage.customer_expense",
        "name": "대리 이용 불가로 인한 실비 보상",
        "rows": [row("expense", "customer", "platform", {1: discuss()})],
    },
    {
        "code": "outage.driver_income",
        "name": "대리 운행 불가로 인한 수익 보상",
        "rows": [row("income", "driver", "platform", {1: discuss()})],
    },
    # 고객센터 상담불만 ------------------------------------------------------------------
    {
        "code": "cs_complaint.wrongful_suspension",
        "name": "부당한 정지, 정지 미해지로 인한 콜 수행 불가 보상",
        "rows": [
            row(
                "driver",
                "driver",
                "cs_center",
                {1: care("보상불가 (기사케어)"), 2: tier("vouchers", pro_vouchers(3))},
            )
        ],
    },
    {
        "code": "cs_complaint.callback_delay",
        "name": "상담사 연락누락 등 상담시간 지연으로 인한 불만",
        "rows": [
            row(
                "driver_3_days",
                "driver",
                "cs_center",
                {1: care("보상불가 (기사케어)"), 2: tier("vouchers", pro_vouchers(3))},
                detail="재연락 약속 후 영업일 기준 3일 경과",
                conditions=[c("business_days_since_promise", "gte", 3)],
            ),
            row(
                "customer_3_days",
                "customer",
                "cs_center",
                {
                    1: care(),
                    2: tier(
                        "range", coupon_range(2_000, 5_000, 1_000), note="2,000원~max. 5,000원"
                    ),
                },
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
                "loss_customer",
                "customer",
                "cs_center",
                {1: tier("actual_loss", loss("coupon", "customer"), note="피해 금액 보전")},
                detail="금전적 피해 발생",
                conditions=[c("loss_amount", "gt", 0)],
                notes="예) 노쇼수수료 부과 정책 오안내",
            ),
            row(
                "loss_driver",
                "driver",
                "cs_center",
                {1: tier("actual_loss", loss("points", "driver"), note="피해 금액 보전")},
                detail="금전적 피해 발생",
                conditions=[c("loss_amount", "gt", 0)],
                notes="예) 노쇼수수료 부과 정책 오안내로 기사님이 못받음",
            ),
            row(
                "no_loss_customer",
                "customer",
                "cs_center",
                {
                    1: care("보상불가 (고객케어), 상담원 교육 안내"),
                    2: tier(
                        "range", coupon_range(2_000, 5_000, 1_000), note="2,000원~max. 5,000원"
                    ),
                },
                detail="금전적 피해 미발생",
                conditions=[c("loss_amount", "eq", 0)],
            ),
            row(
                "no_loss_driver",
                "driver",
                "cs_center",
                {
                    1: care("보상불가 (기사케어), 상담원 교육 안내"),
                    # The seed names 쿠폰 for 고객/기사 alike; a driver is paid in points.
                    2: tier(
                        "range",
                        points_range(2_000, 5_000, 1_000),
                        note="2,000~max. 5,000 (기사는 포인트)",
                    ),
                },
                detail="금전적 피해 미발생",
                conditions=[c("loss_amount", "eq", 0)],
            ),
        ],
    },
    {
        "code": "cs_complaint.coupon_expired",
        "name": "쿠폰 유효기간 만료 & 유효기간 미안내로 인한 불만과 재발급 요청",
        "rows": [
            row(
                "no_extension",
                "customer",
                "none",
                {
                    1: care(
                        "보상불가 (고객케어): 쿠폰 만료 7일·3일 전 앱푸시가 발송되므로 유효기간 "
                        "안내 누락을 이유로 한 연장·재발급 불가"
                    )
                },
                notes="쿠폰만료 7일, 3일 전 앱푸시 발송 중 (CS 사례 기반 특이이슈)",
            )
        ],
    },
]


def as_json() -> str:
    """The book as the frozen file the migrations load (policies/migrations/book_v1.json)."""
    import json

    book = {"version": VERSION, "fare_bands": FARE_BANDS, "rules": RULES}
    return json.dumps(book, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    # Regenerate the frozen file: python -m policies.seed_book > policies/migrations/book_v1.json
    print(as_json(), end="")
