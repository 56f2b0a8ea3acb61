"""What the public pages read, through the cache, under the results generation (``scoring.selectors``) that every
recompute bumps: a recompute, a publication or a reopening makes all of it stale at once.

- the catalogue (every public edition of every index, and the regions): two queries on a miss;
- an edition's public ranking (``scoring.public.public_ranking``): eight queries on a miss, then any filter,
  search or sort of it reads nothing from the database;
- the rendered page (template fragment) and the downloads, keyed by ``page_key``: (view, host, path, edition,
  cleaned filters and sort, language, generation).

A page therefore makes a fixed number of queries whatever the number of units and years: none on a hit, ten at
most on a cold cache. With the cache unreachable every read goes to the database and the page stays up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from dashboards.ranking import index_slug, kind_param
from parindex.register.models import PAR_INDEX, Edition, Index, Region
from scoring.public import PublicRanking, public_editions_all, public_ranking, public_regions


def _code_version() -> str:
    """A digest of what the cached pages and rankings are made of (this app's code, the public read, the
    templates and the compiled translations): a deployment that changes any of them starts from fresh cache
    entries instead of serving pages rendered by the previous version until the next recompute."""
    base = Path(settings.BASE_DIR)
    files = [
        *Path(__file__).resolve().parent.glob("*.py"),
        base / "scoring" / "public.py",
        *(base / "templates").glob("**/*.html"),
        *(base / "locale").glob("**/*.mo"),
    ]
    digest = hashlib.sha256()
    for path in sorted(files):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION = _code_version()
CATALOGUE_SECONDS = 60  # an edition's status changed without a recompute shows within a minute
RANKING_SECONDS = 24 * 60 * 60
PAGE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Catalogue:
    """Every edition the public may read, of every index, and the regions."""

    editions: tuple[Edition, ...]
    regions: tuple[Region, ...]

    def indices(self) -> list[Index]:
        seen: dict[int, Index] = {}
        for edition in self.editions:
            seen.setdefault(edition.index_id, edition.index)
        return list(seen.values())

    def index_by_slug(self, slug: str) -> Index | None:
        return next((index for index in self.indices() if index_slug(index) == slug), None)

    def of_index(self, index_code: str) -> list[Edition]:
        """The index's editions, newest first, official before demo."""
        return [edition for edition in self.editions if edition.index.code == index_code]

    def find(self, slug: str, year: int, kind: str) -> Edition | None:
        return next(
            (
                edition
                for edition in self.editions
                if index_slug(edition.index) == slug and edition.year == year and edition.kind == kind
            ),
            None,
        )

    def nearest(self, slug: str, year: int | None, kind: str) -> Edition | None:
        """The edition of that year and kind, else the newest of that kind, else the newest of the index."""
        index = self.index_by_slug(slug)
        if index is None:
            return None
        editions = self.of_index(index.code)
        same_kind = [edition for edition in editions if edition.kind == kind]
        exact = [edition for edition in same_kind if edition.year == year]
        found = exact or same_kind or editions
        return found[0] if found else None

    def latest(self, index_code: str = PAR_INDEX) -> Edition | None:
        editions = self.of_index(index_code)
        return editions[0] if editions else None


def catalogue(generation: int) -> Catalogue:
    key = f"dashboards:catalogue:{CODE_VERSION}:{generation}"
    found: Catalogue | None = cache.get(key)
    if found is None:
        found = Catalogue(editions=tuple(public_editions_all()), regions=tuple(public_regions()))
        cache.set(key, found, CATALOGUE_SECONDS)
    return found


def ranking(edition: Edition, generation: int) -> PublicRanking:
    """The edition's public ranking; per language, since its reasons for missing values are words."""
    key = f"dashboards:ranking:{CODE_VERSION}:{edition.pk}:{edition.status}:{generation}:{get_language()}"
    found: PublicRanking | None = cache.get(key)
    if found is None:
        found = public_ranking(edition)
        cache.set(key, found, RANKING_SECONDS)
    return found


def page_key(
    view: str, *, host: str, path: str, edition: Edition, values: Mapping[str, str], generation: int
) -> str:
    """The key of a rendered page or download: the same for every visitor who asks the same thing (no session,
    no cookie but the language), different as soon as anything shown differs."""
    parts = [
        CODE_VERSION,
        view,
        host,
        path,
        str(edition.pk),
        edition.status,
        kind_param(edition),
        *(f"{name}={values[name]}" for name in sorted(values)),
        get_language() or "",
        str(generation),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
