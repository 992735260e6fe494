"""Hypothesis profiles for the property tests (choose with --hypothesis-profile NAME).

* ``ci`` (default): few examples, derandomised so CI is reproducible; `deadline=None`
  because the first call of a check compiles it with jit (seconds, not milliseconds).
* ``thorough``: many more examples, random, for a real search before trusting a claim.
* ``dev``: a handful of examples for quick iteration.
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
from hypothesis import HealthCheck, settings

# too_slow: generating an instance runs JAX's PRNG (and compiles it the first time).
_common = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=12, derandomize=True, **_common)
settings.register_profile("thorough", max_examples=300, **_common)
settings.register_profile("dev", max_examples=4, **_common)
settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="module")
def _clear_jax_caches():
    """Free compiled programs after each module (see tests/conftest.py for why)."""
    yield
    jax.clear_caches()
