"""URLs of spreadsheet import and export, mounted at /nhap-lieu/tep/ (namespace "transfer")."""

from django.urls import path

from parindex.transfer import views as import_views

app_name = "transfer"

urlpatterns = [
    path("<int:edition_id>/mau.<str:fmt>", import_views.template_download, name="template"),
    path("<int:edition_id>/xuat.<str:fmt>", import_views.export, name="export"),
    path("<int:edition_id>/nhap/", import_views.upload, name="upload"),
    path("viec/<int:job_id>/", import_views.job_detail, name="job"),
    path("viec/<int:job_id>/trang-thai/", import_views.job_status, name="job_status"),
    path("viec/<int:job_id>/xac-nhan/", import_views.job_confirm, name="confirm"),
]
