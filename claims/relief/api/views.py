"""Relief API (issue 13): programs, filing and listing applications, the seed's breakdown,
bulk imports. Thin: input serializers, one service or selector call, output serializers.

Who may do what (config/roles.py): agents and managers file and list applications (a partner
channel's batch comes in through a manager's import); managers upload imports.
"""

from typing import Any

from django.db import transaction
from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, parsers, permissions, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.relief import importer, selectors, services
from claims.relief.api.serializers import (
    ReliefApplicationCreatedSerializer,
    ReliefApplicationCreateSerializer,
    ReliefApplicationListItemSerializer,
    ReliefBreakdownSerializer,
    ReliefImportInputSerializer,
    ReliefImportSerializer,
    ReliefProgramSerializer,
    created_payload,
)
from claims.relief.filters import ReliefApplicationFilter
from claims.relief.models import ReliefApplication, ReliefImport
from config.api import ThrottleUnauthenticated, needs_permission
from policies.models import ReliefProgram
from policies.selectors_relief import (
    NoPublishedProgramVersion,
    UnknownProgram,
    program_by_code,
    programs,
    published_version,
)

CanViewPrograms = needs_permission(
    "policies.view_reliefprogram", "피해 지원 프로그램 조회 권한이 필요합니다."
)
CanFile = needs_permission(
    "claims.add_reliefapplication", "피해 지원 신청 접수 권한(상담사·관리자)이 필요합니다."
)
CanView = needs_permission(
    "claims.view_reliefapplication", "피해 지원 신청 조회 권한이 필요합니다."
)
CanImport = needs_permission(
    "claims.add_reliefimport", "피해 지원 일괄 등록 권한(관리자)이 필요합니다."
)


def program_payload(program: ReliefProgram) -> dict[str, Any] | None:
    try:
        version = published_version(program=program)
    except NoPublishedProgramVersion:
        return None
    return {
        "code": program.code,
        "name": version.name,
        "version": version.number,
        "outage_start": version.outage_start,
        "outage_end": version.outage_end,
        "services": version.services,
        "segments": [s.segment for s in version.segments.all()],  # type: ignore[attr-defined]
        "budget": version.budget,
        "windows": [
            {
                "kind": w.kind,
                "start_date": w.start_date,
                "end_date": w.end_date,
                "channels": list(w.channels),
                "segments": list(w.segments or []),
            }
            for w in version.windows.all()  # type: ignore[attr-defined]
        ],
    }


class ProgramListView(ThrottleUnauthenticated, APIView):
    """The programs with a published version, by code, with that version's outline."""

    permission_classes = [permissions.IsAuthenticated, CanViewPrograms]

    @extend_schema(responses={200: ReliefProgramSerializer(many=True)})
    def get(self, request: Request) -> Response:
        items = [p for p in (program_payload(x) for x in programs()) if p is not None]
        return Response(ReliefProgramSerializer(items, many=True).data)


class ApplicationListCreateView(ThrottleUnauthenticated, generics.ListAPIView):
    """Applications, newest first (filters: program, segment, status, damage); or file one."""

    serializer_class = ReliefApplicationListItemSerializer
    filterset_class = ReliefApplicationFilter

    def get_permissions(self):  # type: ignore[no-untyped-def]
        extra = CanFile() if self.request.method == "POST" else CanView()
        return [permissions.IsAuthenticated(), extra]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # the schema's dry run
            return ReliefApplication.objects.none()
        return selectors.applications()

    @extend_schema(
        request=ReliefApplicationCreateSerializer,
        responses={201: ReliefApplicationCreatedSerializer},
        description="판정 결과: approved, committee_review, duplicate(duplicate_of에 원 신청), "
        "not_eligible. 접수 기간 밖이면 400(submitted_at에 접수 기간 안내).",
    )
    def post(self, request: Request) -> Response:
        data = ReliefApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            application = services.relief_application_create(
                program=v["program"],
                segment=v["segment"],
                applicant=services.Applicant(**v["applicant"]),
                reported_loss=v["reported_loss"],
                damage=v["damage"],
                channel=v["channel"],
                submitted_at=v["submitted_at"],
                saturdays_worked=v["saturdays_worked"],
                nights_worked=v["nights_worked"],
                actor=request.user,
            )
        except services.ReliefInputError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(created_payload(application), status=status.HTTP_201_CREATED)


def _program(code: str) -> ReliefProgram:
    try:
        return program_by_code(code)
    except UnknownProgram as exc:
        raise NotFound(str(exc)) from exc


class BreakdownView(ThrottleUnauthenticated, APIView):
    """Seed 000's breakdown of a program: counts and percentages by reporter type and by
    damage class (duplicates counted apart)."""

    permission_classes = [permissions.IsAuthenticated, CanView]

    @extend_schema(responses={200: ReliefBreakdownSerializer})
    def get(self, request: Request, code: str) -> Response:
        return Response(ReliefBreakdownSerializer(selectors.breakdown(program=_program(code))).data)


class ImportCreateView(ThrottleUnauthenticated, APIView):
    """Upload a CSV (multipart `program`, `file`): 202 with the import's id; a worker runs it."""

    permission_classes = [permissions.IsAuthenticated, CanImport]
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ReliefImportInputSerializer},
        responses={202: ReliefImportSerializer},
    )
    def post(self, request: Request) -> Response:
        data = ReliefImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        with transaction.atomic():
            try:
                job = importer.relief_import_create(
                    program=data.validated_data["program"],
                    source=upload,
                    original_name=upload.name or "upload.csv",
                    actor=request.user,
                )
            except (UnknownProgram, NoPublishedProgramVersion) as exc:
                raise ValidationError({"program": [str(exc)]}) from exc
            importer.relief_import_enqueue(import_id=job.pk)
        return Response(ReliefImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _import(pk: int) -> ReliefImport:
    job = selectors.imports().filter(pk=pk).first()
    if job is None:
        raise NotFound("일괄 등록을 찾을 수 없습니다.")
    return job


class ImportDetailView(ThrottleUnauthenticated, APIView):
    """An import's status and progress (processed_rows of total_rows, progress_percent)."""

    permission_classes = [permissions.IsAuthenticated, CanImport]

    @extend_schema(responses={200: ReliefImportSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReliefImportSerializer(_import(pk)).data)


class ImportErrorsView(ThrottleUnauthenticated, APIView):
    """The error report of a finished import (CSV: 줄, 열, 값, 오류)."""

    permission_classes = [permissions.IsAuthenticated, CanImport]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(description="오류 보고서 CSV (UTF-8, BOM)"),
            409: OpenApiResponse(description="아직 끝나지 않았거나 실패한 일괄 등록"),
        }
    )
    def get(self, request: Request, pk: int) -> Any:
        job = _import(pk)
        if job.status != ReliefImport.Status.DONE or not importer.error_report_exists(job):
            return Response(
                {"detail": "오류 보고서는 일괄 등록이 끝난 뒤에 받을 수 있습니다."},
                status=status.HTTP_409_CONFLICT,
            )
        return FileResponse(
            open(job.error_report_path, "rb"),
            as_attachment=True,
            filename=f"relief-import-{job.pk}-errors.csv",
            content_type="text/csv; charset=utf-8",
        )
