from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("", include("dashboards.urls")),
    path("nhap-lieu/", include("parindex.entry.urls")),
    path("nhap-lieu/tep/", include("parindex.transfer.urls")),
    path("tai-khoan/dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("tai-khoan/dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("quan-tri/", admin.site.urls),
]
