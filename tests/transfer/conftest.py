"""The throwaway Redis of the scoring fault drills, for the import drills too (tests/transfer/test_import_faults.py)."""

from tests.scoring.test_faults import broker_and_cache_on, own_redis

__all__ = ["broker_and_cache_on", "own_redis"]
