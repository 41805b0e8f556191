from django.urls import path

from policies.api import insurance, views

urlpatterns = [
    path("quotes/", views.QuoteView.as_view(), name="api-quote"),
    path("policies/rules/", views.RuleListView.as_view(), name="api-policy-rules"),
    path(
        "insurance/coverage-check/",
        insurance.CoverageCheckView.as_view(),
        name="api-coverage-check",
    ),
    path("insurance/lines/", insurance.InsuranceLineListView.as_view(), name="api-insurance-lines"),
]
