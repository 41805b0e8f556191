"""Demo logins and each app's demo data for `make run`. Safe to run repeatedly: every demo row
has a fixed idempotency key or code, so a second run adds nothing."""

from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.roles import AGENT, MANAGER, RM, RM_SENSITIVE, ROLE_LABELS, sync_roles

DEMO_PASSWORD = "bosang1234!"
DEMO_USERS = [
    # username, role, is_staff (may open the admin console), is_superuser
    ("agent", AGENT, True, False),
    ("manager", MANAGER, True, False),
    ("rm", RM, True, False),
    ("rm_lead", RM_SENSITIVE, True, False),
    ("admin", None, True, True),
]


class Command(BaseCommand):
    help = "데모 로그인(상담사·관리자·RM팀·운영자)을 만듭니다."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument(
            "--no-payouts", action="store_true", help="앱별 데모 데이터(지급 등) 생략, 로그인만"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        sync_roles()
        User = get_user_model()
        for username, role, is_staff, is_superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            user.is_staff = is_staff
            user.is_superuser = is_superuser
            if created:
                user.set_password(options["password"])
            user.save()
            if role:
                user.groups.set([Group.objects.get(name=role)])
            label = ROLE_LABELS.get(role, "운영자(슈퍼유저)") if role else "운영자(슈퍼유저)"
            state = "생성" if created else "유지"
            token, _ = Token.objects.get_or_create(user=user)
            if token.created < timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS):
                # An expired demo token is no use to print: make a fresh one.
                token.delete()
                token = Token.objects.create(user=user)
            self.stdout.write(f"  {username:<8} {label:<10} {state}  API 토큰 {token.key}")
        self.stdout.write(self.style.SUCCESS(f"데모 로그인 비밀번호: {options['password']}"))
        if not options["no_payouts"]:
            # Each app that has demo data contributes it (`<app>/demo.py`, `seed(stdout)`),
            # in INSTALLED_APPS order.
            for app in apps.get_app_configs():
                try:
                    module = import_module(f"{app.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app.name}.demo":
                        raise
                    continue
                module.seed(self.stdout)
