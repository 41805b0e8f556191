"""The relief programs' instruments in payouts: money in 원 or a count, as the program says."""

import pytest

from payouts.models import AMOUNT_INSTRUMENTS, COUNT_INSTRUMENTS, Instrument
from payouts.services.rules import PayoutRuleError, instrument_fields
from policies.models import ReliefInstrument


def test_every_relief_instrument_is_a_payout_instrument_of_one_kind():
    for member in ReliefInstrument:
        assert member.value in Instrument.values
        assert (member.value in AMOUNT_INSTRUMENTS) != (member.value in COUNT_INSTRUMENTS)
    assert Instrument("business_support").label == "소상공인 지원금"


@pytest.mark.parametrize("instrument", ["business_support", "makers_coupon", "channel_cash"])
def test_money_instruments_take_an_amount_not_a_count(instrument):
    assert instrument_fields(instrument=instrument, amount=30_000)["amount"] == 30_000
    with pytest.raises(PayoutRuleError):
        instrument_fields(instrument=instrument, count=1)


@pytest.mark.parametrize("instrument", ["talk_drawer_plus", "fee_waiver", "emoticon"])
def test_counted_instruments_take_a_count(instrument):
    assert instrument_fields(instrument=instrument, count=1)["count"] == 1
    with pytest.raises(PayoutRuleError):
        instrument_fields(instrument=instrument, amount=1_000)
