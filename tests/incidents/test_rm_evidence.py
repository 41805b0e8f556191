"""Evidence files on RM incidents: type from the bytes, size limit, SHA-256, kept under their
own root; upload and download through the API with the incident's visibility; listed in the
detail; a timeline row. The checks are claims' (config.evidence), shared."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.roles import RM_SENSITIVE
from incidents.models import IncidentEvent, IncidentEvidence
from incidents.services.rm import incident_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
URL = "/api/v1/incidents/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.INCIDENTS_EVIDENCE_ROOT = tmp_path / "incidents"
    return settings.INCIDENTS_EVIDENCE_ROOT


@pytest.fixture
def rm(api_as, rm_user):  # type: ignore[no-untyped-def]
    return api_as(rm_user)


def file(**overrides):  # type: ignore[no-untyped-def]
    fields = {
        "service": "daeri",
        "category": "criminal",
        "subtype": "theft",
        "severity": "high",
        "description": "차량 내 지갑 분실",
        "occurred_at": datetime(2026, 10, 6, 9, tzinfo=KST),
    }
    return incident_create(**{**fields, **overrides})


def upload(client, incident_id, name, content):  # type: ignore[no-untyped-def]
    return client.post(
        f"{URL}{incident_id}/evidence/",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
        format="multipart",
    )


def test_evidence_is_kept_with_its_sha256_listed_and_downloaded(rm, rm_user, evidence_root):
    incident = file()
    answer = upload(rm, incident.pk, "블랙박스 캡처.png", PNG)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    digest = hashlib.sha256(PNG).hexdigest()
    assert (body["sha256"], body["size"], body["content_type"]) == (digest, len(PNG), "image/png")
    assert body["name"] == "블랙박스 캡처.png"
    assert body["uploaded_by"] == "rm1"
    kept = IncidentEvidence.objects.get()
    assert kept.file.path.startswith(str(evidence_root))
    assert kept.file.read() == PNG
    event = incident.events.get(kind=IncidentEvent.Kind.EVIDENCE)
    assert event.actor == rm_user
    assert digest[:12] in event.detail
    detail = rm.get(f"{URL}{incident.pk}/").json()
    assert [e["sha256"] for e in detail["evidence"]] == [digest]
    got = rm.get(detail["evidence"][0]["url"])
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PNG
    assert got["Content-Type"] == "image/png"
    assert got["X-Content-SHA256"] == digest
    assert "attachment" in got["Content-Disposition"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"MZ\x90\x00not an image", "형식"), (PNG + b"x" * 200, "너무 큽니다")],
)
def test_evidence_past_the_limits_is_a_400_naming_them(rm, settings, content, message):
    settings.INCIDENTS_EVIDENCE_MAX_BYTES = 200
    incident = file()
    answer = upload(rm, incident.pk, "x.png", content)
    assert answer.status_code == 400
    assert message in " ".join(answer.json()["file"])
    assert not IncidentEvidence.objects.exists()
    assert not incident.events.filter(kind=IncidentEvent.Kind.EVIDENCE).exists()


def test_agents_may_not_upload_or_download(api_as, rm, agent):
    incident = file()
    evidence_url = upload(rm, incident.pk, "x.pdf", PDF).json()["url"]
    client = api_as(agent)
    assert upload(client, incident.pk, "y.pdf", PDF).status_code == 403
    assert client.get(evidence_url).status_code == 403


def test_evidence_of_a_sensitive_case_is_404_for_plain_rm(api_as, rm):
    secret = file(category="sexual", subtype="harassment")
    rms = api_as(make_user("rms1", RM_SENSITIVE))
    answer = upload(rms, secret.pk, "x.pdf", PDF)
    assert answer.status_code == 201
    assert rms.get(answer.json()["url"]).status_code == 200
    assert rm.get(answer.json()["url"]).status_code == 404
    assert upload(rm, secret.pk, "y.pdf", PDF).status_code == 404
    assert IncidentEvidence.objects.count() == 1


def test_an_evidence_id_of_another_incident_is_404(rm):
    one, other = file(), file()
    evidence_id = upload(rm, one.pk, "x.pdf", PDF).json()["id"]
    assert rm.get(f"{URL}{other.pk}/evidence/{evidence_id}/").status_code == 404
