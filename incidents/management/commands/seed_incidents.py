"""`python manage.py seed_incidents --count 1000000`: many RM incidents, fast, for measuring
the queue at scale (see `incidents/bench_queue.py`).

On PostgreSQL the rows go in by COPY in batches (incidents, their parties, a "filed" timeline
row each), then ANALYZE; elsewhere by bulk_create. The incidents spread over the published
taxonomy's categories and subtypes, severities, services and two years of report times (recent
ones more often); most old cases are closed, as in a real queue. SLA due times are computed
with the real business-hour clock. A few RM users (`rm-seed-1`…`4`, role rm) are the
assignees; the parties are a few dozen shared accounts. Not for production data: it writes
straight to the tables, past the services, for speed.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from config.roles import RM, sync_roles
from incidents.models import Incident, IncidentEvent, IncidentParty, Service, SourceKind
from incidents.services.accounts import account_get_or_create
from incidents.sla import business_hours_add
from policies.models import RmSeverity, RmSubtype
from policies.selectors import NoPublishedPolicy, current_version

SEED_USERS = [f"rm-seed-{n}" for n in range(1, 5)]
OPEN_STATUSES = [
    (Incident.Status.NEW, 30),
    (Incident.Status.TRIAGED, 25),
    (Incident.Status.INVESTIGATING, 30),
    (Incident.Status.ACTION_TAKEN, 10),
    (Incident.Status.REOPENED, 5),
]
SEVERITIES = [
    (RmSeverity.CRITICAL, 5),
    (RmSeverity.HIGH, 20),
    (RmSeverity.MEDIUM, 45),
    (RmSeverity.LOW, 30),
]
SERVICES = [
    (Service.DAERI, 40),
    (Service.TAXI, 30),
    (Service.TRUKA, 10),
    (Service.BIKE, 8),
    (Service.DELIVERY, 8),
    (Service.AUTONOMOUS, 4),
]
INCIDENT_COLUMNS = [
    "id", "service", "rm_subtype_id", "category", "subtype", "sensitive", "severity",
    "description", "occurred_at", "reported_at", "media_or_agency", "status", "assignee_id",
    "sla_due_at", "sla_paused_at", "sla_breached_at", "created_by_id", "created_at",
    "updated_at",
]  # fmt: skip
DESCRIPTIONS = [
    "운행 중 분쟁 신고",
    "하차 후 유실물 관련 문의",
    "차량 접촉 사고 접수",
    "고객 민원 재접수",
    "경찰서 사실 확인 요청",
]


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class Command(BaseCommand):
    help = "RM 사고를 대량으로 만듭니다 (대기열 성능 측정용, 예: --count 1000000)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--batch", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=20261206, help="난수 시드 (재현용)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        count, batch = options["count"], max(1, options["batch"])
        if count < 1 or count > 20_000_000:
            raise CommandError("--count는 1 이상 20,000,000 이하여야 합니다.")
        try:
            version = current_version()
        except NoPublishedPolicy as exc:
            raise CommandError("게시된 정책 버전이 없습니다.") from exc
        rng = random.Random(options["seed"])
        subtypes = list(RmSubtype.objects.filter(version=version).select_related("category"))
        assignees = self._users()
        accounts = self._accounts()
        started = time.monotonic()
        now = timezone.now()
        postgres = connection.vendor == "postgresql"
        made = 0
        while made < count:
            n = min(batch, count - made)
            with transaction.atomic():
                first_id = self._next_id()
                rows = [
                    self._incident(rng, first_id + i, subtypes, assignees, version, now)
                    for i in range(n)
                ]
                parties = [
                    (row["id"], account_id, role)
                    for row in rows
                    for account_id, role in rng.sample(accounts, rng.choice((1, 1, 2)))
                ]
                if postgres:
                    self._copy(rows, parties)
                else:
                    self._bulk(rows, parties)
            made += n
            rate = made / max(time.monotonic() - started, 1e-9)
            self.stdout.write(f"  {made:,} / {count:,}건 ({rate:,.0f}건/초)")
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "(SELECT MAX(id) FROM incidents_incident))",
                    ["incidents_incident"],
                )
                for table in ("incidents_incident", "incidents_incidentparty",
                              "incidents_incidentevent"):  # fmt: skip
                    cursor.execute(f"ANALYZE {table}")
        took = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"RM 사고 {count:,}건을 {took:,.1f}초에 만들었습니다.")
        )

    # --- pieces ------------------------------------------------------------------------------

    def _users(self) -> list[int]:
        sync_roles()
        group = Group.objects.get(name=RM)
        ids = []
        for username in SEED_USERS:
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"is_staff": True}
            )
            if created:
                user.set_unusable_password()
                user.save()
            user.groups.add(group)
            ids.append(user.pk)
        return ids

    def _accounts(self) -> list[tuple[int, str]]:
        """A few dozen shared accounts (through the accounts service), each with its role."""
        people = []
        kinds = [("driver", "driver", "D"), ("customer", "customer", "C"),
                 ("truka_member", "truka_member", "T")]  # fmt: skip
        family = "김이박최정강조윤장임"
        given = ["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지우"]
        for n in range(40):
            kind, role, prefix = kinds[n % 3]
            account = account_get_or_create(
                kind=kind,
                external_id=f"{prefix}-SEED-{n:03d}",
                name=family[n % 10] + given[n % 8],
                phone=f"010{5000 + n:04d}{1000 + n * 7:04d}",
                source_kind=SourceKind.INCIDENT,
                source_ref="seed",
            )
            people.append((account.pk, role))
        return people

    def _next_id(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM incidents_incident")
            return int(cursor.fetchone()[0]) + 1

    def _incident(
        self,
        rng: random.Random,
        pk: int,
        subtypes: list[RmSubtype],
        assignees: list[int],
        version: Any,
        now: datetime,
    ) -> dict[str, Any]:
        sub = rng.choice(subtypes)
        severity = _weighted(rng, SEVERITIES)
        # Two years back, recent reports more often (the square skews towards now).
        age = timedelta(days=730 * rng.random() ** 2)
        reported = now - age
        open_chance = 0.5 if age.days < 14 else (0.08 if age.days < 60 else 0.005)
        is_open = rng.random() < open_chance
        status = _weighted(rng, OPEN_STATUSES) if is_open else Incident.Status.CLOSED
        due = business_hours_add(
            reported,
            sub.category.sla_hours(severity),
            day_start=version.rm_day_start_hour,
            day_end=version.rm_day_end_hour,
        )
        paused = None
        if is_open and rng.random() < 0.04:
            paused = min(now, reported + timedelta(hours=rng.randint(1, 30)))
        breached = None
        # What the breach sweep would have marked: open and running past due, or a share of
        # the closed ones that ran late before closing.
        if due < now and ((is_open and paused is None) or (not is_open and rng.random() < 0.1)):
            breached = min(now, due + timedelta(minutes=rng.randint(1, 5)))
        assignee = None
        if status != Incident.Status.NEW and rng.random() < 0.9:
            assignee = rng.choice(assignees)
        return {
            "id": pk,
            "service": _weighted(rng, SERVICES),
            "rm_subtype_id": sub.pk,
            "category": sub.category.code,
            "subtype": sub.code,
            "sensitive": sub.category.sensitive,
            "severity": severity,
            "description": rng.choice(DESCRIPTIONS),
            "occurred_at": reported - timedelta(minutes=rng.randint(5, 600)),
            "reported_at": reported,
            "media_or_agency": rng.random() < 0.03,
            "status": status,
            "assignee_id": assignee,
            "sla_due_at": due,
            "sla_paused_at": paused,
            "sla_breached_at": breached,
            "created_by_id": None,
            "created_at": reported,
            "updated_at": reported,
        }

    def _copy(self, rows: list[dict[str, Any]], parties: list[tuple[int, int, str]]) -> None:
        raw = connection.connection  # psycopg 3: COPY straight from Python rows
        assert raw is not None
        with raw.cursor() as cursor:
            cols = ", ".join(INCIDENT_COLUMNS)
            with cursor.copy(f"COPY incidents_incident ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in INCIDENT_COLUMNS])
            with cursor.copy(
                "COPY incidents_incidentparty (incident_id, account_id, role) FROM STDIN"
            ) as copy:
                for party in parties:
                    copy.write_row(party)
            with cursor.copy(
                "COPY incidents_incidentevent (incident_id, kind, from_status, to_status, "
                "actor_id, at, detail, reason) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(
                        (row["id"], IncidentEvent.Kind.CREATED, "", Incident.Status.NEW, None,
                         row["reported_at"], "대량 생성 (성능 측정용)", "")
                    )  # fmt: skip

    def _bulk(self, rows: list[dict[str, Any]], parties: list[tuple[int, int, str]]) -> None:
        Incident.objects.bulk_create([Incident(**row) for row in rows], batch_size=2000)
        IncidentParty.objects.bulk_create(
            [IncidentParty(incident_id=i, account_id=a, role=r) for i, a, r in parties],
            batch_size=2000,
        )
        IncidentEvent.objects.bulk_create(
            [
                IncidentEvent(
                    incident_id=row["id"],
                    kind=IncidentEvent.Kind.CREATED,
                    to_status=Incident.Status.NEW,
                    at=row["reported_at"],
                    detail="대량 생성 (성능 측정용)",
                )
                for row in rows
            ],
            batch_size=2000,
        )
