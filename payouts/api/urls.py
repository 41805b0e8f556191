from django.urls import path

from payouts.api import views

urlpatterns = [
    path("payouts/batches/", views.BatchListView.as_view(), name="api-payout-batches"),
    path("payouts/batches/<int:pk>/", views.BatchDetailView.as_view(), name="api-payout-batch"),
    path("payouts/requests/", views.RequestListView.as_view(), name="api-payout-requests"),
    path(
        "payouts/requests/<int:pk>/",
        views.RequestDetailView.as_view(),
        name="api-payout-request",
    ),
    path(
        "payouts/requests/<int:pk>/retry/",
        views.RequestRetryView.as_view(),
        name="api-payout-request-retry",
    ),
    path(
        "payouts/requests/<int:pk>/cancel/",
        views.RequestCancelView.as_view(),
        name="api-payout-request-cancel",
    ),
    path("payouts/totals/", views.TotalsView.as_view(), name="api-payout-totals"),
]
