"""Evidence files on RM incidents: checked and hashed by config.evidence (the same rules as
claims' evidence), stored under INCIDENTS_EVIDENCE_ROOT, with a timeline row."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from config.evidence import EvidenceRefused, evidence_check
from incidents.models import Incident, IncidentEvent, IncidentEvidence
from incidents.services.timeline import incident_event


def incident_evidence_add(
    *, incident: Incident, actor: User, upload: UploadedFile
) -> IncidentEvidence:
    """Attach a file to the incident. Raises ValidationError (on `file`) for an empty file, one
    past INCIDENTS_EVIDENCE_MAX_BYTES, or a type (judged from its bytes) not in
    INCIDENTS_EVIDENCE_TYPES. The SHA-256 is of the bytes kept."""
    try:
        facts = evidence_check(
            upload,
            max_bytes=settings.INCIDENTS_EVIDENCE_MAX_BYTES,
            types=settings.INCIDENTS_EVIDENCE_TYPES,
        )
    except EvidenceRefused as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    with transaction.atomic():
        locked = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
        now = timezone.now()
        evidence = IncidentEvidence(
            incident=locked,
            original_name=facts.name,
            sha256=facts.sha256,
            size=facts.size,
            content_type=facts.content_type,
            uploaded_by=actor,
            at=now,
        )
        # Named by the case and the hash, never by the uploader's name for it.
        evidence.file.save(f"{locked.pk}-{facts.sha256[:16]}", upload, save=False)
        evidence.save()
        incident_event(
            locked,
            kind=IncidentEvent.Kind.EVIDENCE,
            actor=actor,
            at=now,
            detail=f"증빙 추가: {facts.name} ({facts.size:,}바이트, SHA-256 {facts.sha256[:12]}…)",
        )
    return evidence
