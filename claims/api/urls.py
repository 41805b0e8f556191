from django.urls import path

from claims.api import views

urlpatterns = [
    path("claims/", views.ClaimListCreateView.as_view(), name="api-claims"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="api-claim"),
    path("claims/<int:pk>/grant/", views.ClaimGrantView.as_view(), name="api-claim-grant"),
    path("claims/<int:pk>/refuse/", views.ClaimRefuseView.as_view(), name="api-claim-refuse"),
    path("claims/<int:pk>/reject/", views.ClaimRejectView.as_view(), name="api-claim-reject"),
    path("claims/<int:pk>/cancel/", views.ClaimCancelView.as_view(), name="api-claim-cancel"),
    path("claims/<int:pk>/evidence/", views.ClaimEvidenceView.as_view(), name="api-claim-evidence"),
    # An RM incident's linked claims: the link is the claims app's (claims know incidents).
    path(
        "incidents/<int:pk>/claims/",
        views.IncidentClaimLinkView.as_view(),
        name="api-rm-incident-claims",
    ),
]
