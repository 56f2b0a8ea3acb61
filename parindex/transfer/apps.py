from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Spreadsheets in and out: import with preview and confirmation, export, templates."""

    name = "parindex.transfer"
    label = "transfer"
    verbose_name = _("Nhập, xuất bảng tính")
