from django.urls import path

from claims.relief import views, views_review

urlpatterns = [
    path("apply/", views.relief_apply, name="relief-apply"),
    path("programs/", views_review.relief_program_list, name="relief-programs"),
    path(
        "programs/<slug:code>/",
        views_review.relief_program_dashboard,
        name="relief-program-dashboard",
    ),
    path("imports/new/", views_review.relief_import_new, name="relief-import-new"),
    path("imports/<int:pk>/", views_review.relief_import_detail, name="relief-import"),
    path(
        "imports/<int:pk>/progress/",
        views_review.relief_import_progress,
        name="relief-import-progress",
    ),
]
