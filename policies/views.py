from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from policies import selectors
from policies.evaluator import describe_conditions
from policies.facts import FACTS
from policies.models import PolicyVersion


@login_required
@permission_required("policies.view_policyversion", raise_exception=True)
def matrix(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The compensation matrix of a version, laid out like the policy document."""
    if number is None and request.GET.get("v", "").isdigit():
        number = int(request.GET["v"])
    try:
        version = selectors.version_by_number(number)
    except (selectors.UnknownVersion, selectors.NoPublishedPolicy) as exc:
        raise Http404(str(exc)) from exc
    rules = list(selectors.rules_of(version))
    for rule in rules:
        for row in rule.rows.all():
            row.conditions_text = describe_conditions(row.conditions)
            row.tier_list = {o.tier: o for o in row.outcomes.all()}
            row.tiers = [row.tier_list.get(t) for t in (1, 2, 3)]
    return render(
        request,
        "policies/matrix.html",
        {
            "version": version,
            "rules": rules,
            "bands": version.fare_bands.all(),
            "versions": PolicyVersion.objects.order_by("-number"),
            "facts": FACTS.values(),
        },
    )
