"""Hypothesis searches for counterexamples to the near-identity claims of Yun, Sra & Jadbabaie
(`verify.claims.yun`, seed 004).

Both claims are expected to hold; their own generators are searched by
`properties/test_claims.py`. Here the searches draw the pieces entry by entry so that a
failure shrinks: the certified risk bound at arbitrary (theta, t), the displacement
bound behind the constant C, the projection onto F_L's balls, and the Rademacher estimator
on the linear class (closed form) and on the full class (between its exact floor and cap).
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import example, given, note, settings, target
from hypothesis import strategies as st

from verify.claims import yun as Y

_floats = lambda lo, hi: st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _array(draw, shape, lo=-3.0, hi=3.0):
    size = int(np.prod(shape))
    return np.asarray(draw(st.lists(_floats(lo, hi), min_size=size, max_size=size)), dtype=np.float64).reshape(shape)


# ------------------------------------------------------- the certified bound, drawn freely


@st.composite
def risk_problems(draw, *, dims=(1, 2), depths=(1, 3), widths=(1, 2), n=5):
    """(x, y, rho, code, delta, w, a, b, t) with every entry drawn (so that it shrinks); the
    shapes come from small sets (bounded compilations)."""
    d, L, m = draw(st.sampled_from(dims)), draw(st.sampled_from(depths)), draw(st.sampled_from(widths))
    code = draw(st.sampled_from((0, 1)))
    x = _array(draw, (n, d))
    y = _array(draw, (n,))
    if code == 0:
        y = np.where(y >= 0, 1.0, -1.0)
    return dict(
        x=x, y=y, rho=draw(_floats(0.05, 3.0)), code=code, delta=draw(_floats(0.2, 3.0)),
        w=_array(draw, (d,)), a=_array(draw, (L, d, m), -10, 10), b=_array(draw, (L, m, d), -10, 10),
        t=_array(draw, (d,)),
    )


@functools.partial(jax.jit, static_argnums=(3,))
def _certified_gap(x, y, rho, code, delta, w, a, b, t):
    """(rhs - lhs) / scale for R(theta) - ||g_w|| ||t - w|| <= E l(t^T x) + C_L(t)."""
    L = a.shape[0]
    g_w = jax.grad(Y.near_identity_risk)(w, a, b, x, y, rho, code, delta)
    lhs = Y.near_identity_risk(w, a, b, x, y, rho, code, delta) - jnp.linalg.norm(g_w) * jnp.linalg.norm(t - w)
    c_L, _ = Y.near_identity_constant(rho, L, Y.loss_lipschitz(code, delta), t, x)
    rhs = Y.linear_risk(t, x, y, code, delta) + c_L
    scale = jnp.maximum(Y.linear_risk(jnp.zeros_like(t), x, y, code, delta), 1e-300)
    return (rhs - lhs) / scale


@given(p=risk_problems())
def test_certified_risk_bound_at_any_point_and_any_t(p):
    gap = float(_certified_gap(p["x"], p["y"], p["rho"], p["code"], p["delta"], p["w"], p["a"], p["b"], p["t"]))
    note(f"relative slack {gap!r}")
    target(-gap, label="negative slack")
    assert gap >= -1e-9


@given(p=risk_problems())
def test_residual_displacement_within_the_depth_factor(p):
    V, U = Y.block_matrices(jnp.asarray(p["a"]), jnp.asarray(p["b"]), p["rho"])
    x = jnp.asarray(p["x"])
    disp = jnp.linalg.norm(Y.near_identity_features(x, V, U) - x, axis=1)
    allowed = Y.depth_factor(p["rho"], p["a"].shape[0]) * jnp.linalg.norm(x, axis=1)
    assert np.all(np.asarray(disp) <= np.asarray(allowed) * (1 + 1e-12) + 1e-300)
    assert np.all(np.asarray(Y.block_lipschitz(V, U)) < p["rho"] / p["a"].shape[0])


# ---------------------------------------------------------------- projection onto F_L


@st.composite
def class_parameters(draw, *, depths=(1, 2, 5)):
    L = draw(st.sampled_from(depths))
    d, m = 2, 2
    return [
        (_array(draw, (d,), -5, 5), _array(draw, (L, d, m), -5, 5), _array(draw, (L, m, d), -5, 5))
        for _ in range(2)
    ]


@given(pair=class_parameters())
def test_projection_onto_the_class(pair):
    (w, V, U), (w2, V2, U2) = pair
    L = V.shape[0]
    P = Y.project_onto_class(w, V, U)
    r = 1 / np.sqrt(L)
    assert np.linalg.norm(np.asarray(P[0])) <= 1 + 1e-15
    assert np.all(np.linalg.norm(np.asarray(P[1]), axis=(1, 2)) <= r * (1 + 1e-15))
    assert np.all(np.linalg.norm(np.asarray(P[2]), axis=(1, 2)) <= r * (1 + 1e-15))
    again = Y.project_onto_class(*P)
    for p, q in zip(again, P):
        np.testing.assert_allclose(np.asarray(p), np.asarray(q), rtol=1e-14, atol=1e-300)
    # <z - Pz, y - Pz> <= 0 for a feasible y (the other drawn point, projected)
    Q = Y.project_onto_class(w2, V2, U2)
    inner = sum(float(jnp.sum((z - p) * (q - p))) for z, p, q in zip((w, V, U), P, Q))
    assert inner <= 1e-12 * (1 + sum(float(jnp.sum(z * z)) for z in (w, V, U)))


# -------------------------------------------------------------------- the Rademacher estimator


@st.composite
def sign_problems(draw, *, sizes=((4, 1), (6, 2))):
    n, d = draw(st.sampled_from(sizes))
    x = _array(draw, (n, d), -4, 4)
    signs = np.asarray(draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=2 * n, max_size=2 * n))).reshape(2, n)
    return x, signs


def _starts(K, R, L, d, m, seed=0):
    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(seed), 3)
    return (jax.random.normal(k1, (K, R, d)), 0.5 * jax.random.normal(k2, (K, R, L, d, m)),
            0.5 * jax.random.normal(k3, (K, R, L, m, d)))


@given(problem=sign_problems())
@example(problem=(np.array([[0.0], [8.76148224e-197], [0.0], [0.0]]), -np.ones((2, 4))))  # found by Hypothesis
def test_linear_class_supremum_is_exact(problem):
    x, signs = problem
    n, d = x.shape
    w0, V0, U0 = _starts(2, 2, 2, d, 2)
    S, lin = Y.rademacher_sup_estimates(jnp.asarray(x), jnp.asarray(signs), w0, V0, U0, 10, 0.0)
    v = signs @ x
    big = np.max(np.abs(v), axis=1, keepdims=True)
    # the norm computed as s ||v / s||: np.linalg.norm underflows for entries ~1e-160 and below
    exact = big[:, 0] * np.linalg.norm(v / np.where(big > 0, big, 1.0), axis=1) / n
    np.testing.assert_allclose(np.asarray(S), exact, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(np.asarray(lin), exact, rtol=1e-12, atol=1e-300)


@settings(max_examples=8)
@given(problem=sign_problems())
def test_full_class_estimate_between_the_linear_floor_and_the_function_cap(problem):
    x, signs = problem
    n, d = x.shape
    L = 3
    w0, V0, U0 = _starts(2, 2, L, d, 2, seed=1)
    S, lin = Y.rademacher_sup_estimates(jnp.asarray(x), jnp.asarray(signs), w0, V0, U0, 30, 1 / np.sqrt(L))
    cap = float(Y.rademacher_function_bound(jnp.asarray(x), L))
    assert np.all(np.asarray(S) >= np.asarray(lin) - 1e-12 * max(cap, 1e-300))
    assert np.all(np.asarray(S) <= cap * (1 + 1e-10) + 1e-300)
