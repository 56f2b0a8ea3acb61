"""How the benchmarks time and weigh one action: the best wall time of several runs, and the tracemalloc peak of
one more."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The shortest wall-clock time, in seconds, of `runs` runs of `action`."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def peak_traced(action: Callable[[], object]) -> int:
    """The peak of Python's allocations, in bytes, while `action` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
