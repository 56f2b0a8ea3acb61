"""The state of an edition's results as staff see it: current, being recomputed or failed, and computed ranks
that differ from the published ones.

`results_context` gives the edition page (parindex.entry.views.edition_detail) what its results section shows."""

from __future__ import annotations

from django.http import HttpRequest

from parindex.register.models import Edition


def results_context(request: HttpRequest, edition: Edition) -> dict[str, object]:
    """The context of templates/parindex/_edition_results.html for `edition` as `request.user` may see it."""
    return {}
