"""Unit tests of `verify.landscape.critical`: the Levenberg-Marquardt finder lands on
saddles as well as minima, and `deduplicate` merges points equal up to symmetry.

The expected critical points come from closed forms (the origin and the hyperbola uv = 1
for (1 - uv)^2; u = 0 and u = +-sqrt(lambda_i) q_i for ||M - u u^T||^2, with the
eigenpairs of M from numpy.linalg.eigh), never from the finder itself.
"""

import functools
import re

import jax.numpy as jnp
import numpy as np
import pytest

from verify.landscape import (
    deduplicate,
    factor_product,
    find_critical_point,
    find_critical_points,
    outer_product,
)


def uv_loss(x):
    return (1.0 - x[0] * x[1]) ** 2


def ring_starts(k, r_min, r_max, seed):
    """k points at distance in [r_min, r_max] from the origin, in random directions."""
    rng = np.random.default_rng(seed)
    ang = rng.uniform(0.0, 2.0 * np.pi, k)
    rad = rng.uniform(r_min, r_max, k)
    return np.stack([rad * np.cos(ang), rad * np.sin(ang)], axis=1)


# ---------------------------------------------------------------- (1 - uv)^2


NEAR = 20  # the first NEAR starts are near the origin, the rest far from it


@functools.cache
def uv_run():
    """One batched run (one compilation) for both (1 - uv)^2 tests."""
    near = ring_starts(16, 0.1, 0.3, seed=0)
    near = np.concatenate([near, [[0.0, 0.0], [0.3, 0.0], [0.0, -0.3], [0.2, 0.2]]])
    rng = np.random.default_rng(1)
    far = rng.uniform(0.5, 2.0, (12, 2)) * rng.choice([-1.0, 1.0], (12, 1))
    starts = np.concatenate([near, far])
    cp = find_critical_points(uv_loss, starts)
    return starts, np.asarray(cp.x), np.asarray(cp.loss), np.asarray(cp.grad_norm), np.asarray(cp.steps)


def test_uv_finder_lands_on_saddle_at_origin_from_nearby_starts():
    starts, x, loss, gnorm, steps = (a[:NEAR] for a in uv_run())
    dist = np.linalg.norm(starts, axis=1)
    assert dist.max() <= 0.3 + 1e-12 and np.sum(dist >= 0.1) >= 19  # not only the origin
    np.testing.assert_allclose(x, 0.0, atol=1e-12)
    np.testing.assert_allclose(loss, 1.0, atol=1e-12)
    assert np.all(gnorm <= 1e-12)
    # from the exact origin (gradient exactly zero) no step is accepted; elsewhere some are
    assert steps[16] == 0 and np.all(steps[dist >= 0.1] >= 1)


def test_uv_finder_lands_on_minima_uv_equal_one_from_far_starts():
    starts, x, loss, gnorm, _ = (a[NEAR:] for a in uv_run())
    assert np.all(np.abs(starts) >= 0.5)
    np.testing.assert_allclose(x[:, 0] * x[:, 1], 1.0, atol=1e-12)
    assert np.all(loss <= 1e-24)
    assert np.all(gnorm <= 1e-11)
    # the sign of the start's quadrant is kept (the two branches of uv = 1)
    np.testing.assert_array_equal(np.sign(x[:, 0]), np.sign(starts[:, 0]))


def test_single_start_matches_batched():
    starts, x, _, _, _ = uv_run()
    one = find_critical_point(uv_loss, starts[3])
    np.testing.assert_allclose(np.asarray(one.x), x[3], atol=1e-15)


@pytest.mark.parametrize("shape", [(2,), (2, 2, 1)])
def test_starts_must_be_two_dimensional(shape):
    msg = f"starts must have shape (k, n); got shape {shape}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        find_critical_points(uv_loss, np.zeros(shape))


# ---------------------------------------------------------------- ||M - u u^T||^2

N = 4
EIGS = np.array([4.0, 2.5, 1.5, 0.5])  # distinct


@functools.cache
def outer_problem():
    rng = np.random.default_rng(2)
    q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    m = (q * EIGS) @ q.T
    m = 0.5 * (m + m.T)
    starts = rng.standard_normal((64, N))
    mj = jnp.asarray(m)
    loss = lambda u: jnp.sum((mj - jnp.outer(u, u)) ** 2)
    cp = find_critical_points(loss, starts)
    return m, np.asarray(cp.x), np.asarray(cp.grad_norm)


def closed_form_hessian(m, u):
    # F = ||M||^2 - 2 u^T M u + ||u||^4  =>  H = -4 M + 4 ||u||^2 I + 8 u u^T
    return -4.0 * m + 4.0 * (u @ u) * np.eye(len(u)) + 8.0 * np.outer(u, u)


