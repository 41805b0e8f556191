from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from config.api import ThrottleUnauthenticated

admin.site.site_header = "보상 백오피스"
admin.site.site_title = "보상 백오피스"
admin.site.index_title = "관리"

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"


class SchemaView(ThrottleUnauthenticated, SpectacularAPIView):
    """The schema, for logged-in users and token clients; failed logins count against the
    anonymous rate like every API call."""


api_v1 = [
    path("", include("policies.api.urls")),
    path("", include("payouts.api.urls")),
    path("", include("claims.api.urls")),
    path("", include("claims.relief.api.urls")),
    path("", include("incidents.api.urls")),
]

if settings.PASSWORD_RESET_BY_MAIL:
    password_reset = [
        # The admin's login page offers the reset link when this name exists.
        path(
            "admin/password_reset/",
            auth_views.PasswordResetView.as_view(),
            name="admin_password_reset",
        ),
        path("accounts/", include("django.contrib.auth.urls")),
    ]
else:
    password_reset = [
        path(
            "accounts/password_reset/",
            views.password_reset_unavailable,
            name="password_reset",
        ),
        path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        path(
            "accounts/password_change/",
            auth_views.PasswordChangeView.as_view(),
            name="password_change",
        ),
        path(
            "accounts/password_change/done/",
            auth_views.PasswordChangeDoneView.as_view(),
            name="password_change_done",
        ),
    ]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    *password_reset,
    path("admin/", admin.site.urls),
    path("policies/", include("policies.urls")),
    path("claims/", include("claims.urls")),
    path("incidents/", include("incidents.urls")),
    path("relief/", include("claims.relief.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, which the CSP allows.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
]
