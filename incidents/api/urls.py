from django.urls import path, register_converter

from incidents.api import rm, views
from policies.models import AccountKind


class AccountKindConverter:
    regex = "|".join(AccountKind.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AccountKindConverter, "account_kind")

PREFIX = "accounts/<account_kind:kind>/<str:external_id>/"

urlpatterns = [
    path(PREFIX, views.AccountView.as_view(), name="api-account"),
    path(
        f"{PREFIX}violations/", views.ViolationCreateView.as_view(), name="api-account-violations"
    ),
    path(f"{PREFIX}conditions/", views.ConditionView.as_view(), name="api-account-conditions"),
    path(f"{PREFIX}eligibility/", views.EligibilityView.as_view(), name="api-account-eligibility"),
    path("incidents/taxonomy/", rm.TaxonomyView.as_view(), name="api-rm-taxonomy"),
    path("incidents/", rm.IncidentListCreateView.as_view(), name="api-rm-incidents"),
    path("incidents/<int:pk>/", rm.IncidentDetailView.as_view(), name="api-rm-incident"),
    path(
        "incidents/<int:pk>/transition/",
        rm.IncidentTransitionView.as_view(),
        name="api-rm-incident-transition",
    ),
    path(
        "incidents/<int:pk>/assign/",
        rm.IncidentAssignView.as_view(),
        name="api-rm-incident-assign",
    ),
    path(
        "incidents/<int:pk>/share/",
        rm.IncidentShareView.as_view(),
        name="api-rm-incident-share",
    ),
    path(
        "incidents/<int:pk>/pause/",
        rm.IncidentPauseView.as_view(),
        name="api-rm-incident-pause",
    ),
    path(
        "incidents/<int:pk>/violations/",
        rm.IncidentViolationView.as_view(),
        name="api-rm-incident-violations",
    ),
    path(
        "incidents/<int:pk>/evidence/",
        rm.IncidentEvidenceView.as_view(),
        name="api-rm-incident-evidence",
    ),
    path(
        "incidents/<int:pk>/evidence/<int:evidence_id>/",
        rm.IncidentEvidenceFileView.as_view(),
        name="api-rm-incident-evidence-file",
    ),
    path(
        "incidents/<int:pk>/insurance/",
        rm.IncidentInsuranceView.as_view(),
        name="api-rm-incident-insurance",
    ),
    path(
        "incidents/<int:pk>/resume/",
        rm.IncidentResumeView.as_view(),
        name="api-rm-incident-resume",
    ),
]
