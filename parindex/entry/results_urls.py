"""URLs of the results section of an edition, mounted at /nhap-lieu/<edition_id>/ket-qua/ (namespace "entry")."""

from django.urls import path

from parindex.entry import results_views

urlpatterns = [
    path("tinh-lai/", results_views.recompute_retry_view, name="recompute_retry"),
    path("giai-thich/<int:unit_id>/", results_views.rank_explain_view, name="rank_explain"),
]
