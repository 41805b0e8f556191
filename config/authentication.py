"""API authentication: tokens that expire."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """A token is good for API_TOKEN_TTL_HOURS from its creation; rotating it in the admin
    makes a new one. First in the list, so an anonymous call answers 401 with
    `WWW-Authenticate: Token` rather than 403."""

    def authenticate_credentials(self, key):  # type: ignore[no-untyped-def]
        user, token = super().authenticate_credentials(key)
        ttl = dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        if token.created < timezone.now() - ttl:
            raise exceptions.AuthenticationFailed(
                "토큰이 만료되었습니다. 관리 콘솔에서 새 토큰을 발급받으세요."
            )
        return user, token
