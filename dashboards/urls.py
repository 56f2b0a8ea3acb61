from django.urls import path

from dashboards import views
from dashboards.api import api_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("phuong-phap/", views.methodology, name="methodology"),
    path("api/v1/", api_urls()),
]
