"""Settings used by the benchmark alone (bench/public_load.py): the project's settings, plus a trivial view behind
the same middleware as the ceiling of a run. Production URLs stay as they are."""

from parindex.settings import *  # noqa: F403 - every production setting, unchanged

ROOT_URLCONF = "bench.urls_bench"
