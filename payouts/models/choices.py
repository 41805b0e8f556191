"""Codes shared by the payout models (DOMAIN.md §2 instruments, §5 relief instruments)."""

from django.db import models


class RecipientKind(models.TextChoices):
    CUSTOMER = "customer", "고객"
    DRIVER = "driver", "기사"
    BUSINESS = "business", "사업자"
    TRUKA_MEMBER = "truka_member", "트루카 회원"


class Instrument(models.TextChoices):
    COUPON = "coupon", "고객 쿠폰"
    POINTS = "points", "기사 포인트"
    PRO_VOUCHER = "pro_voucher", "프단권"
    DISPATCH_VOUCHER = "dispatch_voucher", "단배권"
    PAYMENT_ACTION = "payment_action", "결제 조치"
    EMOTICON = "emoticon", "이모티콘"
    CHANNEL_CASH = "channel_cash", "채널 메시지 캐시"
    TRANSPORT_SUPPORT = "transport_support", "교통비 지원"


# Which instruments are money, which are counted, which are an action on a payment.
AMOUNT_INSTRUMENTS = frozenset(
    {Instrument.COUPON, Instrument.POINTS, Instrument.CHANNEL_CASH, Instrument.TRANSPORT_SUPPORT}
)
COUNT_INSTRUMENTS = frozenset(
    {Instrument.PRO_VOUCHER, Instrument.DISPATCH_VOUCHER, Instrument.EMOTICON}
)


class PaymentAction(models.TextChoices):
    CANCEL_PAYMENT = "cancel_payment", "결제취소"
    RECHARGE = "recharge", "재결제"
    FORCED_DISCOUNT = "forced_discount", "강제할인"
    WAIVE_NO_SHOW_FEE = "waive_no_show_fee", "노쇼수수료 취소"


class SourceKind(models.TextChoices):
    CLAIM_DECISION = "claim_decision", "클레임 결정"
    RELIEF_APPLICATION = "relief_application", "피해 지원 신청"
    PROGRAM_GRANT = "program_grant", "프로그램 일괄 지급"
