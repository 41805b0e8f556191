from django.urls import path

from claims import views

urlpatterns = [
    path("", views.claim_list, name="claim-list"),
    path("new/", views.claim_new, name="claim-new"),
    path("dashboard/", views.claim_dashboard, name="claim-dashboard"),
    path("<int:pk>/", views.claim_detail, name="claim-detail"),
    path("<int:pk>/evidence/", views.claim_evidence_upload, name="claim-evidence"),
]
