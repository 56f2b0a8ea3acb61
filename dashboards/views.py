"""Public pages: thin views over scoring.selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scoring import selectors


def home(request: HttpRequest) -> HttpResponse:
    """The latest published ranking (or the year asked for with ?nam=), as a table."""
    editions = selectors.public_editions()
    edition = selectors.pick_edition(editions, request.GET.get("nam"), request.GET.get("loai"))
    ranking = selectors.ranking_for_edition(edition) if edition else None
    return render(
        request,
        "dashboards/home.html",
        {"editions": editions, "edition": edition, "ranking": ranking},
    )
