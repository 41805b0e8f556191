"""Checks of an uploaded evidence file, shared by claims and relief applications: the type
judged from its leading bytes (never from its name or the browser's word), its SHA-256 and its
size against CLAIMS_EVIDENCE_MAX_BYTES. Its own module so relief (a sub-package the claims
models import) can use it without importing the claims services."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

# The leading bytes each accepted type starts with.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
TYPE_LABELS = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}


class EvidenceRejected(ValueError):
    """The file cannot be kept; `message` is the Korean reason (for the `file` field)."""


def evidence_check(upload: UploadedFile) -> tuple[str, str, int]:
    """The upload's type, SHA-256 and size. Raises EvidenceRejected for an empty file, one
    past the size limit or of a type not accepted."""
    limit = settings.CLAIMS_EVIDENCE_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise EvidenceRejected("빈 파일입니다.")
    if size > limit:
        raise EvidenceRejected(f"파일이 너무 큽니다: {size:,}바이트 (최대 {limit:,}바이트).")
    upload.seek(0)
    head = upload.read(16)
    kind = next(
        (
            t
            for t in settings.CLAIMS_EVIDENCE_TYPES
            if any(head.startswith(sig) for sig in SIGNATURES.get(t, ()))
        ),
        None,
    )
    if kind is None:
        accepted = ", ".join(TYPE_LABELS.get(t, t) for t in settings.CLAIMS_EVIDENCE_TYPES)
        raise EvidenceRejected(f"받을 수 있는 형식이 아닙니다 ({accepted}만).")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest(), size
