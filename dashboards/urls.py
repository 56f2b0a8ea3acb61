from django.urls import include, path, register_converter

from dashboards import views
from dashboards.api import api_urls


class DownloadFormat:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class IndexSlug:
    """An index as a URL names it: its code in lower case, hyphens for underscores ("par-index")."""

    regex = "[a-z0-9][a-z0-9-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DownloadFormat, "format")
register_converter(IndexSlug, "index")

urlpatterns = [
    path("", views.home, name="home"),
    path("phuong-phap/", views.methodology, name="methodology"),
    path("xep-hang/", views.choose, name="ranking_choose"),
    path("xep-hang/<index:index>/", views.index_latest, name="ranking_index"),
    path("xep-hang/<index:index>/<int:year>/", views.ranking, name="ranking"),
    path(
        "xep-hang/<index:index>/<int:year>/tai-ve.<format:fmt>",
        views.ranking_download,
        name="ranking_download",
    ),
    path("xep-hang/<index:index>/<int:year>/linh-vuc/", views.domains, name="domains"),
    path(
        "xep-hang/<index:index>/<int:year>/linh-vuc/tai-ve.<format:fmt>",
        views.domains_download,
        name="domains_download",
    ),
    path("", include("dashboards.unit_urls")),
    path("api/v1/", api_urls()),
]
