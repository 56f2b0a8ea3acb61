from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Backup and restore commands; no models."""

    name = "parindex.ops"
    verbose_name = _("Vận hành")
