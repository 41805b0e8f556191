from django.urls import path, register_converter

from incidents.api import rm, rm_actions, views
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
        rm_actions.IncidentPauseView.as_view(),
        name="api-rm-incident-pause",
    ),
    path(
        "incidents/<int:pk>/violations/",
        rm_actions.IncidentViolationView.as_view(),
        name="api-rm-incident-violations",
    ),
    path(
        "incidents/<int:pk>/evidence/",
        rm_actions.IncidentEvidenceView.as_view(),
        name="api-rm-incident-evidence",
    ),
    path(
        "incidents/<int:pk>/evidence/<int:evidence_id>/",
        rm_actions.IncidentEvidenceFileView.as_view(),
        name="api-rm-incident-evidence-file",
    ),
    path(
        "incidents/<int:pk>/insurance/",
        rm_actions.IncidentInsuranceView.as_view(),
        name="api-rm-incident-insurance",
    ),
    path(
        "incidents/<int:pk>/subtype/",
        rm_actions.IncidentSubtypeView.as_view(),
        name="api-rm-incident-subtype",
    ),
    path(
        "incidents/<int:pk>/parties/",
        rm_actions.IncidentPartyAddView.as_view(),
        name="api-rm-incident-parties",
    ),
    path(
        "incidents/<int:pk>/resume/",
        rm_actions.IncidentResumeView.as_view(),
        name="api-rm-incident-resume",
    ),
]
