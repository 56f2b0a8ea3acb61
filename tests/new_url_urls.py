"""The app's URLs plus a staff URL that nobody declared (tests/test_url_permissions.py: a new URL is covered)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from parindex.urls import urlpatterns as app_urlpatterns


def open_to_all(request: HttpRequest, widget_id: int) -> HttpResponse:
    return HttpResponse("written")


urlpatterns = [*app_urlpatterns, path("nhap-lieu/moi/<int:widget_id>/", open_to_all, name="new_unprotected")]
