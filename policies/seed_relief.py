"""The relief program presets (DOMAIN.md §5): the 1015 outage (seed 000) and the 2018 KT
Ahyeon fire precedent (seed 001), each as its version 1.

Dates are Korea-time calendar days as reported at the time. Where the reports give nothing
the values are marked "chosen": they are operating starting values a manager changes in a new
version. Loaded by the data migration from the frozen
`policies/migrations/relief_presets_v1.json` (a test keeps the two equal) and by
`policies.services_relief.relief_presets_load`.
"""

from typing import Any

KST = "+09:00"

OUTAGE_1015: dict[str, Any] = {
    "code": "outage-1015",
    "name": "카카오 1015 서비스 장애 피해 지원",
    "version": {
        "name": "카카오 1015 서비스 장애 피해 지원",
        "note": "1015 피해지원 협의체 발표(2022-12-29) 기준 프리셋",
        # The data-centre fire started 15:19 KST; full recovery was announced on 20 October.
        "outage_start": f"2022-10-15T15:19:00{KST}",
        "outage_end": f"2022-10-20T23:00:00{KST}",
        "services": "카카오톡, 카카오T, 카카오페이, 카카오맵, 다음, 카카오톡 채널",
        # Chosen: the reports state no budget.
        "budget": 5_000_000_000,
        "audit_sample_percent": 5,
        "audit_seed": 1015,
        "committee_award_min": None,
        "committee_award_max": None,
        "saturday_reference_date": "2022-10-15",
        "saturday_weeks": 15,
        "transport_support_per_night": 5_000,
        "transport_support_cap": 10_000,
        "transport_nights": ["2022-12-08", "2022-12-09"],
        "transport_hours": "20:00–04:00 운행",
    },
    "segments": [
        {"segment": "user", "assessment": "blanket"},
        {"segment": "small_business", "assessment": "loss_tiers"},
        {"segment": "driver", "assessment": "driver_bands"},
        # Mid/large companies (0.2 % of reporters) are outside the plan as announced.
    ],
    "loss_tiers": [
        {
            "segment": "small_business",
            "min_loss": 0,
            "max_loss": 300_000,
            "outcome": "support",
            "instrument": "business_support",
            "amount": 30_000,
        },
        {
            "segment": "small_business",
            "min_loss": 300_001,
            "max_loss": 500_000,
            "outcome": "support",
            "instrument": "business_support",
            "amount": 50_000,
        },
        {
            "segment": "small_business",
            "min_loss": 500_001,
            "max_loss": None,
            "outcome": "committee",
            "instrument": "business_support",
            "amount": None,
        },
    ],
    "grants": [
        {
            "segment": "user",
            "instrument": "emoticon",
            "amount": None,
            "count": 1,
            "validity_days": None,
            "label": "이모티콘(영구)",
            "order": 10,
        },
        {
            "segment": "user",
            "instrument": "emoticon",
            "amount": None,
            "count": 2,
            "validity_days": 90,
            "label": "이모티콘(90일)",
            "order": 20,
        },
        {
            "segment": "user",
            "instrument": "makers_coupon",
            "amount": 2_000,
            "count": None,
            "validity_days": None,
            "label": "메이커스 감사 쿠폰",
            "order": 30,
        },
        {
            "segment": "user",
            "instrument": "makers_coupon",
            "amount": 3_000,
            "count": None,
            "validity_days": None,
            "label": "메이커스 감사 쿠폰",
            "order": 40,
        },
        {
            "segment": "user",
            "instrument": "talk_drawer_plus",
            "amount": None,
            "count": 1,
            "validity_days": None,
            "label": "톡서랍 플러스 1개월",
            "order": 50,
        },
        {
            "segment": "small_business",
            "instrument": "channel_cash",
            "amount": 50_000,
            "count": None,
            "validity_days": None,
            "label": "카카오톡 채널 메시지 캐시",
            "order": 10,
        },
    ],
    "driver_bands": [
        {"min_saturdays": 8, "max_saturdays": 12, "instrument": "points", "amount": 25_000},
        {"min_saturdays": 13, "max_saturdays": None, "instrument": "points", "amount": 50_000},
    ],
    "windows": [
        # Every segment, drivers included (issue 13: "the main one and the 2-week
        # partner-channel extension"); corrected by migration 0021.
        {
            "kind": "reports",
            "start_date": "2022-10-19",
            "end_date": "2022-11-06",
            "channels": ["web", "partner"],
            "segments": [],
        },
        # Chosen: the two weeks right after the main window ("추후 안내" in the report).
        {
            "kind": "partner_extension",
            "start_date": "2022-11-07",
            "end_date": "2022-11-20",
            "channels": ["partner"],
            "segments": ["small_business"],
        },
        # Chosen: drivers may also apply after the named nights, through the union (partner)
        # or the web.
        {
            "kind": "reports",
            "start_date": "2022-12-10",
            "end_date": "2022-12-31",
            "channels": ["web", "partner"],
            "segments": ["driver"],
        },
        {
            "kind": "documents",
            "start_date": "2023-01-30",
            "end_date": "2023-02-27",
            "channels": ["web", "partner"],
            "segments": ["small_business"],
        },
    ],
    "evidence": [
        {"code": "small_business_certificate", "label": "소상공인 확인서", "order": 10},
        {"code": "revenue_loss_proof", "label": "매출 피해 입증 자료", "order": 20},
        {"code": "business_use_proof", "label": "서비스 활용 영업 입증 자료", "order": 30},
    ],
}

