"""The RM team's pages: the queue (filters, SLA time left, keyset pages, bulk assignment, CSV
export), an incident (timeline, sharing, transition, assignment, SLA pause, a party's
violation, evidence), the user's notices and the dashboard.

Every page needs `incidents.work_incident`; a 성민감 case is a 404 and absent from every list,
count and export for users without `incidents.view_sensitive_incident`. Every change goes
through the services (`incidents.services.rm`, `rm_sla`, `rm_actions`, `rm_evidence`); a
refusal is a Korean form error, never a 500.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from config.spreadsheet import spreadsheet_safe
from incidents import queue, selectors
from incidents.forms import (
    AssignForm,
    BulkAssignForm,
    EvidenceForm,
    FlagClearForm,
    IncidentViolationForm,
    InsuranceForm,
    QueueFilterForm,
    SlaPauseForm,
    SlaResumeForm,
    TransitionForm,
    taxonomy_for,
    worker_choices,
)
from incidents.masking import mask_text
from incidents.models import AccountFlag, Incident
from incidents.services.flags import account_flag_clear
from incidents.services.notifications import incident_notification_mark_read
from incidents.services.rm import (
    TransitionRefused,
    incident_assign,
    incident_share,
    incident_transition,
    incidents_assign,
)
from incidents.services.rm_actions import incident_record_violation, incident_set_insurance
from incidents.services.rm_evidence import incident_evidence_add
from incidents.services.rm_sla import SlaNotApplicable, incident_pause_sla, incident_resume_sla

WORK = "incidents.work_incident"


def rm_page(view: Any) -> Any:
    """Logged in, with RM work: everyone else gets the 403 page."""
    return login_required(permission_required(WORK, raise_exception=True)(view))


# --- the queue ---------------------------------------------------------------------------------


def _filtered(
    request: HttpRequest, form: QueueFilterForm, now: Any, soon: Any
) -> tuple[QuerySet[Incident], QuerySet[Incident]]:
    """The queue under the form's valid filters, and the same without the status and SLA
    filters (what the SLA chips count)."""
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    qs = selectors.incidents_visible_to(request.user)
    for field in ("category", "subtype", "severity", "service"):
        if data.get(field):
            qs = qs.filter(**{field: data[field]})
    assignee = data.get("assignee")
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        user = get_user_model().objects.filter(username=assignee).first()
        qs = qs.filter(assignee_id=user.pk if user else -1)
    if data.get("mine"):
        qs = qs.filter(assignee_id=request.user.pk)
    base = qs
    status, sla = data.get("status", ""), data.get("sla", "")
    if status == QueueFilterForm.OPEN:
        # Open cases by default; asking for 종결 in the SLA filter means the closed ones.
        qs = qs.filter(status=Incident.Status.CLOSED) if sla == "closed" else qs.filter(queue.OPEN)
    elif status != QueueFilterForm.ALL:
        qs = qs.filter(status=status)
    if sla:
        qs = qs.filter(queue.sla_state_q(sla, now=now, soon_limit=soon))
    return qs, base


def _parts(form: QueueFilterForm) -> tuple[str, ...]:
    """Which of open and closed cases the status filter can match."""
    data = form.cleaned_data
    status, sla = data.get("status", ""), data.get("sla", "")
    if status == QueueFilterForm.ALL:
        return (queue.OPEN_PART, queue.CLOSED_PART)
    closed = status == Incident.Status.CLOSED or (
        status == QueueFilterForm.OPEN and sla == "closed"
    )
    return (queue.CLOSED_PART,) if closed else (queue.OPEN_PART,)


def _queue_form(
    request: HttpRequest, workers: list[tuple[str, str]], version: Any
) -> QueueFilterForm:
    taxonomy = taxonomy_for(request.user, version) if version is not None else []
    form = QueueFilterForm(request.GET or None, taxonomy=taxonomy, workers=workers)
    if request.GET:
        form.is_valid()
    else:
        form.cleaned_data = {"status": "", "sort": queue.Sort.SLA}
    return form


def _with(params: QueryDict, **changes: str) -> str:
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    return query.urlencode()


def _short(at: Any) -> str:
    # strftime on the local time: the date filter costs more than the rest of a row.
    local = timezone.localtime(at)
    return f"{local.month}/{local.day} {local:%H:%M}"


def _party_names(incident: Incident) -> list[str]:
    return [
        f"{p.get_role_display()} {p.account.masked_name or '(이름 없음)'}"
        for p in incident.parties.all()
    ]


ROW = (
    '<tr class="sla-{state}">'
    '<td><input type="checkbox" name="ids" value="{pk}" aria-label="#{pk} 선택"></td>'
    '<td><a href="{url}">#{pk}</a></td>'
    '<td class="left"><span class="badge sla-{state}">{state_label}</span> '
    '<span class="{over}">{left}</span><div class="note">{due}</div></td>'
    "<td>{kind}{exempt}{media}</td>"
    '<td><span class="sev sev-{severity}">{severity_label}</span></td>'
    "<td>{service}</td><td>{status}</td><td>{parties}</td>"
    "<td>{assignee}{assign_me}</td><td>{reported}</td></tr>"
)
EXEMPT = mark_safe(' <span class="tag">면책</span>')
MEDIA = mark_safe(' <span class="tag media">언론·기관</span>')
UNASSIGNED = mark_safe('<span class="note">미배정</span>')


def _row(incident: Incident, *, now: Any, soon: Any, user_pk: Any = None) -> dict[str, Any]:
    """A queue row: the CSV's cells and the page's HTML. The page's rows are built here with
    format_html (every value escaped), not in the template: fifty rows of template lookups
    cost more than the rest of the page."""
    prefix = _row_prefix()
    sub = incident.rm_subtype
    left = queue.time_left(incident, now=now, soon=soon)
    parties = _party_names(incident)
    mine = incident.assignee_id == user_pk
    assign_me = ""
    if not mine and incident.status != Incident.Status.CLOSED:
        assign_me = format_html(
            ' <button type="submit" class="link" formaction="{}{}/assign-me/" formnovalidate>'
            "내가 맡기</button>",
            prefix,
            incident.pk,
        )
    html = format_html(
        ROW,
        state=left.state,
        pk=incident.pk,
        url=f"{prefix}{incident.pk}/",
        state_label=left.state_label,
        over="over" if left.over else "",
        left=left.text,
        due=_short(incident.sla_due_at),
        kind=f"{sub.category.label} · {sub.label}",
        exempt=EXEMPT if sub.insurance_exempt else "",
        media=MEDIA if incident.media_or_agency else "",
        severity=incident.severity,
        severity_label=incident.get_severity_display(),
        service=incident.get_service_display(),
        status=incident.get_status_display(),
        parties=", ".join(parties) or "—",
        assignee=incident.assignee.get_username() if incident.assignee else UNASSIGNED,
        assign_me=assign_me,
        reported=_short(incident.reported_at),
    )
    return {"incident": incident, "left": left, "parties": parties, "html": html}


def _row_prefix() -> str:
    return reverse("incident-queue")


@rm_page
@require_GET
def incident_queue(request: HttpRequest) -> HttpResponse:
    """The queue: most urgent SLA first (or newest first), filtered, 50 a page by keyset."""
    version = queue.published_version()
    now, soon = queue.now_and_soon()
    workers = worker_choices()
    form = _queue_form(request, workers, version)
    qs, base = _filtered(request, form, now, soon)
    sort = form.cleaned_data.get("sort") or queue.Sort.SLA
    cursor = form.cleaned_data.get("after") or ""
    parts = _parts(form)
    try:
        page = queue.queue_page(qs, sort=sort, cursor=cursor, parts=parts)
    except queue.BadCursor:
        form.add_error("after", "페이지 위치가 올바르지 않아 첫 페이지를 보여 줍니다.")
        page = queue.queue_page(qs, sort=sort, parts=parts)
    params = request.GET.copy()
    every = queue.queue_counts(
        user=request.user,
        filtered=qs,
        base=base,
        categories=[c.code for c in form.taxonomy],
        now=now,
        soon=soon,
    )
    form.label_categories(
        {k.split(":", 1)[1]: v for k, v in every.items() if k.startswith("category:")}
    )
    counts = {k.split(":", 1)[1]: v for k, v in every.items() if k.startswith("sla:")}
    current_sla = form.cleaned_data.get("sla", "")
    context = {
        "form": form,
        "rows": [_row(i, now=now, soon=soon, user_pk=request.user.pk) for i in page.rows],
        "page": page,
        "total": queue.count_label(every["total"]),
        "sla_chips": [
            {
                "value": value,
                "label": label,
                "count": queue.count_label(counts[value]) if value in counts else None,
                "query": _with(params, sla=value, after=""),
                "on": current_sla == value,
            }
            for value, label in ((s.value, s.label) for s in queue.SLA_ORDER)
        ],
        "current_sla": current_sla,
        "next_query": _with(params, after=page.next_cursor or "") if page.next_cursor else "",
        "first_query": _with(params, after="") if cursor else "",
        "this_query": request.GET.urlencode(),
        "sla_all_query": _with(params, sla="", after=""),
        "mine_query": _with(params, mine="" if form.cleaned_data.get("mine") else "on", after=""),
        "bulk_form": BulkAssignForm(workers=workers),
        "subtypes_by_category": form.subtypes_by_category(),
        "due_soon_hours": queue.due_soon_hours(),
        "unread": selectors.unread_notification_count(request.user),
    }
    return render(request, "incidents/queue.html", context)


def _back_to_queue(request: HttpRequest) -> HttpResponseRedirect:
    query = request.POST.get("query", "")
    url = reverse("incident-queue") + (f"?{query}" if query else "")
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = reverse("incident-queue")
    return HttpResponseRedirect(url)


@rm_page
@require_POST
def incident_bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the checked cases to one RM user: all of them or none, each with its timeline
    row. Cases the user may not see are not touched (and not named)."""
    form = BulkAssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back_to_queue(request)
    ids = list(
        selectors.incidents_visible_to(request.user)
        .filter(pk__in=form.cleaned_data["ids"])
        .values_list("pk", flat=True)
    )
    if not ids:
        messages.error(request, "배정할 사고를 찾을 수 없습니다.")
        return _back_to_queue(request)
    try:
        changed = incidents_assign(
            incident_ids=ids,
            assignee=form.cleaned_data["assignee"],
            actor=cast("User", request.user),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"{len(ids)}건을 {form.cleaned_data['assignee']}에게 배정했습니다"
            f" (새로 바뀐 건 {changed}건).",
        )
    return _back_to_queue(request)


