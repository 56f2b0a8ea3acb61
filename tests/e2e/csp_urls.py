"""The app's URLs plus one test-only page carrying an injected inline script and inline style (tests/e2e/test_csp.py):
what a stored cross-site-scripting flaw would put in a page."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from parindex.urls import urlpatterns as app_urlpatterns

INJECTED = """<!doctype html><html lang="vi"><head><title>injected</title></head><body>
<p id="target">unchanged</p>
<script>document.getElementById("target").textContent = "script ran"; window.injectedRan = true;</script>
<p id="styled" style="color: rgb(255, 0, 0)">styled</p>
</body></html>"""


def injected(request: HttpRequest) -> HttpResponse:
    return HttpResponse(INJECTED)


urlpatterns = [path("__test__/injected/", injected), *app_urlpatterns]
