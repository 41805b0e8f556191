"""API authentication: tokens that expire, read with their user and permissions at once."""

import datetime as dt
import re
import threading
import time
from collections import OrderedDict
from functools import cache

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import DateTimeField
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

# DRF's keys: 40 hex digits. Anything else is refused before it reaches the database (a NUL
# byte, say, which PostgreSQL cannot take).
TOKEN_KEY = re.compile(r"^[0-9a-f]{40}$")


@cache
def _token_sql() -> tuple[str, list[str]]:
    """One statement: the token, its user's columns, and the user's permissions (own and
    through groups) as one `app_label.codename` list, in the form ModelBackend caches them."""
    User = get_user_model()
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
        if not TOKEN_KEY.match(key):
            raise exceptions.AuthenticationFailed("토큰이 올바르지 않습니다.")
        row = _token_row(key)
        if row is None:
            raise exceptions.AuthenticationFailed("토큰이 올바르지 않습니다.")
        _, names = _token_sql()
        created, *values, perms = row
        User = get_user_model()
        user = User.from_db(connection.alias, names, _aware(User, names, values))
        if not user.is_active:
            raise exceptions.AuthenticationFailed("사용할 수 없는 계정입니다.")
        created = _aware_value(created)
        if created < timezone.now() - dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS):
            raise exceptions.AuthenticationFailed(
                "토큰이 만료되었습니다. 관리 콘솔에서 새 토큰을 발급받으세요."
            )
        if not user.is_superuser:
            user._perm_cache = set(perms.split(",")) if perms else set()  # type: ignore[attr-defined]
        token = Token(key=key, user=user, created=created)
        token._state.adding = False
        return user, token


# Token rows read in the last API_AUTH_CACHE_SECONDS, by key: (read until, row). A process
# serving the API reads the same few tokens over and over; re-reading them costs more than the
# rest of a quote. API_AUTH_CACHE_SECONDS is the bound on how long a change to a token, its
# user or their permissions can go unseen. Changes through the ORM's save, delete and m2m
# (a token deleted or rotated, a user saved or deleted, a membership or a group's permissions
# changed) empty this process's copy sooner: when they are made and again when they commit,
# and a read that began before such a change is not kept. Only found tokens are kept, so a
# new token works at once.
_recent: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
_recent_lock = threading.Lock()
_RECENT_MAX = 10_000
_generation = 0  # bumped by every forget: a read older than the last forget is not kept


def _token_row(key: str) -> tuple | None:
    ttl = settings.API_AUTH_CACHE_SECONDS
    if ttl > 0:
        with _recent_lock:
            hit = _recent.get(key)
            started = _generation
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    sql, _ = _token_sql()
    with _cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is not None and ttl > 0:
        with _recent_lock:
            if started == _generation:
                _recent[key] = (time.monotonic() + ttl, tuple(row))
                _recent.move_to_end(key)
                while len(_recent) > _RECENT_MAX:
                    _recent.popitem(last=False)
    return row


def _forget() -> None:
    global _generation
    with _recent_lock:
        _recent.clear()
        _generation += 1


def forget_tokens(**kwargs: object) -> None:
    """Empty this process's copy of token rows now and once the change commits (a signal
    receiver): between the two another request may read the row as it was before."""
    _forget()
    if connection.in_atomic_block:
        transaction.on_commit(_forget)


_User = get_user_model()
for _model in (Token, _User, Group):
    post_save.connect(forget_tokens, sender=_model, dispatch_uid=f"forget-tokens-save-{_model}")
    post_delete.connect(forget_tokens, sender=_model, dispatch_uid=f"forget-tokens-del-{_model}")
for _through in (_User.groups.through, _User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(forget_tokens, sender=_through, dispatch_uid=f"forget-tokens-{_through}")


class _PreparedCursor(psycopg.Cursor):
    """Binds on the server and keeps the statement prepared on the connection: planning the
    token query costs PostgreSQL twice what running it does, on every API call."""

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[no-untyped-def, override]
        return super().execute(query, params, prepare=True, binary=binary)


def _cursor():  # type: ignore[no-untyped-def]
    """A cursor for the token query, logged like any other (the debug toolbar, tests)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    # What connection.cursor() does first: a kept connection the server dropped (a restart,
    # a failover) is replaced here rather than failing this request.
    connection.validate_thread_sharing()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)  # type: ignore[arg-type]
    return connection.make_cursor(raw)  # type: ignore[arg-type]


def _aware_value(value):  # type: ignore[no-untyped-def]
    # A raw cursor skips Django's converters: SQLite hands back text or naive UTC.
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _aware(model, names: list[str], values: list) -> list:  # type: ignore[no-untyped-def]
    """The user's row as the ORM would give it: datetimes aware, so saving it shifts nothing."""
    kinds = {f.attname: isinstance(f, DateTimeField) for f in model._meta.concrete_fields}
    return [
        _aware_value(v) if kinds[n] and v is not None else v
        for n, v in zip(names, values, strict=True)
    ]
