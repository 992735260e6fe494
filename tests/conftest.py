"""Shared by the unit tests: free compiled programs between test modules.

One pytest process compiles thousands of XLA programs (every claim, shape and instrument).
With all of them kept alive, a full run segfaulted inside XLA's CPU compiler at ~90% of the
suite (2026-11-23; the module alone passes), with the process at ~6 GB resident.
Clearing JAX's caches after each module keeps it at ~2.3 GB (measured). The cause of the
segfault is not established: the process's memory mappings (~1,100) were far below the
limit (vm.max_map_count 65,530), so it is not that.
"""

import os

# Compile at LLVM optimisation level 1, as `verify.sweep` does (`SWEEP_COMPILER_OPTIONS` in
# verify/search.py: 2-3x faster compiles, runs as fast). Set before JAX starts its backend;
# notebook kernels and `verify` subprocesses started by the tests inherit it.
_flags = os.environ.get("XLA_FLAGS", "")
if "--xla_backend_optimization_level" not in _flags:
    os.environ["XLA_FLAGS"] = f"{_flags} --xla_backend_optimization_level=1".strip()

import jax
import pytest


@pytest.fixture(autouse=True, scope="module")
def _clear_jax_caches():
    yield
    jax.clear_caches()


#: Test files run first: the notebooks take about 6 of the suite's 24 CPU-minutes, and
#: under pytest-xdist (--dist loadfile) a file queued last leaves one worker running it alone.
LONGEST_FIRST = ("test_notebooks.py",)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)  # stable: keeps the rest in order
