"""URLs of spreadsheet import and export (filled in by the import views)."""

from django.urls import path  # noqa: F401

app_name = "transfer"

urlpatterns: list = []
