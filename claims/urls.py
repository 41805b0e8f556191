from django.urls import path

from claims import views

urlpatterns = [
    path("", views.claim_list, name="claim-list"),
    path("new/", views.claim_new, name="claim-new"),
    path("<int:pk>/", views.claim_detail, name="claim-detail"),
]
