from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    """The register: indices, units, criteria sets, editions, assessments and scores.

    The label stays "parindex" (the app's name before the packages were split by layer), so that the tables,
    migrations and permissions keep their names.
    """

    name = "parindex.register"
    label = "parindex"
    verbose_name = _("Dữ liệu Chỉ số CCHC")
