from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policies import insurance_selectors as selectors
from policies.coverage import CoverageRulesIncomplete
from policies.forms_coverage import CoverageCheckForm
from policies.models.insurance import today


@login_required
@permission_required("policies.check_coverage", raise_exception=True)
def coverage_page(request: HttpRequest) -> HttpResponse:
    """The personal-information liability check: the figures in a form (GET, so an answer
    can be linked), the answer laid out, and the insurance lines in force on the date."""
    answer = None
    if "revenue" in request.GET:
        form = CoverageCheckForm(request.GET)
    else:
        # A link that names only the date (the admin's) fills it in without errors yet.
        form = CoverageCheckForm(initial={k: v for k, v in request.GET.items() if k == "on"})
    on = today()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        on = data["on"]
        try:
            answer = selectors.coverage_check_on(
                on=on,
                revenue=data["revenue"],
                user_counts=(data["users_oct"], data["users_nov"], data["users_dec"]),
                reserve=data["reserve"] or 0,
            )
        except (selectors.NoCoverageRules, CoverageRulesIncomplete) as exc:
            form.add_error("on", str(exc))
    elif form.is_bound:
        on = form.cleaned_data.get("on") or on
    else:
        try:
            on = form.fields["on"].clean(request.GET.get("on") or on)
        except ValidationError:
            form.initial["on"] = on
    version = None
    try:
        version = selectors.coverage_rule_version_on(on)
    except selectors.NoCoverageRules:
        pass
    return render(
        request,
        "policies/coverage.html",
        {
            "form": form,
            "answer": answer,
            "on": on,
            "version": version,
            "table": selectors.coverage_table(version) if version else None,
            "lines": selectors.lines_in_force(on),
            "counted": {line.line_id for line in answer.lines} if answer else set(),
            "total": sum(answer.user_counts) if answer else 0,
        },
    )
