"""Public pages: thin views over scoring.selectors."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from scoring import selectors


def home(request: HttpRequest) -> HttpResponse:
    """The latest published ranking (or the year asked for with ?nam=), as a table."""
    generation = selectors.results_generation()
    editions = selectors.public_editions_cached(generation)
    edition = selectors.pick_edition(editions, request.GET.get("nam"), request.GET.get("loai"))
    # Read only when the cached table has to be rendered again (see the template's cache tag).
    ranking = SimpleLazyObject(lambda: selectors.ranking_for_edition(edition)) if edition else None
    return render(
        request,
        "dashboards/home.html",
        {
            "editions": editions,
            "edition": edition,
            "ranking": ranking,
            "generation": generation,
        },
    )


def methodology(request: HttpRequest) -> HttpResponse:
    """How indices, ranks, ties, groups and the 2025 merger comparisons are computed, and the criteria sets."""
    return render(
        request,
        "dashboards/methodology.html",
        {
            "methodologies": selectors.methodologies_with_domains(),
            "merger_rule": settings.PARINDEX_MERGER_RULE,
        },
    )
