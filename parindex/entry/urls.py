"""URLs of data entry: editions, the year grid, publishing and the audit trail (namespace "entry")."""

from django.urls import include, path

from parindex.entry import views

app_name = "entry"

urlpatterns = [
    path("", views.edition_list, name="edition_list"),
    path("tao-ky/", views.edition_create_view, name="edition_create"),
    path("nhat-ky/", views.audit_log_view, name="audit_log"),
    path("<int:edition_id>/", views.edition_detail, name="edition_detail"),
    path("<int:edition_id>/bang/", views.edition_grid, name="grid"),
    path("<int:edition_id>/ket-qua/", include("parindex.entry.results_urls")),
    path("<int:edition_id>/cong-bo/", views.edition_publish_view, name="publish"),
    path("<int:edition_id>/mo-lai/", views.edition_reopen_view, name="reopen"),
    path("<int:edition_id>/lich-su/", views.edition_history_view, name="edition_history"),
    path(
        "<int:edition_id>/tinh/<int:unit_id>/lich-su/",
        views.assessment_history_view,
        name="assessment_history",
    ),
    path("", include("parindex.entry.setup_urls")),
]