def test_outer_finder_finds_every_eigen_critical_point_including_saddles():
    m, x, gnorm = outer_problem()
    lam, vecs = np.linalg.eigh(m)  # ascending
    assert np.all(np.diff(lam) > 0.1)  # distinct eigenvalues
    # Every point the finder returns is one of the closed-form critical points
    # 0, +-sqrt(lambda_i) q_i  (up to sign, identify it by |<u, q_i>|).
    candidates = [np.zeros(N)] + [s * np.sqrt(lam[i]) * vecs[:, i] for i in range(N) for s in (1, -1)]
    hit = []
    for u in x:
        d = [np.linalg.norm(u - c) for c in candidates]
        j = int(np.argmin(d))
        assert d[j] <= 1e-9, (u, d[j])
        hit.append(j)
    assert np.all(gnorm <= 1e-10)
    found_eigen = {(j - 1) // 2 for j in hit if j > 0}
    # the top eigenvector (global minima) AND every non-top one (saddles) are found
    assert found_eigen == set(range(N)), found_eigen
    # the non-top ones are saddles: the closed-form Hessian has a negative eigenvalue
    # 4 (lambda_i - lambda_top) along q_top
    for i in range(N - 1):
        h = closed_form_hessian(m, np.sqrt(lam[i]) * vecs[:, i])
        assert np.linalg.eigvalsh(h)[0] == pytest.approx(4 * (lam[i] - lam[-1]), rel=1e-10)


def test_outer_deduplicate_merges_sign_copies():
    m, x, _ = outer_problem()
    reps, labels = deduplicate(x, outer_product)
    lam, vecs = np.linalg.eigh(m)
    # one representative per eigenvalue, both signs merged
    assert len(reps) == N
    overlaps = np.abs(reps @ vecs) / np.sqrt(lam)[None, :]
    np.testing.assert_allclose(np.sort(overlaps.max(axis=1)), 1.0, atol=1e-9)
    assert sorted(int(np.argmax(o)) for o in overlaps) == list(range(N))
    # labels point to a representative with the same u u^T
    for u, lab in zip(x, labels):
        np.testing.assert_allclose(np.outer(u, u), np.outer(reps[lab], reps[lab]), atol=1e-8)
    # without the invariant, u and -u stay distinct
    assert len(deduplicate(x)[0]) > N


# ---------------------------------------------------------------- deduplicate


def test_deduplicate_outer_product_sign_symmetry():
    u = np.array([0.3, -1.2, 2.0])
    pts = np.stack([u, -u, 1.01 * u, u + 1e-9, np.zeros(3)])
    reps, labels = deduplicate(pts, outer_product)
    np.testing.assert_array_equal(labels, [0, 0, 1, 0, 2])
    np.testing.assert_array_equal(reps, pts[[0, 2, 4]])
    reps_plain, labels_plain = deduplicate(pts)
    np.testing.assert_array_equal(labels_plain, [0, 1, 2, 0, 3])


def test_deduplicate_factor_product_gl_symmetry():
    m, r, n = 4, 2, 3
    rng = np.random.default_rng(4)
    X = rng.standard_normal((m, r))
    Y = rng.standard_normal((r, n))
    T = rng.standard_normal((r, r)) + 2.0 * np.eye(r)  # invertible
    assert abs(np.linalg.det(T)) > 0.5
    p0 = np.concatenate([X.ravel(), Y.ravel()])
    p1 = np.concatenate([(X @ T).ravel(), np.linalg.solve(T, Y).ravel()])
    X2 = rng.standard_normal((m, r))
    p2 = np.concatenate([X2.ravel(), Y.ravel()])  # a different product
    p3 = np.concatenate([(X @ (2 * T)).ravel(), np.linalg.solve(2 * T, Y).ravel()])
    assert np.linalg.norm(p1 - p0) > 0.1  # the points themselves differ
    inv = lambda p: factor_product(p, m, r, n)
    reps, labels = deduplicate(np.stack([p0, p1, p2, p3]), inv)
    np.testing.assert_array_equal(labels, [0, 0, 1, 0])
    assert len(reps) == 2
    # without the invariant all four are distinct
    assert len(deduplicate(np.stack([p0, p1, p2, p3]))[0]) == 4


def test_deduplicate_tolerance_is_relative_to_invariant_size():
    big = np.array([1e6, 0.0])
    pts = np.stack([big, big + [0.5, 0.0], big + [5.0, 0.0]])
    # rtol 1e-6 * ||invariant|| = 1: 0.5 apart merges, 5 apart does not
    _, labels = deduplicate(pts)
    np.testing.assert_array_equal(labels, [0, 0, 1])
    small = np.array([1e-6, 0.0])
    # below unit size the scale is 1: 1e-7 apart merges, 1e-5 apart does not
    _, labels = deduplicate(np.stack([small, small + [1e-7, 0], small + [1e-5, 0]]))
    np.testing.assert_array_equal(labels, [0, 0, 1])