@rm_page
@require_POST
def incident_assign_me(request: HttpRequest, pk: int) -> HttpResponse:
    """'내가 맡기': the logged-in RM user becomes the assignee."""
    if not selectors.incidents_visible_to(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        incident_assign(
            incident_id=pk,
            assignee=request.user.get_username(),
            actor=cast("User", request.user),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"RM 사고 #{pk}을(를) 맡았습니다.")
    if request.POST.get("back") == "detail":
        return HttpResponseRedirect(reverse("incident-detail", args=[pk]))
    return _back_to_queue(request)


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "번호",
    "접수 시각",
    "서비스",
    "유형",
    "세부 유형",
    "심각도",
    "상태",
    "SLA 기한",
    "SLA 상태",
    "남은 시간(영업시간)",
    "담당자",
    "언론·공공기관",
    "관계자(가림)",
]


@rm_page
@require_GET
def incident_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered queue as CSV (UTF-8 with BOM for Excel), in the page's order, names
    masked; 성민감 cases only for those who may see them."""
    version = queue.published_version()
    now, soon = queue.now_and_soon()
    form = _queue_form(request, worker_choices(), version)
    qs, _ = _filtered(request, form, now, soon)
    sort = form.cleaned_data.get("sort") or queue.Sort.SLA
    parts = [
        part.select_related(
            "rm_subtype__category", "rm_subtype__version", "assignee"
        ).prefetch_related("parties__account")
        for part in queue.export_order(qs, sort)
    ]

    def every() -> Iterator[Incident]:
        for part in parts:
            yield from part.iterator(chunk_size=2000)

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for incident in every():
            left = queue.time_left(incident, now=now, soon=soon)
            sub = incident.rm_subtype
            yield writer.writerow(
                spreadsheet_safe(cell)
                for cell in [
                    incident.pk,
                    timezone.localtime(incident.reported_at).strftime("%Y-%m-%d %H:%M"),
                    incident.get_service_display(),
                    sub.category.label,
                    sub.label,
                    incident.get_severity_display(),
                    incident.get_status_display(),
                    timezone.localtime(incident.sla_due_at).strftime("%Y-%m-%d %H:%M"),
                    left.state_label,
                    left.text,
                    incident.assignee.get_username() if incident.assignee else "",
                    "예" if incident.media_or_agency else "아니오",
                    "; ".join(_party_names(incident)),
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rm-incidents-{stamp}.csv"'
    return response


# --- one incident ----------------------------------------------------------------------------


def _incident_or_404(request: HttpRequest, pk: int) -> Incident:
    incident = selectors.incident_detail_of(request.user, pk)
    if incident is None:
        raise Http404("RM 사고를 찾을 수 없습니다.")
    return incident


def _party_flags(request: HttpRequest, parties: list[Any]) -> dict[int, list[str]]:
    """The standing flags (사고다발) of each party's account that the user may know of, by
    account id: one query for all the parties."""
    labels = dict(AccountFlag.Kind.choices)
    kinds: dict[int, list[str]] = {}
    rows = (
        selectors.flags_visible_to(request.user)
        .filter(account__in=[p.account_id for p in parties])
        .values_list("account_id", "kind")
        .order_by()
    )
    for account_id, kind in rows:
        kinds.setdefault(account_id, []).append(str(labels.get(kind, kind)))
    return kinds


def _detail(
    request: HttpRequest,
    incident: Incident,
    *,
    transition_form: TransitionForm | None = None,
    assign_form: AssignForm | None = None,
    pause_form: SlaPauseForm | None = None,
    violation_form: IncidentViolationForm | None = None,
    evidence_form: EvidenceForm | None = None,
    insurance_form: InsuranceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now, soon = queue.now_and_soon()
    shares = list(incident.shares.select_related("actor").order_by("-at", "-id"))
    parties = list(incident.parties.all())
    names = tuple(p.account.name for p in parties if p.account.name)
    flags = _party_flags(request, parties)
    context = {
        "incident": incident,
        # Masked like the parties: the full text is for the account's page, to those allowed.
        "description": mask_text(incident.description, names=names),
        "sub": incident.rm_subtype,
        "left": queue.time_left(incident, now=now, soon=soon),
        "parties": parties,
        "events": list(incident.events.all()),
        "shares": shares,
        "share_needed": incident.must_share and not shares,
        "transition_form": transition_form or TransitionForm(incident=incident),
        "assign_form": assign_form or AssignForm(incident=incident),
        "is_mine": incident.assignee_id == request.user.pk,
        "pause_form": pause_form or SlaPauseForm(),
        "resume_form": SlaResumeForm(),
        "violation_form": violation_form or IncidentViolationForm(incident=incident),
        "evidence_form": evidence_form or EvidenceForm(),
        "evidence": list(incident.evidence.all()),
        "excess": incident.excess,
        "insurance_form": insurance_form
        or InsuranceForm(
            initial={"insurer_limit": incident.insurer_limit, "loss_amount": incident.loss_amount},
            incident=incident,
        ),
        "claims": selectors.linked_claims_of(incident.pk),
        "party_rows": [(p, flags.get(p.account_id, [])) for p in parties],
    }
    return render(request, "incidents/detail.html", context, status=status)


@rm_page
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The incident: labels and definition, SLA, parties (masked), timeline, shares, actions."""
    return _detail(request, _incident_or_404(request, pk))


