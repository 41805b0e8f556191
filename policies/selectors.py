from dataclasses import dataclass

from policies.models import PolicyVersion


class NoPublishedPolicy(LookupError):
    pass


@dataclass(frozen=True)
class InstrumentParams:
    """What other apps need of a policy version to issue grants."""

    policy_version: int
    coupon_unit: int
    coupon_minimum: int
    coupon_validity_days: int
    driver_commission_percent: int
    points_memo: str


def current_version() -> PolicyVersion:
    """The newest published version: the one new decisions use."""
    version = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NoPublishedPolicy("게시된 정책 버전이 없습니다.")
    return version


def instrument_params(*, version_number: int | None = None) -> InstrumentParams:
    if version_number is None:
        version = current_version()
    else:
        version = PolicyVersion.objects.get(number=version_number)
    return InstrumentParams(
        policy_version=version.number,
        coupon_unit=version.coupon_unit,
        coupon_minimum=version.coupon_minimum,
        coupon_validity_days=version.coupon_validity_days,
        driver_commission_percent=version.driver_commission_percent,
        points_memo=version.points_memo,
    )
