"""Entry views: thin functions over parindex.services and selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parindex.models import Edition


@login_required
def edition_list(request: HttpRequest) -> HttpResponse:
    editions = Edition.objects.select_related("methodology").order_by("-year", "kind")
    return render(request, "parindex/edition_list.html", {"editions": editions})
