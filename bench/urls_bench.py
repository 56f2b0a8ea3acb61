"""The project's URLs and, for the benchmark only, a trivial view: what the framework and the project's
middleware cost on their own, the ceiling the public pages are measured against."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("", include("parindex.urls")),
]