@rm_page
@require_POST
def incident_transition_page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_or_404(request, pk)
    form = TransitionForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            incident_transition(
                incident_id=pk,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                actor=cast("User", request.user),
            )
        except TransitionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            label = Incident.Status(form.cleaned_data["to"]).label
            messages.success(request, f"상태를 '{label}'(으)로 바꿨습니다.")
            return HttpResponseRedirect(reverse("incident-detail", args=[pk]))
    return _detail(request, incident, transition_form=form)


@rm_page
@require_POST
def incident_assign_page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_or_404(request, pk)
    form = AssignForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            incident_assign(
                incident_id=pk,
                assignee=form.cleaned_data["assignee"],
                actor=cast("User", request.user),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"담당자를 {form.cleaned_data['assignee']}(으)로 정했습니다.")
            return HttpResponseRedirect(reverse("incident-detail", args=[pk]))
    return _detail(request, incident, assign_form=form)


@rm_page
@require_POST
def incident_share_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Share the masked summary with the brand-risk contact (recorded with who and when)."""
    _incident_or_404(request, pk)
    share = incident_share(incident_id=pk, actor=cast("User", request.user))
    messages.success(
        request, f"브랜드 리스크 담당자({share.recipient})에게 가림 요약을 공유했습니다."
    )
    return HttpResponseRedirect(reverse("incident-detail", args=[pk]))


@rm_page
@require_POST
def incident_pause_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop the SLA clock while the case waits on an outside party (the reason says whom)."""
    incident = _incident_or_404(request, pk)
    form = SlaPauseForm(request.POST)
    if form.is_valid():
        try:
            incident_pause_sla(
                incident=incident,
                actor=cast("User", request.user),
                reason=form.cleaned_data["reason"],
            )
        except SlaNotApplicable as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "SLA를 일시정지했습니다.")
            return HttpResponseRedirect(reverse("incident-detail", args=[pk]))
    return _detail(request, incident, pause_form=form)


