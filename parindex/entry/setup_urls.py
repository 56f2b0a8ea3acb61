"""URLs of an edition's setup and of the criteria sets it uses, inside the "entry" namespace (/nhap-lieu/...)."""

from django.urls import path

from parindex.entry import setup_views

urlpatterns = [
    path(
        "<int:edition_id>/thiet-lap/bo-tieu-chi/",
        setup_views.edition_methodology_view,
        name="setup_methodology",
    ),
    path(
        "<int:edition_id>/thiet-lap/nguoi-nhap-lieu/",
        setup_views.edition_editors_view,
        name="setup_editors",
    ),
    path(
        "<int:edition_id>/thiet-lap/nguoi-nhap-lieu/<int:assignment_id>/bo/",
        setup_views.edition_editor_remove_view,
        name="setup_editor_remove",
    ),
    path(
        "bo-tieu-chi/<int:methodology_id>/them-nam/",
        setup_views.methodology_year_add_view,
        name="methodology_year_add",
    ),
    path(
        "bo-tieu-chi/<int:methodology_id>/diem-toi-da/",
        setup_views.criteria_maxima_view,
        name="criteria_maxima",
    ),
]
