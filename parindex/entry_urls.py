"""URLs of data entry (year grid, import, publishing); filled in by the entry views."""

from django.urls import path

from parindex import views

app_name = "entry"

urlpatterns = [
    path("", views.edition_list, name="edition_list"),
]
