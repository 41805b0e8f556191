"""Relief review in the console (issue 13): the committee queue with the evidence each
application has against the kinds its program requires, the decision page (with evidence
upload), and the audit sample with its draw, filter and result actions. Every write goes
through claims.relief.review."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from claims.relief import review
from claims.relief.admin import ApplicationListAdmin
from claims.relief.forms_review import (
    ReliefAuditDrawForm,
    ReliefAuditForm,
    ReliefDecisionForm,
    ReliefEvidenceForm,
)
from claims.relief.masking import masked_business_number
from claims.relief.models import ReliefApplication, ReliefApplicationEvent
from claims.relief.review_models import (
    AuditSampleItem,
    CommitteeQueueItem,
    ReliefAuditDraw,
    ReliefAuditResult,
    ReliefDecision,
    ReliefEvidenceFile,
)
from config.admin import ReadOnlyInline
from incidents.masking import mask_name
from policies.models import ReliefProgramVersion

Status = ReliefApplication.Status


class EvidenceInline(ReadOnlyInline):
    model = ReliefEvidenceFile
    fields = readonly_fields = (
        "kind",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )
    verbose_name_plural = "증빙 파일 (추가만 가능)"


class DecisionInline(ReadOnlyInline):
    model = ReliefDecision
    fields = readonly_fields = (
        "kind",
        "amount",
        "reason",
        "program_version",
        "decided_by",
        "decided_at",
    )
    verbose_name_plural = "협의체 결정 (추가만 가능, 수정·삭제 불가)"


class EventInline(ReadOnlyInline):
    model = ReliefApplicationEvent
    fields = readonly_fields = ("at", "from_status", "to_status", "actor", "note")


class ReadOnlyApplicationAdmin(ApplicationListAdmin):
    """Shared by the queue and the sample: nothing is edited here, only decided or audited
    through the services."""

    list_select_related = ["program"]
    search_fields = ["applicant_external_id", "business_number"]

    @admin.display(description="신고 매출 손실 (원)", ordering="reported_loss")
    def loss(self, obj: ReliefApplication) -> str:
        return f"{obj.reported_loss:,}"

    @admin.display(description="프로그램", ordering="program__code")
    def program_code(self, obj: ReliefApplication) -> str:
        return obj.program.code


@admin.register(CommitteeQueueItem)
class CommitteeQueueAdmin(ReadOnlyApplicationAdmin):
    """Applications in committee review, oldest first, with their evidence against the
    program's required kinds; each opens its decision page."""

    list_display = [
        "id",
        "decide_link",
        "program_code",
        "masked_name",
        "masked_number",
        "loss",
        "evidence_status",
        "submitted_at",
    ]
    list_filter = ["program", "channel"]
    list_per_page = 50
    ordering = ["submitted_at", "id"]
    inlines = [EvidenceInline, DecisionInline, EventInline]
    fields = readonly_fields = (
        "program",
        "program_version",
        "segment",
        "masked_name",
        "masked_number",
        "loss",
        "damage",
        "channel",
        "submitted_at",
        "status",
        "required_evidence",
    )
    change_form_template = "admin/claims/relief/queue_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .filter(status=Status.COMMITTEE_REVIEW)
            .annotate(evidence_count=Count("evidence_files"))
            # The list shows each row's evidence against its version's kinds: loaded for the
            # page at once, not twice per row.
            .prefetch_related("evidence_files", "program_version__evidence_kinds")
        )

    @staticmethod
    def _evidence(obj: Any) -> tuple[list[Any], set[str]]:
        """The kinds the row's version asks of its segment (as `review.required_evidence`),
        and the kinds it has, from what get_queryset prefetched."""
        required = sorted(
            (e for e in obj.program_version.evidence_kinds.all() if e.segment == obj.segment),
            key=lambda e: (e.order, e.code),
        )
        return required, {f.kind for f in obj.evidence_files.all()}

    @admin.display(description="증빙")
    def evidence_status(self, obj: Any) -> str:
        required, have = self._evidence(obj)
        done = sum(1 for e in required if e.code in have)
        return f"{done}/{len(required)}종 · 파일 {obj.evidence_count}개"

    @admin.display(description="필수 증빙")
    def required_evidence(self, obj: ReliefApplication) -> str:
        required, have = self._evidence(obj)
        return format_html_join(
            ", ", "{} {}", (("✔" if e.code in have else "✘", e.label) for e in required)
        )

    @admin.display(description="결정")
    def decide_link(self, obj: ReliefApplication) -> str:
        url = reverse("admin:claims_committeequeueitem_decide", args=[obj.pk])
        return format_html('<a href="{}">심의 결정</a>', url)

    def get_urls(self):  # type: ignore[no-untyped-def]
        view = self.admin_site.admin_view(self.decide_view)
        download = self.admin_site.admin_view(self.evidence_view)
        return [
            path("<int:pk>/decide/", view, name="claims_committeequeueitem_decide"),
            path(
                "evidence/<int:pk>/",
                download,
                name="claims_committeequeueitem_evidence",
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """An evidence file for the committee, as an attachment with the type read from its
        bytes at upload (never rendered inline in the console's origin)."""
        if not request.user.has_perm(review.DECIDE_PERMISSION):
            raise PermissionDenied
        evidence = get_object_or_404(ReliefEvidenceFile, pk=pk)
        try:
            handle = evidence.file.open("rb")
        except OSError as exc:
            raise Http404("증빙 파일을 찾을 수 없습니다.") from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The committee's decision page: the application (masked), its evidence against the
        required kinds, an upload, and the decision form."""
        if not request.user.has_perm(review.DECIDE_PERMISSION):
            raise PermissionDenied
        application = get_object_or_404(
            ReliefApplication.objects.select_related("program", "program_version"), pk=pk
        )
        kinds = [(e.code, e.label) for e in review.required_evidence(application)]
        form = ReliefDecisionForm(None)
        upload = ReliefEvidenceForm(None, kinds=kinds)
        if request.method == "POST" and "upload" in request.POST:
            upload = ReliefEvidenceForm(request.POST, request.FILES, kinds=kinds)
            if upload.is_valid() and self._upload(request, application, upload):
                return HttpResponseRedirect(request.path)
        elif request.method == "POST":
            form = ReliefDecisionForm(request.POST)
            if form.is_valid() and self._decide(request, application, form):
                return HttpResponseRedirect(reverse("admin:claims_committeequeueitem_changelist"))
        decision = ReliefDecision.objects.filter(application=application).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"신청 #{application.pk} 협의체 심의",
            "application": application,
            "masked_name": mask_name(application.applicant_name),
            "masked_number": masked_business_number(application.business_number),
            "version": application.program_version,
            "decision": decision,
            "evidence": list(application.evidence_files.select_related("uploaded_by")),
            "required": [
                {"label": label, "present": application.evidence_files.filter(kind=code).exists()}
                for code, label in kinds
            ],
            "form": form,
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]
                [(None, {"fields": list(form.fields)})],
                {},
            ),
            "upload": upload,
        }
        return TemplateResponse(request, "admin/claims/relief/decide.html", context)

    def _upload(
        self, request: HttpRequest, application: ReliefApplication, upload: ReliefEvidenceForm
    ) -> bool:
        try:
            evidence = review.relief_evidence_add(
                application_id=application.pk,
                actor=request.user,
                kind=upload.cleaned_data["kind"],
                upload=upload.cleaned_data["file"],
            )
        except review.ReliefReviewInputError as exc:
            for field, errors in exc.errors.items():
                upload.add_error(field if field in upload.fields else None, errors)
            return False
        except review.ReliefReviewForbidden as exc:
            upload.add_error(None, str(exc))
            return False
        self.message_user(
            request, f"증빙을 올렸습니다: {evidence} (SHA-256 {evidence.sha256[:12]}…)"
        )
        return True

    def _decide(
        self, request: HttpRequest, application: ReliefApplication, form: ReliefDecisionForm
    ) -> bool:
        data = form.cleaned_data
        try:
            review.relief_application_decide(
                application_id=application.pk,
                actor=request.user,
                decision=data["decision"],
                amount=data["amount"],
                reason=data["reason"],
            )
        except review.ReliefReviewInputError as exc:
            for field, errors in exc.errors.items():
                form.add_error(field if field in form.fields else None, errors)
            return False
        except (review.ReliefStateError, review.ReliefReviewForbidden) as exc:
            form.add_error(None, str(exc))
            return False
        what = f"승인 {data['amount']:,}원" if data["decision"] == "approve" else "기각"
        self.message_user(request, f"신청 #{application.pk}: {what} 결정을 기록했습니다.")
        return True


class AuditResultFilter(admin.SimpleListFilter):
    title = "감사 결과"
    parameter_name = "audit"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("todo", "미감사"), *ReliefAuditResult.Result.choices]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "todo":
            return queryset.filter(audit_result__isnull=True)
        if self.value() in ReliefAuditResult.Result.values:
            return queryset.filter(audit_result__result=self.value())
        return queryset


@admin.register(AuditSampleItem)
class AuditSampleAdmin(ReadOnlyApplicationAdmin):
    """The audit sample: auto-approved applications drawn by the program's percentage and
    seed; the draw is repeatable (same seed, same sample) and results are recorded once."""

    list_display = [
        "id",
        "audit_link",
        "program_code",
        "segment",
        "masked_name",
        "masked_number",
        "loss",
        "submitted_at",
        "audit_label",
    ]
    list_filter = [AuditResultFilter, "program", "segment"]
    actions = ["record_passed", "record_failed"]
    inlines = [EventInline]
    fields = readonly_fields = (
        "program",
        "program_version",
        "segment",
        "masked_name",
        "masked_number",
        "loss",
        "damage",
        "status",
        "audit_label",
    )
    change_list_template = "admin/claims/relief/audit_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super().get_queryset(request).filter(audit_sample=True).select_related("audit_result")
        )

    def get_actions(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        actions = super().get_actions(request)
        if not request.user.has_perm(review.AUDIT_PERMISSION):
            actions.pop("record_passed", None)
            actions.pop("record_failed", None)
        return actions

    @admin.display(description="감사 결과")
    def audit_label(self, obj: Any) -> str:
        result = getattr(obj, "audit_result", None)
        if result is None:
            return "미감사"
        when = timezone.localtime(result.audited_at).strftime("%Y-%m-%d %H:%M")
        return f"{result.get_result_display()} ({result.audited_by}, {when}): {result.note}"

    def _record(self, request: HttpRequest, queryset: QuerySet[Any], result: str) -> None:
        done, refused = 0, []
        label = ReliefAuditResult.Result(result).label
        for application in queryset.order_by("pk"):
            try:
                review.relief_audit_record(
                    application_id=application.pk,
                    actor=request.user,
                    result=result,
                    note=f"관리 화면에서 {label}으로 기록",
                )
                done += 1
            except (review.ReliefStateError, review.ReliefReviewForbidden) as exc:
                refused.append(str(exc))
        if done:
            self.message_user(request, f"{done}건을 감사 {label}으로 기록했습니다.")
        for message in refused:
            self.message_user(request, message, level=messages.WARNING)

    @admin.action(description="선택한 신청을 감사 적정으로 기록")
    def record_passed(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._record(request, queryset, ReliefAuditResult.Result.PASSED)

    @admin.action(description="선택한 신청을 감사 부적정으로 기록")
    def record_failed(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._record(request, queryset, ReliefAuditResult.Result.FAILED)

    def get_urls(self):  # type: ignore[no-untyped-def]
        view = self.admin_site.admin_view(self.draw_view)
        audit = self.admin_site.admin_view(self.audit_view)
        return [
            path("draw/", view, name="claims_auditsampleitem_draw"),
            path("<int:pk>/audit/", audit, name="claims_auditsampleitem_audit"),
            *super().get_urls(),
        ]

    def audit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Record one sampled application's audit with the auditor's own note."""
        if not request.user.has_perm(review.AUDIT_PERMISSION):
            raise PermissionDenied
        application = get_object_or_404(
            self.get_queryset(request).select_related("program_version"), pk=pk
        )
        form = ReliefAuditForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                review.relief_audit_record(
                    application_id=application.pk,
                    actor=request.user,
                    result=form.cleaned_data["result"],
                    note=form.cleaned_data["note"],
                )
            except review.ReliefReviewInputError as exc:
                for field, errors in exc.errors.items():
                    form.add_error(field if field in form.fields else None, errors)
            except (review.ReliefStateError, review.ReliefReviewForbidden) as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"신청 #{application.pk}의 감사 결과를 기록했습니다.")
                return HttpResponseRedirect(reverse("admin:claims_auditsampleitem_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"신청 #{application.pk} 감사",
            "application": application,
            "masked_name": mask_name(application.applicant_name),
            "masked_number": masked_business_number(application.business_number),
            "grants": list(application.grants.all()),
            "result": ReliefAuditResult.objects.filter(application=application).first(),
            "form": form,
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]
                [(None, {"fields": list(form.fields)})],
                {},
            ),
        }
        return TemplateResponse(request, "admin/claims/relief/audit.html", context)

    @admin.display(description="감사")
    def audit_link(self, obj: Any) -> str:
        if getattr(obj, "audit_result", None) is not None:
            return "기록됨"
        url = reverse("admin:claims_auditsampleitem_audit", args=[obj.pk])
        return format_html('<a href="{}">감사 기록</a>', url)

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        extra = {
            "draw_form": ReliefAuditDrawForm(),
            "can_draw": request.user.has_perm(review.AUDIT_PERMISSION),
            "draws": ReliefAuditDraw.objects.select_related("program_version__program", "drawn_by")[
                :5
            ],
        }
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def draw_view(self, request: HttpRequest) -> HttpResponse:
        """Draw (again) the audit sample of a program: POST only."""
        if request.method != "POST" or not request.user.has_perm(review.AUDIT_PERMISSION):
            raise PermissionDenied
        form = ReliefAuditDrawForm(request.POST)
        back = HttpResponseRedirect(reverse("admin:claims_auditsampleitem_changelist"))
        if not form.is_valid():
            self.message_user(request, "프로그램을 고르세요.", level=messages.ERROR)
            return back
        program = form.cleaned_data["program"]
        try:
            draw = review.relief_audit_sample_draw(program=program, actor=request.user)
        except ReliefProgramVersion.DoesNotExist:
            self.message_user(
                request, f"{program.code}에 게시된 버전이 없습니다.", level=messages.ERROR
            )
            return back
        self.message_user(
            request,
            f"{program.code}: 자동 승인 {draw.population:,}건 중 {draw.percent}%(시드 "
            f"{draw.seed}) {draw.drawn:,}건을 표본으로 뽑았습니다(새로 표시 "
            f"{draw.newly_marked:,}건).",
        )
        return back
