"""Unit tests of `verify.landscape.derivatives` against hand-derived closed forms.

Every expected value below is written out by hand from the loss (no autodiff on the
expected side), so a wrong sign, a missing factor or a transposed block fails the test.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree
from jax.test_util import check_grads

from verify.landscape import flatten, gradient, hessian, hvp, symmetrise

RTOL = 1e-12


# ---------------------------------------------------------------- losses and closed forms


def uv_loss(x):
    """F(u, v) = (1 - uv)^2."""
    u, v = x[0], x[1]
    return (1.0 - u * v) ** 2


def uv_grad(u, v):
    # dF/du = -2 (1 - uv) v, dF/dv = -2 (1 - uv) u
    return np.array([-2.0 * (1 - u * v) * v, -2.0 * (1 - u * v) * u])


def uv_hess(u, v):
    # d2F/du2 = 2 v^2, d2F/dv2 = 2 u^2, d2F/dudv = -2 + 4 uv
    return np.array([[2 * v * v, -2 + 4 * u * v], [-2 + 4 * u * v, 2 * u * u]])


def make_psd(n, seed):
    rng = np.random.default_rng(seed)
    b = rng.standard_normal((n, n))
    return b @ b.T + 0.1 * np.eye(n)


def outer_loss(m):
    """F(u) = ||M - u u^T||_F^2."""
    m = jnp.asarray(m)
    return lambda u: jnp.sum((m - jnp.outer(u, u)) ** 2)


def outer_grad(m, u):
    # F = ||M||^2 - 2 u^T M u + ||u||^4 (M symmetric)  =>  grad = -4 M u + 4 ||u||^2 u
    return -4.0 * m @ u + 4.0 * (u @ u) * u


def outer_hess(m, u):
    # H = -4 M + 4 ||u||^2 I + 8 u u^T
    return -4.0 * m + 4.0 * (u @ u) * np.eye(len(u)) + 8.0 * np.outer(u, u)


def factor_loss(a):
    """F(X, Y) = ||A - X Y||_F^2 on the pytree {"X": X, "Y": Y}."""
    a = jnp.asarray(a)
    return lambda p: jnp.sum((a - p["X"] @ p["Y"]) ** 2)


def factor_grad(a, X, Y):
    r = a - X @ Y
    return {"X": -2.0 * r @ Y.T, "Y": -2.0 * X.T @ r}


def factor_hvp(a, X, Y, dX, dY):
    # Differentiate the gradient along (dX, dY):
    # d(-2 R Y^T) = 2 (dX Y + X dY) Y^T - 2 R dY^T,  d(-2 X^T R) = 2 X^T (dX Y + X dY) - 2 dX^T R
    r = a - X @ Y
    dr = dX @ Y + X @ dY
    return {"X": 2.0 * dr @ Y.T - 2.0 * r @ dY.T, "Y": 2.0 * X.T @ dr - 2.0 * dX.T @ r}


@pytest.fixture(scope="module")
def factor_problem():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 3))
    params = {"X": rng.standard_normal((4, 2)), "Y": rng.standard_normal((2, 3))}
    direction = {"X": rng.standard_normal((4, 2)), "Y": rng.standard_normal((2, 3))}
    return a, params, direction


# ---------------------------------------------------------------- (1 - uv)^2


@pytest.mark.parametrize("u, v", [(0.0, 0.0), (0.3, -1.7), (2.0, 0.5), (-1.1, 0.9)])
def test_uv_gradient_hvp_hessian_match_closed_form(u, v):
    x = jnp.array([u, v])
    np.testing.assert_allclose(gradient(uv_loss, x), uv_grad(u, v), rtol=RTOL, atol=1e-14)
    h_true = uv_hess(u, v)
    np.testing.assert_allclose(hessian(uv_loss, x), h_true, rtol=RTOL, atol=1e-14)
    w = np.array([0.7, -1.3])
    np.testing.assert_allclose(hvp(uv_loss, x, jnp.asarray(w)), h_true @ w, rtol=RTOL, atol=1e-14)


def test_uv_hessian_at_origin_has_eigenvalues_plus_minus_two():
    h = np.asarray(hessian(uv_loss, jnp.zeros(2)))
    np.testing.assert_array_equal(h, [[0.0, -2.0], [-2.0, 0.0]])


# ---------------------------------------------------------------- ||M - u u^T||^2


def test_outer_product_loss_matches_closed_form():
    n = 4
    m = make_psd(n, 0)
    u = np.random.default_rng(1).standard_normal(n)
    f = outer_loss(m)
    x = jnp.asarray(u)
    np.testing.assert_allclose(gradient(f, x), outer_grad(m, u), rtol=RTOL)
    h_true = outer_hess(m, u)
    np.testing.assert_allclose(hessian(f, x), h_true, rtol=RTOL, atol=1e-12)
    w = np.random.default_rng(2).standard_normal(n)
    np.testing.assert_allclose(hvp(f, x, jnp.asarray(w)), h_true @ w, rtol=RTOL, atol=1e-12)


# ---------------------------------------------------------------- pytree via flatten


def test_flatten_round_trip_and_float64(factor_problem):
    a, params, _ = factor_problem
    params32 = jax.tree_util.tree_map(lambda t: jnp.asarray(t, jnp.float32), params)
    x, loss_flat, unravel = flatten(factor_loss(a), params32)
    assert x.dtype == jnp.float64
    assert x.shape == (4 * 2 + 2 * 3,)
    rebuilt = unravel(x)
    assert rebuilt["X"].shape == (4, 2) and rebuilt["Y"].shape == (2, 3)
    np.testing.assert_array_equal(rebuilt["X"], np.asarray(params32["X"], np.float64))
    # The flat loss must evaluate in float64 (no silent down-cast through unravel).
    assert loss_flat(x).dtype == jnp.float64
    x64, loss64, _ = flatten(factor_loss(a), params)
    assert float(loss64(x64)) == pytest.approx(float(np.sum((a - params["X"] @ params["Y"]) ** 2)), rel=1e-14)


def test_pytree_gradient_hvp_hessian_match_closed_form(factor_problem):
    a, params, direction = factor_problem
    x, loss_flat, _ = flatten(factor_loss(a), params)
    X, Y = params["X"], params["Y"]
    g_true, _ = ravel_pytree(factor_grad(a, X, Y))
    np.testing.assert_allclose(gradient(loss_flat, x), g_true, rtol=RTOL, atol=1e-13)

    v, _ = ravel_pytree(direction)
    hv_true, _ = ravel_pytree(factor_hvp(a, X, Y, direction["X"], direction["Y"]))
    np.testing.assert_allclose(hvp(loss_flat, x, v), hv_true, rtol=RTOL, atol=1e-13)

    h = np.asarray(hessian(loss_flat, x))
    assert h.shape == (14, 14)
    np.testing.assert_array_equal(h, h.T)
    np.testing.assert_allclose(h @ np.asarray(v), hv_true, rtol=1e-11, atol=1e-12)
    # Every column of H is the closed-form HVP along a unit vector.
    for i in range(h.shape[0]):
        e = np.zeros(h.shape[0])
        e[i] = 1.0
        d = _unravel_like(params, e)
        col, _ = ravel_pytree(factor_hvp(a, X, Y, d["X"], d["Y"]))
        np.testing.assert_allclose(h[:, i], col, rtol=RTOL, atol=1e-13)


def _unravel_like(params, flat):
    _, unravel = ravel_pytree(params)
    return jax.tree_util.tree_map(np.asarray, unravel(jnp.asarray(flat)))


def test_factor_hessian_nullspace_is_gl_orbit_at_global_minimum():
    """At XY = A the Hessian is 2 ||dX Y + X dY||^2: zero exactly along (X xi, -xi Y)."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 2))
    Y = rng.standard_normal((2, 3))
    a = X @ Y
    x, loss_flat, _ = flatten(factor_loss(a), {"X": X, "Y": Y})
    xi = rng.standard_normal((2, 2))
    t, _ = ravel_pytree({"X": X @ xi, "Y": -xi @ Y})
    assert float(jnp.linalg.norm(hvp(loss_flat, x, t))) < 1e-12 * float(jnp.linalg.norm(t))
    # and positive along a direction that changes the product
    d, _ = ravel_pytree({"X": np.ones((4, 2)), "Y": np.zeros((2, 3))})
    expected = 2.0 * np.sum((np.ones((4, 2)) @ Y) ** 2)
    assert float(d @ hvp(loss_flat, x, d)) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- check_grads


