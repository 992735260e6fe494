"""Unit tests of `verify.landscape.spectrum`: dense vs matrix-free extreme eigenvalues.

Compile time dominates, so each jitted function takes the problem data as arguments and
is compiled once per module (`functools.cache`), then reused across cases.
"""

import functools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from verify.landscape import extreme_eigenvalues, lambda_max, lambda_min
from verify.landscape.spectrum import top_eigenvalue_matrix_free
from verify.tolerances import TOLERANCES

EPS = float(jnp.finfo(jnp.float64).eps)
AGREE = TOLERANCES["matfree_agree"]

# ---------------------------------------------------------------- linear residual network

DEPTH, WIDTH, N_DATA = 4, 7, 10  # 4 * 7 * 7 = 196 parameters


def resnet_loss(a, target, data):
    """f(A) = ||((I + A_l) ... (I + A_1) - R) X||_F^2 on the flat vector of (A_1, ..., A_l)."""
    blocks = a.reshape(DEPTH, WIDTH, WIDTH)
    eye = jnp.eye(WIDTH)
    prod = eye
    for i in range(DEPTH):
        prod = (eye + blocks[i]) @ prod
    return jnp.sum(((prod - target) @ data) ** 2)


@functools.cache
def resnet_spectra():
    def both(a, target, data):
        loss = lambda x: resnet_loss(x, target, data)
        dense = extreme_eigenvalues(loss, a, "dense")
        free = extreme_eigenvalues(loss, a, "matrix_free")
        norm = jnp.maximum(jnp.abs(dense[0].value), jnp.abs(dense[1].value))  # ||H||_2
        return dense, free, norm

    return jax.jit(both)


@pytest.mark.parametrize("with_data", [False, True], ids=["no-data", "data-matrix"])
@pytest.mark.parametrize("seed", [0, 1])
def test_resnet_dense_and_matrix_free_agree(with_data, seed):
    rng = np.random.default_rng(seed)
    a = 0.3 * rng.standard_normal(DEPTH * WIDTH * WIDTH)
    target = rng.standard_normal((WIDTH, WIDTH))
    data = rng.standard_normal((WIDTH, N_DATA)) if with_data else np.eye(WIDTH, N_DATA)
    (dmin, dmax), (fmin, fmax), norm = resnet_spectra()(a, target, data)
    norm = float(norm)
    assert a.size == 196
    # At a random point the loss is not convex: the test covers a negative lambda_min.
    assert float(dmin.value) < -1e-3 * norm
    assert abs(float(fmin.value) - float(dmin.value)) <= AGREE * norm
    assert abs(float(fmax.value) - float(dmax.value)) <= AGREE * norm
    # The reported error bounds the actual error (up to the dense reference's own
    # rounding, a few n * eps * ||H||), and is itself within the agreement tolerance.
    slack = 4 * a.size * EPS * norm
    for free, dense in ((fmin, dmin), (fmax, dmax)):
        assert abs(float(free.value) - float(dense.value)) <= float(free.error) + slack
        assert 0.0 <= float(free.error) <= AGREE * norm
        assert int(free.iterations) >= 1
        assert float(dense.error) == 0.0


# ---------------------------------------------------------------- known spectrum

N_KNOWN = 40


def known_matrix(eigs, seed=11):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(eigs), len(eigs))))
    return (q * eigs) @ q.T


def quadratic(m):
    return lambda x: 0.5 * x @ m @ x  # Hessian is exactly m


@functools.cache
def known_spectra():
    def run(m):
        x = jnp.zeros(m.shape[0])
        loss = quadratic(m)
        return (
            extreme_eigenvalues(loss, x, "dense"),
            lambda_min(loss, x, "matrix_free"),
            lambda_max(loss, x, "matrix_free"),
            extreme_eigenvalues(loss, x, "auto"),
        )

    return jax.jit(run)


