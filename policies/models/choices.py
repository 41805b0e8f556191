"""The policy book's codes (DOMAIN.md §2) with their Korean labels."""

from django.db import models


class Category(models.TextChoices):
    DISPATCH = "dispatch", "호출/배정"
    IN_RIDE = "in_ride", "운행중"
    RIDE_COMPLETED = "ride_completed", "운행완료"
    FARE = "fare", "요금"
    DISPUTE = "dispute", "분쟁"
    OUTAGE = "outage", "장애"
    CS_COMPLAINT = "cs_complaint", "고객센터 상담불만"


class Target(models.TextChoices):
    CUSTOMER = "customer", "고객"
    DRIVER = "driver", "기사"


class Fault(models.TextChoices):
    NONE = "none", "없음"
    DRIVER = "driver", "기사"
    CUSTOMER = "customer", "고객"
    DRIVER_CUSTOMER = "driver_customer", "기사/고객"
    PLATFORM = "platform", "카모"
    CS_CENTER = "cs_center", "고객센터"


class OutcomeKind(models.TextChoices):
    """What a tier offers, as a whole; its effects say exactly what is paid or done."""

    CARE_ONLY = "care_only", "보상불가 (케어)"
    FIXED = "fixed", "정액"
    RANGE = "range", "범위 (승인자 선택)"
    PERCENT_OF_FARE = "percent_of_fare", "요금 비율"
    FARE_ADJUSTMENT = "fare_adjustment", "요금 하향 조정 (구간)"
    ACTUAL_LOSS = "actual_loss", "실손 보전"
    VOUCHERS = "vouchers", "권 지급 (장)"
    PAYMENT_ACTION = "payment_action", "결제 조치"
    NEEDS_DISCUSSION = "needs_discussion", "논의 필요"
    # Only in quotes: the case is outside every row of the rule, or a tier's conditions fail.
    NOT_COVERED = "not_covered", "보상 대상 아님"


class Instrument(models.TextChoices):
    COUPON = "coupon", "고객 쿠폰"
    POINTS = "points", "기사 포인트"
    PRO_VOUCHER = "pro_voucher", "프단권"
    DISPATCH_VOUCHER = "dispatch_voucher", "단배권"


class PaymentAction(models.TextChoices):
    CANCEL_PAYMENT = "cancel_payment", "결제취소"
    RECHARGE = "recharge", "재결제"
    FORCED_DISCOUNT = "forced_discount", "강제할인"
    WAIVE_NO_SHOW_FEE = "waive_no_show_fee", "노쇼수수료 취소"


class Penalty(models.TextChoices):
    """Penalty codes a matrix row names; the incidents app applies them to accounts."""

    DRIVER_RESERVATION_BAN_7D = "driver_reservation_ban_7d", "기사 7일 예약콜 수락 불가"
    DRIVER_PERMANENT_SUSPENSION = "driver_permanent_suspension", "기사 계정 영구 정지"
    DRIVER_PARKING_REFUSAL = "driver_parking_refusal_penalty", "주차 거부 기사 패널티"
    PREMIUM_DRIVER_PENALTY_REQUEST = "premium_driver_penalty_request", "프리미엄 기사 패널티 요청"
    DRIVER_PENALTY = "driver_penalty", "기사 페널티"
    DRIVER_TEMPORARY_HOLD = "driver_temporary_hold", "기사 일시정지 (소명 시 해제)"
    CUSTOMER_APP_SUSPENSION = "customer_app_suspension", "T앱 고객 정지"


# The account violation each matrix penalty records; incidents counts it against the penalty
# rule of that code. Only the no-show ban is named differently: its rule counts the no-shows
# themselves, and bans at the third (its threshold, which the matrix's on_repeat count states).
VIOLATION_OF_PENALTY = {Penalty.DRIVER_PERMANENT_SUSPENSION: "driver_permanent_suspension_on_3rd"}


def violation_code(penalty: str) -> str:
    """The violation code a matrix penalty is recorded as on the account."""
    return VIOLATION_OF_PENALTY.get(penalty, penalty)  # type: ignore[call-overload]


class EffectType(models.TextChoices):
    GRANT = "grant", "지급"
    CHARGE = "charge", "새 결제금액"
    ACTION = "action", "결제 조치"


class AmountMethod(models.TextChoices):
    """How an effect's amount follows from the facts."""

    NONE = "none", "금액 없음"
    FIXED = "fixed", "정액"
    RANGE = "range", "범위 (승인자 선택)"
    PERCENT_OF_FARE = "percent_of_fare", "요금 비율"
    FARE_ADJUSTMENT = "fare_adjustment", "요금 하향 구간"
    ACTUAL_LOSS = "actual_loss", "실손 보전"
    COUNT = "count", "장 수"


class Party(models.TextChoices):
    CUSTOMER = "customer", "고객"
    PLATFORM = "platform", "카모 (플랫폼)"
    DRIVER = "driver", "기사"


class Trigger(models.TextChoices):
    ON_GRANT = "on_grant", "귀책 확정·지급 시"
    ON_REFUSAL = "on_refusal", "거부 시"
    ON_REPEAT = "on_repeat", "누적 시"


class Role(models.TextChoices):
    """Who may grant a tier; the names are the role groups of config.roles."""

    AGENT = "agent", "상담사"
    MANAGER = "manager", "관리자"


class ConditionOp(models.TextChoices):
    LT = "lt", "<"
    LTE = "lte", "≤"
    GT = "gt", ">"
    GTE = "gte", "≥"
    EQ = "eq", "="


TIER_CHOICES = [(1, "1차 (상담사)"), (2, "2차 (관리자)"), (3, "3차 (관리자)")]


class AccountKind(models.TextChoices):
    """Whose account a penalty rule sanctions (the incidents app keeps the accounts)."""

    CUSTOMER = "customer", "고객"
    DRIVER = "driver", "기사"
    BUSINESS = "business", "사업자"
    TRUKA_MEMBER = "truka_member", "트루카 회원"


class PenaltyAction(models.TextChoices):
    """What reaching a penalty rule's threshold does to the account."""

    PERMANENT_BAN = "permanent_ban", "영구정지"
    SUSPEND_UNTIL = "suspend_until", "조건 충족 시까지 정지"
    SUSPEND_FOR = "suspend_for", "기간 정지"
    WARNING_AND_REVIEW = "warning_and_review", "경고 및 회원 자격 재심사"
    REVIEW_OR_BAN = "review_or_ban", "회원 자격 재심사 또는 영구정지"
    REVIEW = "review", "재심사"


class PenaltyScope(models.TextChoices):
    """What a suspension stops: the whole app (every service), or one service of it."""

    APP = "app", "앱 전체"
    RESERVATION_CALLS = "reservation_calls", "예약콜 수락"
    RENTAL = "rental", "차량 대여"


class LiftCondition(models.TextChoices):
    """A fact recorded for an account that lifts the suspensions waiting for it."""

    INFO_CORRECTED = "info_corrected", "회원 정보 정정"
    FEES_PAID = "fees_paid", "미납금 완납"
    ACCIDENT_CLOSED = "accident_closed", "사고 종료 처리"
