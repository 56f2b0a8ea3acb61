"""The unit pages (issue 10), included from dashboards.urls under the namespace "units"."""

from django.urls import path

from dashboards import units

app_name = "units"

urlpatterns = [
    path("don-vi/<slug:slug>/", units.unit_page, name="page"),
    path("don-vi/<slug:slug>/ban-tin/", units.unit_brief, name="brief"),
    path("don-vi/<slug:slug>/mo-phong/", units.unit_what_if, name="what_if"),
    path("don-vi/<slug:slug>/muc-tieu/", units.unit_target_set, name="target_set"),
    path("don-vi/<slug:slug>/muc-tieu/<int:target_id>/xoa/", units.unit_target_delete, name="target_delete"),
    path("so-sanh/", units.unit_compare, name="compare"),
    path("tong-quan/", units.overview, name="overview"),
]
