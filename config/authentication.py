"""API authentication: tokens that expire, read with their user and permissions at once."""

import datetime as dt
from functools import cache

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


@cache
def _token_sql() -> tuple[str, list[str]]:
    """One statement: the token, its user's columns, and the user's permissions (own and
    through groups) as one `app_label.codename` list, in the form ModelBackend caches them."""
    user_columns = [f.column for f in User._meta.concrete_fields]
    concat = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    own = User.user_permissions.through._meta.db_table
    groups = User.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    sql = f"""
        SELECT t.created, {", ".join(f"u.{c}" for c in user_columns)},
            (SELECT {concat}(ct.app_label || '.' || p.codename, ',')
               FROM {Permission._meta.db_table} p
               JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id
              WHERE p.id IN (SELECT permission_id FROM {own} WHERE user_id = u.id)
                 OR p.id IN (SELECT g.permission_id FROM {granted} g
                               JOIN {groups} ug ON ug.group_id = g.group_id
                              WHERE ug.user_id = u.id)) AS perms
          FROM {Token._meta.db_table} t
          JOIN {User._meta.db_table} u ON u.id = t.user_id
         WHERE t.key = %s
    """
    return sql, [f.attname for f in User._meta.concrete_fields]


class ExpiringTokenAuthentication(TokenAuthentication):
    """A token is good for API_TOKEN_TTL_HOURS from its creation; rotating it in the admin
    makes a new one. First in the list, so an anonymous call answers 401 with
    `WWW-Authenticate: Token` rather than 403.

    Every API call passes here, so the token, its user and the user's permissions come in one
    query, and the view's permission checks run none (DRF and Django would run three).
    """

    def authenticate_credentials(self, key):  # type: ignore[no-untyped-def]
        sql, names = _token_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed("토큰이 올바르지 않습니다.")
        created, *values, perms = row
        user = User.from_db(connection.alias, names, values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("사용할 수 없는 계정입니다.")
        if created.tzinfo is None:  # SQLite hands back naive UTC
            created = created.replace(tzinfo=dt.UTC)
        if created < timezone.now() - dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS):
            raise exceptions.AuthenticationFailed(
                "토큰이 만료되었습니다. 관리 콘솔에서 새 토큰을 발급받으세요."
            )
        if not user.is_superuser:
            user._perm_cache = set(perms.split(",")) if perms else set()  # type: ignore[attr-defined]
        token = Token(key=key, user=user, created=created)
        token._state.adding = False
        return user, token
