from django.urls import path

from policies import views, views_coverage

urlpatterns = [
    path("quote/", views.quote_page, name="policy-quote"),
    path("matrix/", views.matrix, name="policy-matrix-current"),
    path("matrix/<int:number>/", views.matrix, name="policy-matrix"),
    path("coverage/", views_coverage.coverage_page, name="coverage-check"),
]