KT_AHYEON_2018: dict[str, Any] = {
    "code": "kt-ahyeon-2018",
    "name": "KT 아현국사 화재 통신장애 지원 (2018, 선례)",
    "version": {
        "name": "KT 아현국사 화재 통신장애 지원 (2018, 선례)",
        "note": "보험연구원 자료의 선례: 고객 1개월 요금 감면, 소상공인 40~120만 원",
        "outage_start": f"2018-11-24T11:12:00{KST}",
        # Chosen: wire and mobile lines were mostly back within two days.
        "outage_end": f"2018-11-26T00:00:00{KST}",
        "services": "KT 유선전화, 인터넷, IPTV, 이동통신, 카드결제 단말",
        # Chosen: the report states no budget.
        "budget": 10_000_000_000,
        "audit_sample_percent": 5,
        "audit_seed": 2018,
        # The precedent paid small businesses 400,000–1,200,000: the committee sets the amount
        # in that range (no reported bands to tier by).
        "committee_award_min": 400_000,
        "committee_award_max": 1_200_000,
        "saturday_reference_date": None,
        "saturday_weeks": 0,
        "transport_support_per_night": 0,
        "transport_support_cap": 0,
        "transport_nights": [],
        "transport_hours": "",
    },
    "segments": [
        {"segment": "user", "assessment": "blanket"},
        {"segment": "small_business", "assessment": "committee"},
    ],
    "loss_tiers": [],
    "grants": [
        {
            "segment": "user",
            "instrument": "fee_waiver",
            "amount": None,
            "count": 1,
            "validity_days": None,
            "label": "1개월 요금 감면",
            "order": 10,
        },
    ],
    "driver_bands": [],
    # Chosen: intake dates are not in the seeds.
    "windows": [
        {
            "kind": "reports",
            "start_date": "2018-12-03",
            "end_date": "2018-12-31",
            "channels": ["web", "partner"],
            "segments": [],
        },
    ],
    "evidence": [
        {"code": "small_business_certificate", "label": "소상공인 확인서", "order": 10},
        {"code": "revenue_loss_proof", "label": "매출 피해 입증 자료", "order": 20},
    ],
}

PRESETS: list[dict[str, Any]] = [OUTAGE_1015, KT_AHYEON_2018]
