import factory

from payouts.models import BlanketGrant, Instrument, PayoutRequest, RecipientKind, SourceKind


class PayoutRequestFactory(factory.django.DjangoModelFactory):
    """A pending request for 3 emoticons: a counted instrument that needs no policy data."""

    class Meta:
        model = PayoutRequest

    recipient_kind = RecipientKind.CUSTOMER
    recipient_id = factory.Sequence(lambda n: f"C{n:07d}")
    instrument = Instrument.EMOTICON
    count = 3
    amount = None
    source_kind = SourceKind.CLAIM_DECISION
    source_ref = factory.Sequence(lambda n: f"decision-{n}")
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")


class CouponRequestFactory(PayoutRequestFactory):
    instrument = Instrument.COUPON
    count = None
    amount = 5000
    validity_days = 60
    policy_version = 1


class PointsRequestFactory(PayoutRequestFactory):
    recipient_kind = RecipientKind.DRIVER
    instrument = Instrument.POINTS
    count = None
    amount = 10000
    memo = "기사님 힘내세요"


class BlanketGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlanketGrant

    code = factory.Sequence(lambda n: f"grant-{n}")
    name = factory.Sequence(lambda n: f"일괄 지급 {n}")
    instrument = Instrument.EMOTICON
    recipient_kind = RecipientKind.CUSTOMER
    count = 3
    program = "outage-1015"