@pytest.mark.parametrize(
    "name",
    ["uv", "outer", "factor"],
)
def test_losses_pass_check_grads_order_2(name):
    rng = np.random.default_rng(7)
    if name == "uv":
        f, x = uv_loss, jnp.array([0.4, -0.8])
    elif name == "outer":
        f, x = outer_loss(make_psd(3, 4)), jnp.asarray(rng.standard_normal(3))
    else:
        a = rng.standard_normal((3, 3))
        params = {"X": rng.standard_normal((3, 2)), "Y": rng.standard_normal((2, 3))}
        x, f, _ = flatten(factor_loss(a), params)
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_check_grads_catches_a_wrong_custom_derivative():
    """Sanity check that check_grads can fail: a custom JVP off by a factor of 2."""

    @jax.custom_jvp
    def bad(x):
        return jnp.sum(x**2)

    @bad.defjvp
    def _bad_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return bad(x), 4.0 * jnp.dot(x, t)  # true derivative is 2 x . t

    with pytest.raises(AssertionError):
        check_grads(bad, (jnp.array([0.3, -0.2]),), order=1, modes=("fwd",))


# ---------------------------------------------------------------- symmetrise


def test_symmetrise_reports_asymmetry_removed():
    h = jnp.array([[1.0, 2.0], [0.0, 1.0]])
    sym, asym = symmetrise(h)
    np.testing.assert_array_equal(sym, [[1.0, 1.0], [1.0, 1.0]])
    # ||H - H^T||_F = sqrt(8), ||H||_F = sqrt(6)
    assert float(asym) == pytest.approx(np.sqrt(8.0 / 6.0), rel=1e-14)


def test_symmetrise_of_symmetric_and_zero_matrices():
    h = jnp.array([[2.0, -1.0], [-1.0, 3.0]])
    sym, asym = symmetrise(h)
    np.testing.assert_array_equal(sym, h)
    assert float(asym) == 0.0
    sym0, asym0 = symmetrise(jnp.zeros((3, 3)))
    np.testing.assert_array_equal(sym0, np.zeros((3, 3)))
    assert float(asym0) == 0.0 and np.isfinite(float(asym0))


def test_symmetrise_is_scale_free():
    h = jnp.array([[1.0, 2.0], [0.0, 1.0]])
    for c in (1e-6, 1e6):
        _, asym = symmetrise(c * h)
        assert float(asym) == pytest.approx(np.sqrt(8.0 / 6.0), rel=1e-12)
