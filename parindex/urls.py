from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog, set_language


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on their own (on a JSON or CSV answer, say): the icon that
    templates/base.html links, by its static URL (hashed in production, so looked up per request)."""

    permanent = False

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static("favicon.ico")


urlpatterns = [
    path("", include("dashboards.urls")),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("nhap-lieu/", include("parindex.entry.urls")),
    path("nhap-lieu/tep/", include("parindex.transfer.urls")),
    path("tai-khoan/dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("tai-khoan/dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # The language switch takes no CSRF token: the worst a forged request does is show another language, and
    # without the token the public pages set no cookie, so whole pages can be kept for anonymous visitors
    # (dashboards.page_cache) and by proxies.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("quan-tri/", admin.site.urls),
]

# 403 and 404: Django's handlers with templates/403.html and 404.html. 500: rendered without the database.
# 400 and 500 answer a database outage raised by a middleware with the 503 page (parindex.errors).
handler400 = "parindex.errors.bad_request"
handler500 = "parindex.errors.server_error"
