from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntryConfig(AppConfig):
    """Data entry: the year grid, publishing, the audit trail and the admin (writers over the register)."""

    name = "parindex.entry"
    label = "entry"
    verbose_name = _("Nhập liệu")
