"""Evidence files, for every app that keeps them (claims, RM incidents): the type judged from
the file's leading bytes (never from its name or the browser's word), a size limit, the SHA-256
of what is kept, and storage under a root named by a setting, never served as static files."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile

# The leading bytes each accepted type starts with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
TYPE_LABELS = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}


class SettingRootStorage(FileSystemStorage):
    """Files under the directory the setting named by `root_setting` gives, read at each use
    (so tests can point it at a temporary directory). Subclasses name the setting and are
    `@deconstructible` with their own path, which their migrations refer to."""

    root_setting = ""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(getattr(settings, self.root_setting))

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)


class EvidenceRefused(ValueError):
    """The upload is empty, too large or of a type not accepted; the message is Korean."""


@dataclass(frozen=True)
class EvidenceFacts:
    name: str  # the uploaded file's own name, without any directory
    sha256: str
    size: int  # bytes
    content_type: str


def evidence_check(upload: UploadedFile, *, max_bytes: int, types: list[str]) -> EvidenceFacts:
    """Read the upload once: its type from its leading bytes (one of `types`), its size (at
    most `max_bytes`) and its SHA-256. Leaves the upload at its start, ready to be saved.
    Raises EvidenceRefused."""
    size = upload.size or 0
    if size == 0:
        raise EvidenceRefused("빈 파일입니다.")
    if size > max_bytes:
        raise EvidenceRefused(f"파일이 너무 큽니다: {size:,}바이트 (최대 {max_bytes:,}바이트).")
    upload.seek(0)
    head = upload.read(16)
    kind = next(
        (t for t in types if any(head.startswith(sig) for sig in SIGNATURES.get(t, ()))), None
    )
    if kind is None:
        accepted = ", ".join(TYPE_LABELS.get(t, t) for t in types)
        raise EvidenceRefused(f"받을 수 있는 형식이 아닙니다 ({accepted}만).")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = os.path.basename(upload.name or "evidence")[:255]
    return EvidenceFacts(name=name, sha256=digest.hexdigest(), size=size, content_type=kind)