@rm_page
@require_POST
def incident_resume_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the clock again; the due time moves on by the business hours paused."""
    incident = _incident_or_404(request, pk)
    form = SlaResumeForm(request.POST)
    if form.is_valid():
        try:
            incident_resume_sla(
                incident=incident,
                actor=cast("User", request.user),
                reason=form.cleaned_data["reason"],
            )
        except SlaNotApplicable as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "SLA를 재개했습니다. 기한이 멈춘 영업시간만큼 늦춰졌습니다.")
    return HttpResponseRedirect(reverse("incident-detail", args=[pk]))


@rm_page
@require_POST
def incident_violation_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a violation on a party's account through the accounts service (its rule acts)."""
    incident = _incident_or_404(request, pk)
    form = IncidentViolationForm(request.POST, incident=incident)
    if form.is_valid():
        data = form.cleaned_data
        try:
            recorded = incident_record_violation(
                incident=incident,
                actor=cast("User", request.user),
                party=data["party"],
                code=data["code"],
                amount=data["amount"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            said = f"위반을 기록했습니다: {recorded.violation.rule.name}"
            if not recorded.created:
                said = f"이 사고로 이미 기록된 위반입니다: {recorded.violation.rule.name}"
            done = [r.label for r in recorded.restrictions] + [
                "재심사 요청" for _ in recorded.reviews
            ]
            if done:
                said += f" → {', '.join(done)}"
            messages.success(request, said)
            return HttpResponseRedirect(reverse("incident-detail", args=[pk]))
    return _detail(request, incident, violation_form=form)


@rm_page
@require_POST
def incident_evidence_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file (type judged from its bytes, size limit, SHA-256) to the case."""
    incident = _incident_or_404(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence = incident_evidence_add(
                incident=incident,
                actor=cast("User", request.user),
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"증빙을 올렸습니다: {evidence.original_name} (SHA-256 {evidence.sha256[:12]}…)",
            )
            return HttpResponseRedirect(reverse("incident-detail", args=[pk]))
    return _detail(request, incident, evidence_form=form)


@rm_page
@require_POST
def incident_insurance_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the insurer's limit and the loss (원); the excess follows."""
    incident = _incident_or_404(request, pk)
    form = InsuranceForm(request.POST, incident=incident)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = incident_set_insurance(
                incident=incident,
                actor=cast("User", request.user),
                insurer_limit=data["insurer_limit"],
                loss_amount=data["loss_amount"],
                reason=data["reason"],
                insurance_line=form.line(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            excess = saved.excess
            said = "보험 금액을 기록했습니다."
            if excess is not None:
                said += f" 한도 초과액 {excess:,}원."
            messages.success(request, said)
            return HttpResponseRedirect(reverse("incident-detail", args=[pk]))
    return _detail(request, incident, insurance_form=form)


@rm_page
def incident_flags(request: HttpRequest) -> HttpResponse:
    """사고다발: the drivers flagged, newest first, with the incidents that caused it (those the
    user may see). POST clears one with a reason (RM's decision: `incidents.decide_review`)."""
    form = FlagClearForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("incidents.decide_review"):
            raise PermissionDenied
        visible = selectors.flagged_drivers(request.user)
        if form.is_valid() and visible.filter(pk=form.cleaned_data["flag"]).exists():
            try:
                account_flag_clear(
                    flag_id=form.cleaned_data["flag"],
                    actor=cast("User", request.user),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "사고다발 플래그를 해제했습니다.")
                return HttpResponseRedirect(reverse("incident-flags"))
        elif form.is_valid():
            raise Http404
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    flags = list(selectors.flagged_drivers(request.user)[:500])
    return render(
        request,
        "incidents/flags.html",
        {"flags": flags, "may_clear": request.user.has_perm("incidents.decide_review")},
    )


@rm_page
@require_GET
def incident_evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    """Download an evidence file, to those who may see the case (404 otherwise)."""
    evidence = selectors.incident_evidence_of(request.user, incident_id=pk, evidence_id=evidence_id)
    if evidence is None:
        raise Http404("증빙을 찾을 수 없습니다.")
    answer = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    answer["X-Content-SHA256"] = evidence.sha256
    return answer


@rm_page
def incident_notifications(request: HttpRequest) -> HttpResponse:
    """The user's RM notices (알림), newest first; POST marks one (or all) read. A notice about a
    성민감 case is absent for users who may not see such cases."""
    if request.method == "POST":
        raw = request.POST.get("id", "")
        notification_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
        if raw and notification_id is None:
            messages.error(request, "알림 번호가 올바르지 않습니다.")
        else:
            marked = incident_notification_mark_read(
                user=cast("User", request.user), notification_id=notification_id
            )
            messages.success(request, f"알림 {marked}건을 읽음으로 표시했습니다.")
        return HttpResponseRedirect(reverse("incident-notifications"))
    notices = list(selectors.notifications_of(request.user)[:200])
    return render(request, "incidents/notifications.html", {"notices": notices})


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- the dashboard ---------------------------------------------------------------------------


@rm_page
@require_GET
def incident_dashboard(request: HttpRequest) -> HttpResponse:
    """Open incidents by category, severity and age; this week's SLA breaches by day: charts
    and the tables behind them, counting only the cases the user may see."""
    from incidents import dashboard

    visible = selectors.incidents_visible_to(request.user)
    by_category = dashboard.open_by_category(visible, user=request.user)
    by_severity = dashboard.open_by_severity(visible)
    by_age = dashboard.open_by_age(visible)
    breaches = dashboard.breaches_this_week(visible)
    now, soon = queue.now_and_soon()
    return render(
        request,
        "incidents/dashboard.html",
        {
            "by_category": by_category,
            "by_severity": by_severity,
            "by_age": by_age,
            "breaches": breaches,
            "open_total": sum(r["count"] for r in by_severity),
            "overdue_now": visible.filter(
                queue.sla_state_q(queue.SlaState.BREACHED, now=now, soon_limit=soon)
            ).count(),
            "week_total": sum(r["count"] for r in breaches["days"]),
            "chart_data": {
                "categories": by_category,
                "severities": by_severity,
                "ages": by_age,
                "breaches": breaches["days"],
            },
        },
    )
