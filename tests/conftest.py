"""Shared by the unit tests: free compiled programs between test modules.

One pytest process compiles thousands of XLA programs (every claim, shape and instrument).
With all of them kept alive, a full run segfaulted inside XLA's CPU compiler at ~90% of the
suite (2026-11-23, twice; each module alone passes). Each compiled program holds its own
memory mappings, and this machine allows 65,530 per process (vm.max_map_count); clearing
JAX's caches after each module keeps the process far from that.
"""

import jax
import pytest


@pytest.fixture(autouse=True, scope="module")
def _clear_jax_caches():
    yield
    jax.clear_caches()
