from django.urls import path

from claims.relief import views

urlpatterns = [
    path("apply/", views.relief_apply, name="relief-apply"),
]
