import factory

from incidents.models import Account


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("kind", "external_id")

    kind = "truka_member"
    external_id = factory.Sequence(lambda n: f"T-{n:05d}")
    name = "홍길동"
    phone = "01012345678"
