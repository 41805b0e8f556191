from django.urls import path

from policies.api import views

urlpatterns = [
    path("quotes/", views.QuoteView.as_view(), name="api-quote"),
    path("policies/rules/", views.RuleListView.as_view(), name="api-policy-rules"),
]
