from django.urls import path

from incidents import views

urlpatterns = [
    path("", views.incident_queue, name="incident-queue"),
    path("export.csv", views.incident_export, name="incident-export"),
    path("assign/", views.incident_bulk_assign, name="incident-bulk-assign"),
    path("dashboard/", views.incident_dashboard, name="incident-dashboard"),
    path("<int:pk>/", views.incident_detail, name="incident-detail"),
    path("<int:pk>/assign-me/", views.incident_assign_me, name="incident-assign-me"),
    path("<int:pk>/assign/", views.incident_assign_page, name="incident-assign"),
    path("<int:pk>/transition/", views.incident_transition_page, name="incident-transition"),
    path("<int:pk>/share/", views.incident_share_page, name="incident-share"),
    path("<int:pk>/pause/", views.incident_pause_page, name="incident-pause"),
    path("<int:pk>/resume/", views.incident_resume_page, name="incident-resume"),
    path("<int:pk>/violations/", views.incident_violation_page, name="incident-violation"),
    path("<int:pk>/evidence/", views.incident_evidence_page, name="incident-evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/",
        views.incident_evidence_file,
        name="incident-evidence-file",
    ),
    path("notifications/", views.incident_notifications, name="incident-notifications"),
    path("flags/", views.incident_flags, name="incident-flags"),
    path("<int:pk>/insurance/", views.incident_insurance_page, name="incident-insurance"),
]
