"""Shared settings of this repository's tests (tests/ and properties/), as a pytest plugin.

``pyproject.toml`` loads it for every pytest run (``-p verify.testing.pytest_plugin`` in
``addopts``), so that ``pytest``, ``pytest tests/`` and ``pytest properties/`` all get:

* XLA's CPU backend compiling at LLVM optimisation level 1 and with its classic fusion
  emitters, as `verify.sweep` does (`verify.claims.base.CHECK_COMPILER_OPTIONS`: compiles
  several times faster, runs as fast). The flags are set before JAX starts its backend;
  notebook kernels and ``verify`` subprocesses started by the tests inherit them.
* JAX's caches cleared after each test module. One process compiles thousands of XLA
  programs; with all of them alive a full run once segfaulted inside XLA's CPU compiler near
  the end of the suite (each module alone passed), and clearing keeps the process at a
  fraction of the memory (numbers in README, "Tests"). The segfault's cause was not
  established.
* Hypothesis profiles, chosen with ``--hypothesis-profile NAME``:
  ``ci`` (default): few examples, derandomised so CI is reproducible, ``deadline=None``
  because the first call of a check compiles it with jit (seconds, not milliseconds);
  ``thorough``: many more examples, random, for a real search before trusting a claim;
  ``dev``: a handful of examples for quick iteration.
* The notebook tests scheduled first: under pytest-xdist (``--dist loadfile``) a long file
  queued last leaves one worker running it alone.
* One JAX persistent compilation cache for the whole run (``JAX_COMPILATION_CACHE_DIR``): the
  same claim's check is compiled by several test modules (caches are cleared between them),
  by both xdist workers, by notebook kernels and by ``verify`` subprocesses; with the cache
  each program is compiled once per run and read back after that. The directory is a fresh
  temporary one, made by the process that starts the run and removed when it ends, so every
  run starts with an empty cache; a ``JAX_COMPILATION_CACHE_DIR`` set by the user is used
  as it is and kept.
"""

import atexit
import os
import shutil
import tempfile

_flags = os.environ.get("XLA_FLAGS", "")
if "--xla_backend_optimization_level" not in _flags:
    _flags = f"{_flags} --xla_backend_optimization_level=1".strip()
if "--xla_cpu_use_fusion_emitters" not in _flags:
    _flags = f"{_flags} --xla_cpu_use_fusion_emitters=false"
os.environ["XLA_FLAGS"] = _flags

if not os.environ.get("JAX_COMPILATION_CACHE_DIR"):
    # Set before jax is imported, so that this process, the xdist workers and every
    # subprocess (notebook kernels, `verify` commands) inherit it.
    _CACHE_DIR = tempfile.mkdtemp(prefix="verify-test-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _CACHE_DIR
    atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)

import jax  # noqa: E402  (after the flag)
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# too_slow: generating an instance runs JAX's PRNG (and compiles it the first time).
_COMMON = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=12, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=300, **_COMMON)
settings.register_profile("dev", max_examples=4, **_COMMON)
settings.load_profile("ci")

#: Test files run first (the notebooks take a large share of the suite's CPU time).
LONGEST_FIRST = ("test_notebooks.py",)


@pytest.fixture(autouse=True, scope="module")
def _clear_jax_caches():
    yield
    jax.clear_caches()


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)  # stable: keeps the rest in order
