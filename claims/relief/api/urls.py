from django.urls import path

from claims.relief.api import review, views

urlpatterns = [
    path("relief/programs/", views.ProgramListView.as_view(), name="api-relief-programs"),
    path(
        "relief/programs/<slug:code>/breakdown/",
        views.BreakdownView.as_view(),
        name="api-relief-breakdown",
    ),
    path(
        "relief/applications/",
        views.ApplicationListCreateView.as_view(),
        name="api-relief-applications",
    ),
    path(
        "relief/applications/<int:pk>/decide/",
        review.ApplicationDecideView.as_view(),
        name="api-relief-application-decide",
    ),
    path(
        "relief/applications/<int:pk>/evidence/",
        review.ApplicationEvidenceView.as_view(),
        name="api-relief-application-evidence",
    ),
    path("relief/imports/", views.ImportCreateView.as_view(), name="api-relief-imports"),
    path("relief/imports/<int:pk>/", views.ImportDetailView.as_view(), name="api-relief-import"),
    path(
        "relief/imports/<int:pk>/errors.csv",
        views.ImportErrorsView.as_view(),
        name="api-relief-import-errors",
    ),
]
