"""The losses and formulas of `verify.claims.matrix_factorisation` (lecture notes 5.3 and
6.3), and what its claims share: starting points, their validation, the search budget.
The claims are in `verify.claims.matrix_factorisation.factorisation` (``mf/``) and
`verify.claims.matrix_factorisation.activations` (``act/``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from verify.errors import InvalidInstanceError
from verify.landscape.symmetry import gl_orbit_tangents

__all__ = [
    "STARTS",
    "FINDER_STEPS",
    "COUNT_TOL",
    "GD_STEPS",
    "scalar_loss",
    "rank_one_loss",
    "rank_one_gradient",
    "rank_one_hessian",
    "validate_psd",
    "activation_loss",
    "relu_loss",
    "square_loss",
    "sigmoid_loss",
    "sigmoid_loss_derivative",
    "factorisation_loss",
]

SEED_000 = "shared/seeds/000_45be778ffb0540d2.txt"
SEED_001 = "shared/seeds/001_749c64abaf8f8510.txt"

#: Number of starts of the critical-point search per instance.
STARTS = 16
#: Steps per start: Levenberg-Marquardt converges quadratically but refuses steps while it
#: adapts its damping, so the budget leaves room well beyond the slowest starts of the sweeps.
FINDER_STEPS = 200

#: Tolerance of a count that must match (a dimension, a number of points): half a unit, so
#: that the margin is 1 when the counts are equal and -1 when they differ by one.
COUNT_TOL = 0.5


def _log_uniform(key, low, high, shape=()):
    """Magnitudes spread over decades, so instances probe many scales."""
    return jnp.exp(jax.random.uniform(key, shape, minval=jnp.log(low), maxval=jnp.log(high)))


def _starts(key, k, n, scale_low=1e-3, scale_high=3.0):
    """k starting points in R^n: Gaussian directions at log-uniform radii (near the origin too)."""
    k1, k2 = jax.random.split(key)
    return jax.random.normal(k1, (k, n)) * _log_uniform(k2, scale_low, scale_high, (k, 1))


def _starts_problems(starts, n, name="starts") -> list[str]:
    """What is wrong with `starts` as a (k, n) array of starting points, k >= 1 (for
    `raise_problems`)."""
    shape = tuple(np.shape(starts))
    if len(shape) != 2 or shape[0] < 1 or shape[1] != n:
        return [f"{name} must have shape (k, {n}) with k >= 1 starting points; got {shape}"]
    return []


# ------------------------------------------------------------------- (1 - uv)^2


def scalar_loss(x: jax.Array) -> jax.Array:
    """F(u, v) = (1 - uv)^2 on x = (u, v)."""
    return (1.0 - x[0] * x[1]) ** 2


def _scalar_tangents(x):
    """(u, v) -> (tu, v/t) is a GL(1) symmetry: tangent (u, -v)."""
    return gl_orbit_tangents(x, 1, 1, 1)


GD_STEPS = 3000


def _gradient_descent(loss, x0, learning_rate, steps=GD_STEPS):
    """Plain gradient descent with optax.sgd for a fixed number of steps."""
    opt = optax.sgd(learning_rate)

    def body(_, carry):
        x, state = carry
        updates, state = opt.update(jax.grad(loss)(x), state, x)
        return optax.apply_updates(x, updates), state

    x, _ = jax.lax.fori_loop(0, steps, body, (x0, opt.init(x0)))
    return x


# ------------------------------------------------------------- ||M - uu^T||_F^2


def rank_one_loss(u: jax.Array, m: jax.Array) -> jax.Array:
    """F(u) = ||M - u u^T||_F^2."""
    return jnp.sum((m - jnp.outer(u, u)) ** 2)


def rank_one_gradient(u: jax.Array, m: jax.Array) -> jax.Array:
    """grad F(u) = -4 (M - u u^T) u = 4 (||u||^2 u - M u), for symmetric M.

    The seed prints "4(M - uu^T)u": the sign is wrong (it does not matter for grad F = 0)."""
    return 4.0 * (jnp.dot(u, u) * u - m @ u)


def rank_one_hessian(u: jax.Array, m: jax.Array) -> jax.Array:
    """Hessian of F: 4 (||u||^2 I + 2 u u^T - M), for symmetric M.

    The seed prints "4(u^T + ||u||^2 I - M)": the term 2 u u^T is garbled."""
    n = u.shape[0]
    return 4.0 * (jnp.dot(u, u) * jnp.eye(n) + 2.0 * jnp.outer(u, u) - m)


def _psd_matrix(key, n, rank):
    """M = B B^T / n with B n x rank (rank < n gives a singular PSD M), at a log-uniform scale."""
    k1, k2 = jax.random.split(key)
    b = jax.random.normal(k1, (n, rank))
    return _log_uniform(k2, 1e-3, 1e3) * (b @ b.T) / n


def validate_psd(name: str, m) -> None:
    """Raise InvalidInstanceError unless `m` is a square symmetric PSD matrix.

    Tolerances: asymmetry ||M - M^T||_F <= 1e-12 ||M||_F (rounding of a product B B^T is
    ~n eps); smallest eigenvalue >= -1e-12 ||M||_2 (eigvalsh's backward error is n eps ||M||)."""
    m = np.asarray(m, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise InvalidInstanceError(f"{name} must be a square matrix; got shape {m.shape}")
    norm = max(np.linalg.norm(m), np.finfo(np.float64).tiny)
    asym = np.linalg.norm(m - m.T) / norm
    if asym > 1e-12:
        raise InvalidInstanceError(
            f"{name} must be symmetric positive semidefinite; relative asymmetry "
            f"||{name} - {name}^T||_F / ||{name}||_F is {asym:.3g}"
        )
    lam = np.linalg.eigvalsh(0.5 * (m + m.T))
    if lam[0] < -1e-12 * max(abs(lam[-1]), abs(lam[0])):
        raise InvalidInstanceError(
            f"{name} must be symmetric positive semidefinite; smallest eigenvalue is {lam[0]:.3g}"
        )


# -------------------------------------------------------------- 1-D activations


def activation_loss(phi):
    """F(w) = (1 - phi(w))^2 on a length-1 vector w (seed 000, section 5.3.2 with x = y = 1)."""
    return lambda w: (1.0 - phi(w[0])) ** 2


def _relu(w):
    # jax.nn.relu, whose derivative at 0 is 0 (jnp.maximum's would be 1/2 there). It
    # matters for subnormal w < 0, which XLA on CPU flushes to 0 (found by Hypothesis:
    # w = -2.2e-309 looked non-critical with jnp.maximum).
    return jax.nn.relu(w)


def _square(w):
    return w**2


relu_loss = activation_loss(_relu)
square_loss = activation_loss(_square)
sigmoid_loss = activation_loss(jax.nn.sigmoid)


def sigmoid_loss_derivative(w):
    """F'(w) = -2 sigma(w) (1 - sigma(w))^2 for F(w) = (1 - sigma(w))^2: negative for every w."""
    s = jax.nn.sigmoid(w)
    return -2.0 * s * (1.0 - s) ** 2


# --------------------------------------------------------------- ||A - XY||_F^2


def factorisation_loss(x: jax.Array, a: jax.Array, r: int) -> jax.Array:
    """f(X, Y) = ||A - XY||_F^2 on x = concat(X.ravel(), Y.ravel()), X: m x r, Y: r x n."""
    m, n = a.shape
    X = x[: m * r].reshape(m, r)
    Y = x[m * r :].reshape(r, n)
    return jnp.sum((a - X @ Y) ** 2)
