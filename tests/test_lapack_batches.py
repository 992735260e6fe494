"""The jaxlib 0.10 LAPACK work-around (`verify.lapack_batches`): same numbers, small batches.

The deadlock itself is a race (about one sweep in 5-10 before the work-around); what the tests
can pin down is its precondition: with the work-around, no LAPACK custom call is handed a batch
large enough for jaxlib to split it over the thread pool, and the results do not change.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import jax
import jax.numpy as jnp
import jax.scipy.linalg
import numpy as np
import pytest

import verify  # noqa: F401  (applies the work-around)
from verify import lapack_batches as _lapack_batches

LAPACK_CALL = re.compile(r"custom_call @(lapack_\w+)\(.*: \(tensor<([0-9x]+)x[a-z0-9]+>")


def lapack_calls(fn, *args):
    """(kernel name, operand shape) of every LAPACK custom call in ``fn``'s lowering."""
    text = jax.jit(fn).lower(*args).as_text()
    return [(m.group(1), tuple(int(d) for d in m.group(2).split("x")))
            for m in LAPACK_CALL.finditer(text)]


def work(shape):
    """jaxlib's cost bound for one call: batch size times 10 m n max(m, n)."""
    *batch, m, n = shape
    return int(np.prod(batch)) * _lapack_batches.COST_FACTOR * m * n * max(m, n)


def decompositions(s, a, b):
    """LAPACK outputs only: XLA arithmetic on them (a log-det's sum, say) may be vectorised
    differently in a batch, and then differ in the last bit whatever the work-around does."""
    w, v = jnp.linalg.eigh(s)
    q, r = jnp.linalg.qr(a)
    return (w, jnp.abs(v), jnp.linalg.svd(a, compute_uv=False), jnp.linalg.solve(s, b),
            jnp.abs(r), jnp.linalg.cholesky(s), jax.scipy.linalg.lu_factor(s)[0])


@pytest.fixture(scope="module")
def batch():
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    a = jax.random.normal(k1, (5, 41, 12, 12))  # 205 matrices: several chunks and a remainder
    s = a @ jnp.swapaxes(a, -1, -2) + 12.0 * jnp.eye(12)
    b = jax.random.normal(k2, (5, 41, 12, 3))
    return s, a, b


def test_applies_to_the_installed_jaxlib_when_it_has_the_bug():
    wrapped = mlir_rule(jax._src.lax.linalg.eigh_p)
    assert getattr(wrapped, "wrapped_for_sequential_batches", False) == _lapack_batches.needed()


def mlir_rule(prim):
    from jax._src.interpreters import mlir
    return mlir._platform_specific_lowerings["cpu"][prim].rule


@pytest.mark.skipif(not _lapack_batches.needed(), reason="jaxlib without the parallel batch path")
def test_no_lapack_call_gets_a_batch_jaxlib_would_split(batch):
    calls = lapack_calls(decompositions, *batch)
    assert {name for name, _ in calls} >= {"lapack_dsyevd_ffi", "lapack_dgesdd_ffi", "lapack_dgetrf_ffi",
                                          "lapack_dgeqrf_ffi", "lapack_dpotrf_ffi"}
    too_big = [(name, shape) for name, shape in calls if work(shape) >= _lapack_batches.MIN_WORK_PER_TASK]
    assert not too_big, too_big


@pytest.mark.skipif(not _lapack_batches.needed(), reason="jaxlib without the parallel batch path")
def test_vmapped_hessian_spectrum_is_chunked_too():
    hess_eigs = jax.vmap(lambda x: jnp.linalg.eigvalsh(jax.hessian(lambda y: jnp.sum(jnp.sin(y) * y ** 3))(x)))
    calls = lapack_calls(hess_eigs, jnp.ones((512, 10)))
    assert calls and all(work(shape) < _lapack_batches.MIN_WORK_PER_TASK for _, shape in calls)


