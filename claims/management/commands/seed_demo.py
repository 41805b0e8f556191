"""Demo logins (and, as apps grow, demo data) for `make run`. Safe to run repeatedly."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from config.roles import AGENT, MANAGER, RM, ROLE_LABELS, sync_roles

DEMO_PASSWORD = "bosang1234!"
DEMO_USERS = [
    # username, role, is_staff (may open the admin console), is_superuser
    ("agent", AGENT, True, False),
    ("manager", MANAGER, True, False),
    ("rm", RM, True, False),
    ("admin", None, True, True),
]


class Command(BaseCommand):
    help = "데모 로그인(상담사·관리자·RM팀·운영자)을 만듭니다."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--password", default=DEMO_PASSWORD)

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
            self.stdout.write(f"  {username:<8} {label:<10} {state}  API 토큰 {token.key}")
        self.stdout.write(self.style.SUCCESS(f"데모 로그인 비밀번호: {options['password']}"))
