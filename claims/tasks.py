"""Celery discovers `claims.tasks`; the relief tasks live beside their services."""

from claims.relief.tasks import run_import

__all__ = ["run_import"]
