from django.urls import include, path

from dashboards import views

urlpatterns = [
    path("", views.home, name="home"),
    path("phuong-phap/", views.methodology, name="methodology"),
    path("", include("dashboards.unit_urls")),
]
