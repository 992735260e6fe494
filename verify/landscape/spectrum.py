"""Extreme eigenvalues of a Hessian: dense (`eigvalsh`) and matrix-free (LOBPCG on HVPs).

The matrix-free method is `jax.experimental.sparse.linalg.lobpcg_standard`, which finds
the largest eigenvalues of a symmetric operator; lambda_min(H) is -lambda_max(-H). It
never forms H: each iteration costs a few Hessian-vector products. Its error estimate is
the residual norm ``||H v - lambda v||``, which for a symmetric H bounds the distance from
lambda to the nearest true eigenvalue. Both methods agree within
``TOLERANCES["matfree_agree"] * ||H||_2`` wherever both run (tested in
`tests/test_spectrum.py`, measured in `bench/`).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import jax
import jax.numpy as jnp
from jax.experimental.sparse.linalg import lobpcg_standard

from verify import _x64  # noqa: F401
from verify.landscape.derivatives import hessian, hvp

__all__ = [
    "Eigenvalue",
    "extreme_eigenvalues",
    "lambda_min",
    "lambda_max",
    "top_eigenvalue_matrix_free",
    "DENSE_LIMIT",
]

#: Above this many parameters `method="auto"` uses the matrix-free method.
DENSE_LIMIT = 1000


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Eigenvalue:
    """An eigenvalue estimate with its error bound (0 for dense ``eigvalsh``, whose backward
    error ~ n * eps * ||H|| is below every tolerance we use) and the iterations it took."""

    value: jax.Array
    error: jax.Array
    iterations: jax.Array


#: LOBPCG block size. 1 is fastest on the Hessians measured in `bench/` (LOBPCG stops only
#: when every vector of the block has converged, and each extra vector costs an HVP and a
#: larger Rayleigh-Ritz step): 3-7x faster than 4 at 2,000-8,000 parameters.
BLOCK = 1
#: Power-iteration steps for the shift that makes the operator positive definite.
POWER_STEPS = 20


def top_eigenvalue_matrix_free(
    matvec: Callable[[jax.Array], jax.Array],
    n: int,
    key: jax.Array,
    block: int = BLOCK,
    max_iterations: int = 500,
) -> Eigenvalue:
    """Largest algebraic eigenvalue of the symmetric operator `matvec` on R^n by LOBPCG.

    `block` starting vectors (random, from `key`); LOBPCG needs ``5 * block < n``, so the
    block shrinks for small n. LOBPCG's stopping test is ``||r|| < eps * 10 n (||Av|| +
    theta)``, which can never pass for a Ritz value theta <= 0 (then ``||Av|| + theta ~ 0``):
    it would run all `max_iterations` whenever fewer than `block` eigenvalues are positive
    (lambda_min of a positive definite Hessian, for one). So LOBPCG runs on ``A + s I`` with
    ``s = 2 rho``, rho a power-iteration estimate of ||A||_2 (>= ||A||_2 / 2 in practice, so
    A + s I is positive definite; if not, only the early stop is lost, never accuracy).
    """
    block = max(1, min(block, (n - 1) // 5))
    if 5 * block >= n:
        raise ValueError(f"n must be > 5 for the matrix-free method; got n={n} (use dense)")
    kpow, kx = jax.random.split(key)

    def power_step(_, v):
        w = matvec(v)
        return w / jnp.maximum(jnp.linalg.norm(w), jnp.finfo(jnp.float64).tiny)

    v0 = jax.random.normal(kpow, (n,), dtype=jnp.float64) / jnp.sqrt(n)
    shift = 2.0 * jnp.linalg.norm(matvec(jax.lax.fori_loop(0, POWER_STEPS, power_step, v0)))
    x0 = jax.random.normal(kx, (n, block), dtype=jnp.float64)
    op = jax.vmap(lambda u: matvec(u) + shift * u, in_axes=1, out_axes=1)
    theta, vecs, iters = lobpcg_standard(op, x0, m=max_iterations)
    value = theta[0] - shift
    v = vecs[:, 0]
    residual = jnp.linalg.norm(matvec(v) - value * v) / jnp.linalg.norm(v)
    return Eigenvalue(value, residual, jnp.asarray(iters))


def _choose(method: str, n: int) -> str:
    if method not in ("auto", "dense", "matrix_free"):
        raise ValueError(f"method must be 'auto', 'dense' or 'matrix_free'; got {method!r}")
    if method == "auto":
        return "dense" if n <= DENSE_LIMIT else "matrix_free"
    if method == "matrix_free" and n <= 5:
        raise ValueError(f"method='matrix_free' needs more than 5 parameters; got {n}")
    return method


def extreme_eigenvalues(
    loss: Callable, x: jax.Array, method: str = "auto", key: jax.Array | None = None,
    max_iterations: int = 500, block: int = BLOCK,
) -> tuple[Eigenvalue, Eigenvalue]:
    """Return ``(lambda_min, lambda_max)`` of the Hessian of `loss` at the flat vector `x`.

    Args:
      loss: scalar function of a flat float64 vector.
      x: the point.
      method: ``"dense"`` (eigvalsh of the dense Hessian), ``"matrix_free"`` (LOBPCG on
        Hessian-vector products) or ``"auto"`` (dense up to `DENSE_LIMIT` parameters).
      key: PRNG key for the matrix-free starting block (default: key 0, so the result is
        deterministic).
      max_iterations, block: LOBPCG's iteration cap and block size (matrix-free only).
    """
    n = x.shape[0]
    method = _choose(method, n)
    if method == "dense":
        eigs = jnp.linalg.eigvalsh(hessian(loss, x))
        zero = jnp.zeros((), jnp.float64)
        it = jnp.zeros((), jnp.int32)
        return Eigenvalue(eigs[0], zero, it), Eigenvalue(eigs[-1], zero, it)
    key = jax.random.PRNGKey(0) if key is None else key
    kmin, kmax = jax.random.split(key)
    top = top_eigenvalue_matrix_free(lambda v: hvp(loss, x, v), n, kmax, block, max_iterations)
    neg = top_eigenvalue_matrix_free(lambda v: -hvp(loss, x, v), n, kmin, block, max_iterations)
    return Eigenvalue(-neg.value, neg.error, neg.iterations), top


def lambda_min(
    loss: Callable, x: jax.Array, method: str = "auto", key=None,
    max_iterations: int = 500, block: int = BLOCK,
) -> Eigenvalue:
    """Smallest eigenvalue of the Hessian of `loss` at `x` (see `extreme_eigenvalues`)."""
    n = x.shape[0]
    if _choose(method, n) == "dense":
        return extreme_eigenvalues(loss, x, "dense")[0]
    key = jax.random.PRNGKey(0) if key is None else key
    neg = top_eigenvalue_matrix_free(lambda v: -hvp(loss, x, v), n, key, block, max_iterations)
    return Eigenvalue(-neg.value, neg.error, neg.iterations)


def lambda_max(
    loss: Callable, x: jax.Array, method: str = "auto", key=None,
    max_iterations: int = 500, block: int = BLOCK,
) -> Eigenvalue:
    """Largest eigenvalue of the Hessian of `loss` at `x` (see `extreme_eigenvalues`)."""
    n = x.shape[0]
    if _choose(method, n) == "dense":
        return extreme_eigenvalues(loss, x, "dense")[1]
    key = jax.random.PRNGKey(0) if key is None else key
    return top_eigenvalue_matrix_free(lambda v: hvp(loss, x, v), n, key, block, max_iterations)
