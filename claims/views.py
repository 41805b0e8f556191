"""The agent's pages: file a claim with the live offer, the claim with its answer, the list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from claims import selectors, services
from claims.forms import ClaimIntakeForm, TierOneAnswerForm
from claims.models import Claim
from incidents.models import PersonalDataAccess
from incidents.services.accounts import personal_data_view_record
from policies import selectors as policy
from policies.evaluator import IncompleteBook, NoMatchingRow
from policies.facts import FactsInvalid


def _intake_form(request: HttpRequest, rules: list[Any]) -> ClaimIntakeForm:
    if request.method != "POST":
        # A type change only redraws the fields: unbound, so no errors yet.
        return ClaimIntakeForm(initial=request.GET.dict(), rules=rules)
    return ClaimIntakeForm(request.POST, rules=rules)


@login_required
@permission_required("claims.add_claim", raise_exception=True)
def claim_new(request: HttpRequest) -> HttpResponse:
    """Intake: type, target and facts show every tier's offer as they are entered (htmx); the
    call and the parties file the claim. Nothing typed is lost on an error."""
    try:
        loaded = policy.book(policy.current_number())
    except policy.NoPublishedPolicy:
        return render(request, "policies/no_policy.html", status=503)
    form = _intake_form(request, list(loaded.rules.values()))
    result = None
    history: list[tuple[Claim, str]] = []
    standing: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "file" in request.POST:
            try:
                claim = services.claim_create(
                    actor=request.user,  # type: ignore[arg-type]
                    rule=data["rule"], target=data["target"], call_id=data["call_id"],
                    facts=form.facts(), customer=form.party("customer"),
                    driver=form.party("driver"), memo=data["memo"],
                    call_type=data["call_type"], called_at=data["called_at"],
                )  # fmt: skip
            except services.ClaimInputError as exc:
                _form_errors(form, exc.errors)
            else:
                url = reverse("claim-detail", args=[claim.pk])
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(url)
                return HttpResponseRedirect(url)
        try:
            result = policy.quote(
                rule_code=data["rule"], target=data["target"], facts=form.facts(),
                version_number=loaded.version.number,
            )  # fmt: skip
        except FactsInvalid as exc:
            _form_errors(form, exc.errors)  # type: ignore[arg-type]
        except (NoMatchingRow, IncompleteBook) as exc:
            form.add_error(None, str(exc))
        standing = _standing(
            request,
            {k: (p.external_id if (p := form.party(k)) else "") for k in ("customer", "driver")},
        )
        claimant = form.party(data["target"])
        if claimant is not None:
            history = [
                (c, selectors.rule_name(c))
                for c in selectors.past_claims(target=data["target"],
                                               external_id=claimant.external_id)
            ]  # fmt: skip
    context = {
        "form": form,
        "result": result,
        "version": loaded.version,
        "history": history,
        "standing": standing,
    }
    if getattr(request, "htmx", False):
        return render(request, "claims/_intake_form.html", context)
    return render(request, "claims/new.html", context)


def _standing(request: HttpRequest, parties: dict[str, str]) -> list[dict[str, Any]]:
    """The parties' standing with their names and phones masked, or whole for those allowed,
    each whole view recorded."""
    standing = selectors.party_standing(parties)
    whole = request.user.has_perm("incidents.view_personal_data")
    for party in standing:
        account = party["account"]
        if whole:
            party["name"], party["phone"] = account.name, account.full_phone
            personal_data_view_record(
                account=account, user=request.user, via=PersonalDataAccess.Via.PAGE
            )
        else:
            party["name"], party["phone"] = account.masked_name, account.masked_phone
    return standing


def _form_errors(form: Any, errors: dict[str, Any]) -> None:
    for name, said in errors.items():
        if isinstance(said, dict):  # per-fact messages under `facts`
            _form_errors(form, said)
            continue
        field = {"customer": "customer_id", "driver": "driver_id"}.get(name, name)
        form.add_error(field if field in form.fields else None, said)


@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_list(request: HttpRequest) -> HttpResponse:
    """The claims the user may see (an agent's own), newest first, by status or a search on
    the call id or the claimant's id."""
    claims = selectors.claims_visible_to(request.user).order_by("-id")
    status = request.GET.get("status", "")
    if status in Claim.Status.values:
        claims = claims.filter(status=status)
    q = request.GET.get("q", "").replace("\x00", "").strip()[:64]
    if q:
        claims = claims.filter(Q(call_id=q) | Q(customer_id=q) | Q(driver_id=q))
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    rows = [(c, selectors.rule_name(c)) for c in page]
    return render(
        request,
        "claims/list.html",
        {"page": page, "rows": rows, "status": status, "q": q, "statuses": Claim.Status.choices},
    )


@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim, its offers under its own version, decisions, payouts; and, while it is open
    at tier 1, the claimant's answer to record."""
    try:
        claim = selectors.claim_detail(pk, request.user)
    except Claim.DoesNotExist as exc:
        raise Http404("클레임을 찾을 수 없습니다.") from exc
    form = TierOneAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["answer"] == "accept":
                services.claim_grant(claim_id=pk, actor=request.user, tier=1,  # type: ignore[arg-type]
                                     amount=data["amount"], reason=data["memo"])  # fmt: skip
            else:
                services.claim_refuse(claim_id=pk, actor=request.user, tier=1,  # type: ignore[arg-type]
                                      reason=data["memo"])  # fmt: skip
        except services.ClaimInputError as exc:
            _form_errors(form, exc.errors)
        except (services.ClaimForbidden, services.ClaimStateError) as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(reverse("claim-detail", args=[pk]))
    may_answer = (
        claim.status == Claim.Status.OPEN
        and claim.tier == 1
        and services.may_act(request.user, claim.waiting_for)  # type: ignore[arg-type]
    )
    offers = selectors.offers_of(claim)
    first = next((t for t in offers["tiers"] if t["tier"] == 1), None)
    context = {
        "claim": claim,
        "rule_name": selectors.rule_name(claim),
        # The amount field only where tier 1 has a range to pick from.
        "needs_pick": bool(first and any(e["amount_max"] for e in first["effects"])),
        "result": offers,
        "facts": selectors.facts_shown(claim),
        "decisions": list(claim.decisions.all()),
        "events": list(claim.events.all()),
        "payouts": list(selectors.payout_requests_of(claim)),
        "duplicates": selectors.duplicates_of(claim),
        "evidence": list(claim.evidence.all()),
        "incidents": selectors.linked_incidents_shown(claim, request.user),
        "standing": _standing(request, {"customer": claim.customer_id, "driver": claim.driver_id}),
        "says_evidenced": claim.facts.get("evidenced") is True,
        "form": form if may_answer else None,
    }
    return render(request, "claims/detail.html", context)


@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file from the claim page; a refused file is said on the page."""
    try:
        claim = selectors.claim_detail(pk, request.user)
    except Claim.DoesNotExist as exc:
        raise Http404("클레임을 찾을 수 없습니다.") from exc
    upload = request.FILES.get("file")
    if request.method != "POST" or upload is None:
        messages.error(request, "올릴 파일을 고르세요.")
    else:
        try:
            evidence = services.claim_evidence_add(
                claim_id=claim.pk,
                actor=request.user,  # type: ignore[arg-type]
                upload=upload,
            )
        except services.ClaimInputError as exc:
            messages.error(request, " ".join(str(m) for m in exc.errors.get("file", [])))
        else:
            messages.success(
                request, f"증빙을 올렸습니다: {evidence} (SHA-256 {evidence.sha256[:12]}…)"
            )
    return HttpResponseRedirect(reverse("claim-detail", args=[pk]))


@login_required
@permission_required("claims.view_all_claim", raise_exception=True)
def claim_dashboard(request: HttpRequest) -> HttpResponse:
    """Managers' view: open claims by tier and age, this month's grants by rule and
    instrument, as charts and as the tables behind them."""
    from claims import dashboard

    open_claims = dashboard.open_by_tier_and_age()
    by_rule = dashboard.month_grants_by_rule()
    by_instrument = dashboard.month_payouts_by_instrument()
    return render(
        request,
        "claims/dashboard.html",
        {
            "month": dashboard.month_start(),
            "open_claims": open_claims,
            "open_total": sum(sum(v) for v in open_claims["counts"].values()),
            "by_rule": by_rule,
            "by_instrument": by_instrument,
            "chart_data": {
                "open": open_claims,
                "rules": by_rule,
                "instruments": by_instrument,
            },
        },
    )
