"""Demo RM incidents for `make run`: a few dozen cases across the four categories, services,
severities and statuses, some overdue, some due soon, one 성민감 case and one 보험 case with the
media involved (to be shared before closing). Filed through the real services with report
times in the past; a second run adds nothing (the demo marks its descriptions)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.utils import timezone

from incidents.models import Incident
from incidents.services.rm import (
    PartyInput,
    incident_assign,
    incident_create,
    incident_share,
    incident_transition,
)
from incidents.services.rm_actions import incident_set_insurance
from incidents.services.rm_sla import incident_pause_sla, incident_sla_mark_breaches

MARK = "[데모]"
S = Incident.Status
# The pipeline up to a status, as the demo walks it.
PATH = [S.TRIAGED, S.INVESTIGATING, S.ACTION_TAKEN, S.CLOSED]

# category, subtype, service, severity, hours ago reported, status, assignee, media, text
# fmt: off
CASES = [
    ("criminal", "violence", "daeri", "critical", 30, S.INVESTIGATING, "rm", False,
     "하차 과정에서 고객이 기사를 밀침. 경찰 출동, 고객 010-2222-3333."),
    ("criminal", "theft", "taxi", "high", 5, S.NEW, None, False,
     "차량 내 지갑 분실 신고. 다음 승객이 가져간 것으로 추정."),
    ("criminal", "threat_road_rage", "daeri", "high", 2, S.TRIAGED, "rm", False,
     "운행 중 뒤차가 상향등과 경적으로 위협, 블랙박스 영상 있음."),
    ("criminal", "hit_and_run", "delivery", "critical", 60, S.INVESTIGATING, "manager", False,
     "탁송 중 주차장 접촉 후 조치 없이 이동했다는 제보 (12가3456)."),
    ("criminal", "driver_dui", "daeri", "critical", 1, S.NEW, None, True,
     "기사 음주 의심 신고, 언론 문의 접수."),
    ("criminal", "pii_collection", "taxi", "medium", 80, S.ACTION_TAKEN, "rm", False,
     "기사가 고객 연락처를 따로 저장해 연락함."),
    ("criminal", "embezzlement", "taxi", "low", 200, S.CLOSED, "rm", False,
     "유실물 반환 지연, 반환 완료."),
    ("insurance", "over_limit", "truka", "high", 20, S.INVESTIGATING, "rm", False,
     "트루카 대물 사고, 보험사 한도 초과 예상."),
    ("insurance", "major", "daeri", "critical", 3, S.TRIAGED, "rm", True,
     "고속도로 다중 추돌, 지역 방송 취재 중."),
    ("insurance", "misfuel", "daeri", "medium", 26, S.NEW, None, False,
     "경유차에 휘발유 주유. 면책 유형."),
    ("insurance", "bike_defect", "bike", "medium", 14, S.TRIAGED, "manager", False,
     "브레이크 결함 주장, 기기 점검 요청."),
    ("insurance", "autonomous", "autonomous", "high", 7, S.NEW, None, False,
     "자율주행 시범 차량이 정차 중 후방 추돌당함."),
    ("insurance", "delivery_without_customer", "delivery", "low", 45, S.INVESTIGATING, "rm", False,
     "고객 부재 탁송 중 휠 긁힘."),
    ("insurance", "accident_denied", "daeri", "medium", 90, S.ACTION_TAKEN, "rm", False,
     "기사가 사고 사실을 부인, 블랙박스 확인 중."),
    ("insurance", "unlicensed", "truka", "high", 300, S.CLOSED, "rm", False,
     "면허 정지 상태 운전 확인, 면책 처리."),
    ("other", "abnormal_calls", "taxi", "low", 4, S.NEW, None, False,
     "같은 계정에서 반복 호출 후 취소."),
    ("other", "payment_policy", "daeri", "low", 50, S.TRIAGED, "rm", False,
     "추가 요금 결제 정책 민원."),
    ("other", "service_outage", "taxi", "medium", 0, S.NEW, None, False,
     "배차 지연 장애 문의 다수."),
    ("other", "general_dispute", "daeri", "low", 120, S.INVESTIGATING, "manager", False,
     "경유지 추가 요금 분쟁."),
    ("other", "policy_threat", "truka", "medium", 10, S.NEW, "rm", False,
     "정책 불만으로 고객센터 업무 방해."),
    ("other", "industrial_injury", "delivery", "high", 36, S.TRIAGED, None, False,
     "탁송 기사 작업 중 부상."),
    ("other", "repeat_accidents", "daeri", "medium", 70, S.INVESTIGATING, "rm", False,
     "최근 1년 사고 3건 기사 검토."),
    ("other", "new_service", "autonomous", "low", 400, S.CLOSED, "rm", False,
     "자율주행 셔틀 이용 안내 민원."),
    ("criminal", "identity_theft", "taxi", "high", 16, S.NEW, None, False,
     "타인 명의 계정으로 호출."),
    ("criminal", "provider_injury", "bike", "high", 8, S.NEW, None, False,
     "바이크 라이더 넘어짐, 병원 이송."),
    ("other", "abnormal_calls", "daeri", "low", 6, S.TRIAGED, "rm", False,
     "허위 콜 의심 패턴."),
    ("criminal", "violence", "taxi", "medium", 12, S.NEW, None, False,
     "승객 간 다툼, 기사 신고."),
    ("insurance", "over_limit", "daeri", "critical", 110, S.INVESTIGATING, "rm", False,
     "대인 사고, 한도 초과 손해 예상."),
    ("sexual", "harassment", "daeri", "high", 3, S.TRIAGED, None, False,
     "운행 중 기사의 부적절한 발언 신고."),
    ("sexual", "private_contact", "taxi", "medium", 28, S.INVESTIGATING, None, False,
     "하차 후 기사가 개인 연락."),
]
# fmt: on
PARTIES = {
    "daeri": [
        PartyInput(role="driver", external_id="D-DEMO-1", name="최도윤"),
        PartyInput(role="customer", external_id="C-DEMO-1", name="한지아"),
    ],
    "taxi": [
        PartyInput(role="driver", external_id="D-DEMO-2", name="정우진"),
        PartyInput(role="customer", external_id="C-DEMO-1", name="한지아"),
    ],
    "truka": [PartyInput(role="truka_member", external_id="T-DEMO-1", name="김민지")],
    "bike": [PartyInput(role="customer", external_id="C-DEMO-1", name="한지아")],
    "delivery": [PartyInput(role="driver", external_id="D-DEMO-1", name="최도윤")],
    "autonomous": [PartyInput(role="customer", external_id="C-DEMO-1", name="한지아")],
}  # fmt: skip


def seed(stdout: OutputWrapper) -> None:
    if Incident.objects.filter(description__startswith=MARK).exists():
        return
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["rm", "manager"])}
    now = timezone.now()
    for category, subtype, service, severity, hours, status, assignee, media, text in CASES:
        reported = now - timedelta(hours=hours, minutes=7 * len(text) % 50)
        incident = incident_create(
            service=service,
            category=category,
            subtype=subtype,
            severity=severity,
            description=f"{MARK} {text}",
            occurred_at=reported - timedelta(minutes=40),
            reported_at=reported,
            media_or_agency=media,
            parties=PARTIES[service],
        )
        actor = users.get(assignee or "rm")
        if assignee and assignee in users:
            incident_assign(incident_id=incident.pk, assignee=assignee, actor=actor)
        for step in PATH[: PATH.index(status) + 1] if status != S.NEW else []:
            if step == S.CLOSED and incident.must_share:
                incident_share(incident_id=incident.pk, actor=actor)
            incident_transition(incident_id=incident.pk, to=step, actor=actor, reason="데모 처리")
    # One case waits on the insurer; the late ones are marked as the beat sweep would have,
    # five minutes after each fell due (so this week's breaches spread over their days).
    waiting = Incident.objects.filter(
        description__startswith=MARK, subtype="over_limit", service="truka"
    ).first()
    if waiting is not None:
        incident_pause_sla(
            incident=waiting, actor=users.get("rm"), reason="보험사 손해사정 회신 대기"
        )
        incident_set_insurance(
            incident=waiting,
            actor=users.get("rm"),
            insurer_limit=20_000_000,
            loss_amount=27_500_000,
            reason="보험사 한도 회신",
        )
    late = Incident.objects.filter(
        description__startswith=MARK, sla_due_at__lt=now, sla_paused_at__isnull=True
    ).exclude(status=S.CLOSED)
    for incident in late:
        incident_sla_mark_breaches(
            incident_ids=[incident.pk], now=incident.sla_due_at + timedelta(minutes=5)
        )
    stdout.write(f"  데모 RM 사고: {len(CASES)}건 (RM 대기열 /incidents/)")