_MID = np.random.default_rng(5).uniform(-1.0, 2.0, N_KNOWN - 5)
KNOWN = {
    # negative lambda_min, top cluster of four within 3e-7 (relative 6e-8)
    "negative-min-clustered-top": np.concatenate([[-3.0], _MID, [5.0, 5 - 1e-7, 5 - 2e-7, 5 - 3e-7]]),
    # top eigenvalue of multiplicity 4 and a near-double bottom
    "multiple-top-near-double-bottom": np.concatenate([[-3.0, -3.0 + 1e-9], _MID[1:], [5.0] * 4]),
    # positive definite (lambda_min > 0): the -H operator has only negative eigenvalues
    "positive-definite": np.concatenate([[0.5], _MID + 1.6, [5.0, 5 - 1e-7, 5 - 2e-7, 5 - 3e-7]]),
    # the negative end dominates the norm
    "negative-dominant": np.concatenate([[-40.0, -39.9], _MID[1:], [1.0, 0.5, 0.25, 0.1]]),
}


@pytest.mark.parametrize("name", list(KNOWN))
def test_known_spectrum(name):
    eigs = np.sort(KNOWN[name])
    assert eigs.size == N_KNOWN
    lo, hi = eigs[0], eigs[-1]
    norm = max(abs(lo), abs(hi))
    (dmin, dmax), fmin, fmax, (amin, amax) = known_spectra()(known_matrix(eigs))
    # the dense reference is right to rounding
    ref_tol = 4 * N_KNOWN * EPS * norm
    assert abs(float(dmin.value) - lo) <= ref_tol
    assert abs(float(dmax.value) - hi) <= ref_tol
    # auto picks dense below DENSE_LIMIT: identical to the dense answer
    assert float(amin.value) == float(dmin.value) and float(amax.value) == float(dmax.value)
    for free, true in ((fmin, lo), (fmax, hi)):
        err = abs(float(free.value) - true)
        assert err <= AGREE * norm, (name, float(free.value), true)
        assert err <= float(free.error) + ref_tol, (name, err, float(free.error))
    assert abs(float(fmin.value) - float(dmin.value)) <= AGREE * norm
    assert abs(float(fmax.value) - float(dmax.value)) <= AGREE * norm


def test_error_estimate_is_a_residual_bound_not_a_constant():
    """Stopped after 2 iterations LOBPCG is not converged: the error grows, still bounds."""
    eigs = np.sort(KNOWN["negative-min-clustered-top"])
    m = jnp.asarray(known_matrix(eigs))
    est = top_eigenvalue_matrix_free(lambda v: m @ v, N_KNOWN, jax.random.PRNGKey(0), max_iterations=2)
    err = abs(float(est.value) - eigs[-1])
    assert err > 1e-6  # really unconverged, so the bound below is a real check
    assert err <= float(est.error)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("fn", [extreme_eigenvalues, lambda_min, lambda_max])
def test_matrix_free_on_tiny_problem_raises(fn, n):
    loss = lambda x: jnp.sum(x**2)
    msg = f"method='matrix_free' needs more than 5 parameters; got {n}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        fn(loss, jnp.ones(n), method="matrix_free")


def test_matrix_free_smallest_allowed_size_runs():
    m = jnp.diag(jnp.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]))
    hi = jax.jit(lambda x: lambda_max(quadratic(m), x, "matrix_free"))(jnp.zeros(6))
    assert abs(float(hi.value) - 3.0) <= AGREE * 3


def test_top_eigenvalue_matrix_free_rejects_tiny_n():
    with pytest.raises(ValueError, match=re.escape("n must be > 5 for the matrix-free method; got n=5")):
        top_eigenvalue_matrix_free(lambda v: v, 5, jax.random.PRNGKey(0))


@pytest.mark.parametrize("fn", [extreme_eigenvalues, lambda_min, lambda_max])
@pytest.mark.parametrize("method", ["lanczos", "Dense", ""])
def test_unknown_method_raises(fn, method):
    msg = f"method must be 'auto', 'dense' or 'matrix_free'; got {method!r}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        fn(lambda x: jnp.sum(x**2), jnp.ones(8), method=method)
