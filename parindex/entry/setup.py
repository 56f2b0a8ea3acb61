"""Setting an edition up from the app: its criteria set, the maxima it still lacks, its editors.

`setup_context` gives the edition page (parindex.entry.views.edition_detail) what its setup section shows."""

from __future__ import annotations

from django.http import HttpRequest

from parindex.register.models import Edition


def setup_context(request: HttpRequest, edition: Edition) -> dict[str, object]:
    """The context of templates/parindex/_edition_setup.html for `edition` as `request.user` may see it."""
    return {}