def test_results_are_those_of_one_matrix_at_a_time(batch):
    s, a, b = batch
    batched = jax.jit(decompositions)(s, a, b)
    one_by_one = [jax.jit(decompositions)(s[i, j], a[i, j], b[i, j]) for i in (0, 4) for j in (0, 17, 40)]
    for k, (i, j) in enumerate((i, j) for i in (0, 4) for j in (0, 17, 40)):
        for got, want in zip(batched, one_by_one[k]):
            np.testing.assert_array_equal(np.asarray(got[i, j]), np.asarray(want))


def test_gradients_through_a_chunked_batch_are_finite_and_match():
    x = jax.random.normal(jax.random.PRNGKey(1), (300, 9, 9))
    f = lambda m: jnp.linalg.eigvalsh(m @ m.T)[0]
    g = jax.jit(jax.vmap(jax.grad(f)))(x)
    np.testing.assert_array_equal(np.asarray(g[123]), np.asarray(jax.jit(jax.grad(f))(x[123])))


def test_small_batches_keep_the_original_lowering():
    assert _lapack_batches.inline_chunk([(3, 3)]) > 100
    calls = lapack_calls(jax.vmap(jnp.linalg.eigvalsh), jnp.ones((100, 3, 3)))
    assert calls == [("lapack_dsyevd_ffi", (100, 3, 3))]


def test_inline_chunk_is_one_for_large_matrices():
    assert _lapack_batches.inline_chunk([(50, 50)]) == 1
    assert _lapack_batches.inline_chunk([(12, 12), (12, 400)]) == 1


def test_not_needed_from_the_release_that_fixed_it(monkeypatch):
    monkeypatch.setattr(_lapack_batches.jaxlib, "__version__", "0.11.2")
    assert not _lapack_batches.needed()
    monkeypatch.setattr(_lapack_batches.jaxlib, "__version__", "0.10.2")
    assert _lapack_batches.needed()


def test_apply_is_idempotent():
    before = mlir_rule(jax._src.lax.linalg.svd_p)
    _lapack_batches.apply()
    assert mlir_rule(jax._src.lax.linalg.svd_p) is before


def test_status_says_what_was_done():
    assert _lapack_batches.STATUS == ("applied" if _lapack_batches.needed() else
                                      f"not needed (jaxlib {_lapack_batches.jaxlib.__version__})")


def test_switched_off_by_the_environment_variable(monkeypatch):
    monkeypatch.setenv(_lapack_batches.ENV_SWITCH, "0")
    try:
        assert _lapack_batches.apply() == "switched off (VERIFY_LAPACK_WORKAROUND=0)"
    finally:
        monkeypatch.delenv(_lapack_batches.ENV_SWITCH)
        _lapack_batches.apply()


def test_switched_off_in_a_fresh_process_leaves_jax_unpatched():
    code = ("import verify, jax; from jax._src.interpreters import mlir; "
            "r = mlir._platform_specific_lowerings['cpu'][jax._src.lax.linalg.eigh_p].rule; "
            "print(verify.lapack_batches.STATUS, getattr(r, 'wrapped_for_sequential_batches', False))")
    env = dict(os.environ, VERIFY_LAPACK_WORKAROUND="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["switched", "off", "(VERIFY_LAPACK_WORKAROUND=0)", "False"]


def test_a_renamed_jax_internal_warns_and_leaves_jax_unpatched(monkeypatch):
    """A JAX release without one of the internals: a warning, not an ImportError."""
    monkeypatch.setattr(_lapack_batches, "PRIMITIVE_NAMES", ("no_such_primitive_p",))
    monkeypatch.setattr(_lapack_batches, "needed", lambda: True)
    with pytest.warns(_lapack_batches.LapackWorkaroundWarning, match="could not apply its work-around"):
        status = _lapack_batches.apply()
    assert status.startswith("unavailable: AttributeError")
    monkeypatch.undo()
    _lapack_batches.apply()


def test_no_jax_internal_is_imported_at_module_level():
    """A JAX release that renames an internal must not break `import verify`: the module's
    top-level imports are public ones only (the internals are imported inside `apply`)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(_lapack_batches))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in top if isinstance(n, ast.ImportFrom)]
    assert names and not [n for n in names if n and "_src" in n], names
