"""Relief pages for managers (the operators of a program): a program's dashboard and the CSV
import with its progress bar. No inline script (CSP): charts read a json_script block from a
static file, and the progress fragment polls itself through htmx attributes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from claims.relief import dashboard, importer, selectors
from claims.relief.forms_review import ReliefImportForm
from policies.models import ReliefProgram
from policies.selectors_relief import NoPublishedProgramVersion, UnknownProgram

DASHBOARD_PERMISSION = "claims.view_relief_dashboard"
IMPORT_PERMISSION = "claims.add_reliefimport"


@login_required
@permission_required(DASHBOARD_PERMISSION, raise_exception=True)
def relief_program_list(request: HttpRequest) -> HttpResponse:
    """The programs, each linking to its dashboard."""
    programs = ReliefProgram.objects.order_by("code")
    return render(request, "relief/programs.html", {"programs": programs})


@login_required
@permission_required(DASHBOARD_PERMISSION, raise_exception=True)
def relief_program_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """Seed 000's breakdown of the program (counts, percentages, charts), its money and its
    review queues."""
    program = get_object_or_404(ReliefProgram, code=code)
    return render(request, "relief/dashboard.html", dashboard.program_dashboard(program))


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def relief_import_new(request: HttpRequest) -> HttpResponse:
    """Upload a CSV for a program; a worker runs the import (the page then shows progress)."""
    form = ReliefImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        program = form.cleaned_data["program"]
        try:
            with transaction.atomic():
                job = importer.relief_import_create(
                    program=program.code,
                    source=upload,
                    original_name=upload.name or "upload.csv",
                    actor=request.user,
                )
                importer.relief_import_enqueue(import_id=job.pk)
        except (UnknownProgram, NoPublishedProgramVersion) as exc:
            form.add_error("program", str(exc))
        else:
            messages.success(request, f"{job.original_name}: 일괄 등록 #{job.pk}을 시작했습니다.")
            return HttpResponseRedirect(reverse("relief-import", args=[job.pk]))
    recent = selectors.imports()[:10]
    return render(request, "relief/import_new.html", {"form": form, "recent": recent})


def _job(pk: int) -> dict[str, Any]:
    """The import and what its progress fragment shows besides its own fields."""
    job = get_object_or_404(selectors.imports(), pk=pk)
    elapsed = ""
    if job.started_at and job.finished_at:
        elapsed = f"{(job.finished_at - job.started_at).total_seconds():,.1f}초"
    return {"job": job, "elapsed": elapsed, "show_stage": job.stage != job.get_status_display()}


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def relief_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "relief/import_detail.html", _job(pk))


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def relief_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; it keeps polling (htmx, every second) until the import ends."""
    return render(request, "relief/_import_progress.html", _job(pk))
