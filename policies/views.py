from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from policies import selectors
from policies.evaluator import conditions_of, describe_conditions
from policies.models import Category, PolicyVersion


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _strict_int(raw: str) -> int | None:
    """An ASCII decimal, or None: `isdigit()` alone admits '²', which int() refuses."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


@login_required
@permission_required("policies.view_policyversion", raise_exception=True)
def matrix(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The compensation matrix of a version, laid out like the policy document, with a filter
    by category and a search over names, details and notes."""
    if number is None:
        number = _strict_int(request.GET.get("v", ""))
    try:
        version = selectors.version_by_number(number)
    except (selectors.UnknownVersion, selectors.NoPublishedPolicy) as exc:
        raise Http404(str(exc)) from exc
    if version.status == PolicyVersion.Status.DRAFT and not selectors.may_see_drafts(request.user):
        raise Http404("초안 버전은 정책 편집 권한이 있어야 볼 수 있습니다.")
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    q = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    rules = []
    for rule in selectors.rules_of(version):
        if category and rule.category != category:
            continue
        rows = []
        for row in rule.rows.all():
            text = " ".join(
                [rule.name, row.detail, row.notes, *(o.note for o in row.outcomes.all())]
            )
            if q and q not in text:
                continue
            by_tier = {o.tier: o for o in row.outcomes.all()}
            rows.append(
                {
                    "row": row,
                    "conditions": describe_conditions(conditions_of(row), labels=True),
                    "tiers": [by_tier.get(t) for t in (1, 2, 3)],
                }
            )
        if rows:
            rules.append({"rule": rule, "rows": rows})
    return render(
        request,
        "policies/matrix.html",
        {
            "version": version,
            "rules": rules,
            "bands": version.fare_bands.all(),
            "versions": selectors.visible_versions(request.user),
            "categories": Category.choices,
            "category": category,
            "q": q,
        },
    )


@login_required
@permission_required("policies.quote_policy", raise_exception=True)
def quote_page(request: HtmxHttpRequest) -> HttpResponse:
    """상담사's quote: pick a type, enter the case's facts, see every tier's offer.

    With htmx, changing the type swaps in its fact fields and submitting swaps in the offer;
    without it the same form posts and the page renders whole.
    """
    from policies.evaluator import IncompleteBook, NoMatchingRow
    from policies.facts import FactsInvalid
    from policies.forms import QuoteForm

    try:
        loaded = selectors.book(selectors.current_number())
    except selectors.NoPublishedPolicy:
        return render(request, "policies/no_policy.html", status=503)
    version = loaded.version
    rules = list(loaded.rules.values())
    result = None
    if request.method != "POST":
        # A type change (or a link) only redraws the fields: unbound, so no errors yet.
        form = QuoteForm(initial=request.GET.dict(), rules=rules)
    else:
        form = QuoteForm(request.POST, rules=rules)
    if request.method == "POST" and form.is_valid():
        try:
            result = selectors.quote(
                rule_code=form.cleaned_data["rule"],
                target=form.cleaned_data["target"],
                facts=form.facts(),
                version_number=version.number,
            )
        except FactsInvalid as exc:
            for name, messages in exc.errors.items():
                form.add_error(name if name in form.fields else None, messages)
        except (NoMatchingRow, IncompleteBook) as exc:
            form.add_error(None, str(exc))
    context = {"form": form, "result": result, "version": version}
    if request.htmx:
        return render(request, "policies/_quote_panel.html", context)
    return render(request, "policies/quote.html", context)
