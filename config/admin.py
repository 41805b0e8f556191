"""Project-wide admin: API tokens with their expiry and a rotation action."""

import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import Token, TokenProxy

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ExpiringTokenAdmin(TokenAdmin):
    list_display = ("masked_key", "user", "created", "expires", "is_expired")
    actions = ["rotate"]

    @admin.display(description="키")
    def masked_key(self, obj: Token) -> str:
        # The whole key is a password: the list shows only enough to tell tokens apart.
        return f"{obj.key[:6]}…"

    def _expires(self, obj: Token) -> dt.datetime:
        return obj.created + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)

    @admin.display(description="만료 시각")
    def expires(self, obj: Token) -> dt.datetime:
        return self._expires(obj)

    @admin.display(description="만료됨", boolean=True)
    def is_expired(self, obj: Token) -> bool:
        return self._expires(obj) <= timezone.now()

    @admin.action(description="선택한 토큰 교체 (새 키 발급, 기존 키 폐기)")
    def rotate(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        rotated = []
        # All or none: a failure half-way must not leave a user without a token.
        with transaction.atomic():
            for token in queryset.select_related("user"):
                user = token.user
                token.delete()
                rotated.append((user, Token.objects.create(user=user)))
        for user, token in rotated:
            self.message_user(
                request,
                f"{user.get_username()}의 새 토큰: {token.key} (지금만 전체가 보입니다)",
                messages.SUCCESS,
            )


class ReadOnlyInline(admin.TabularInline):
    """An inline of history rows: shown, never added to or changed from the console."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
