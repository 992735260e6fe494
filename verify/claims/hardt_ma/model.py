"""The linear residual network of Hardt & Ma (seed 002, section 2): its risk, validators,
instance generators and the scales the claims share.

Setting (seed 002, section 2; [1] section 2): y = R x + zeta with x ~ D, Sigma = E[x x^T]
(positive definite), zeta independent of x with E[zeta] = 0 and E[zeta zeta^T] = noise^2 I
(the seed takes noise = 1). The deep linear residual network with l blocks
A = (A_1, ..., A_l), A_i in R^{d x d}, predicts (I + A_l) ... (I + A_1) x, and its population
risk has the closed form

    f(A) = E ||y - (I + A_l)...(I + A_1) x||^2 = tr((R - P) Sigma (R - P)^T) + noise^2 d,

with P = (I + A_l) ... (I + A_1) (`residual_product`). Its infimum over all A is
f_opt = noise^2 d (the paper's C_opt), attained exactly where P = R. ||A|| = max_i ||A_i||_2
(`max_block_norm`, the seed's eq. (3)) and B_tau = {A : ||A|| <= tau}.

Nothing here is a claim; `linear`, `existence` and `expressivity` import from this module and
never the other way round.

References:
  [1] M. Hardt, T. Ma. Identity Matters in Deep Learning. ICLR 2017, arXiv:1611.04231v3,
      section 2.
  [2] G. Li. Identity Matters in Deep Learning (literature review, ELE538B, 2018), the seed
      ``shared/seeds/002_56c6572621e81ca1.txt``, section 2, equations (1)-(4).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import raise_problems, validate_scalar
from verify.errors import InvalidInstanceError

__all__ = [
    "SEED_002",
    "residual_product",
    "max_block_norm",
    "population_risk",
    "optimal_risk",
    "excess_risk",
    "flat_excess_risk",
    "sigma_min",
    "problem_scales",
    "validate_blocks",
    "validate_target",
    "validate_covariance",
    "validate_tau",
    "validate_problem",
    "random_covariance",
    "blocks_in_ball",
]

SEED_002 = "shared/seeds/002_56c6572621e81ca1.txt"


# ------------------------------------------------------------------------ the model


def residual_product(blocks: jax.Array) -> jax.Array:
    """P = (I + A_l) ... (I + A_1) for `blocks` of shape (l, d, d) (A_1 first)."""
    d = blocks.shape[-1]

    def step(p, a):
        return p + a @ p, None

    p, _ = jax.lax.scan(step, jnp.eye(d, dtype=blocks.dtype), blocks)
    return p


def max_block_norm(blocks: jax.Array) -> jax.Array:
    """||A|| = max_i ||A_i||_2, the largest spectral norm of the blocks (seed 002, eq. (3))."""
    return jnp.max(jnp.linalg.norm(blocks, ord=2, axis=(-2, -1)))


def population_risk(blocks: jax.Array, target: jax.Array, covariance: jax.Array, noise=1.0) -> jax.Array:
    """f(A) = tr((R - P) Sigma (R - P)^T) + noise^2 d, the closed form of
    E||y - P x||^2 for y = R x + zeta (see the module docstring)."""
    e = target - residual_product(blocks)
    d = target.shape[0]
    return jnp.sum((e @ covariance) * e) + noise**2 * d


def optimal_risk(target: jax.Array, noise=1.0) -> jax.Array:
    """f_opt = noise^2 d: the infimum of f over all A, attained where P = R."""
    return jnp.asarray(noise, jnp.float64) ** 2 * target.shape[0]


def excess_risk(blocks: jax.Array, target: jax.Array, covariance: jax.Array) -> jax.Array:
    """f(A) - f_opt = tr((R - P) Sigma (R - P)^T), computed without the cancellation."""
    e = target - residual_product(blocks)
    return jnp.sum((e @ covariance) * e)


def flat_excess_risk(instance):
    """The excess risk of an instance (arrays ``R`` and ``Sigma``) as a function of the flat
    vector of blocks, as the instruments of `verify.landscape` take it."""
    r, sigma = instance["R"], instance["Sigma"]
    d = r.shape[0]
    return lambda x: excess_risk(x.reshape(-1, d, d), r, sigma)


def sigma_min(covariance) -> jax.Array:
    """sigma_min(Sigma), the smallest eigenvalue of the symmetric matrix `covariance`."""
    return jnp.linalg.eigvalsh(covariance)[0]


def problem_scales(target, covariance):
    """(curvature scale, loss scale) of an instance: ||Sigma||_2 and ||Sigma||_2 max(||R||_F^2, 1).

    f - f_opt = tr(E Sigma E^T) <= ||Sigma||_2 ||E||_F^2, and E = R - P is of the size of R."""
    top = jnp.linalg.eigvalsh(covariance)[-1]
    return top, top * jnp.maximum(jnp.sum(target**2), 1.0)


# ------------------------------------------------------------------------ validation


def validate_blocks(name: str, blocks, d: int | None = None) -> None:
    """`blocks` must have shape (l, d, d) with l >= 1 (and d as given)."""
    shape = np.shape(blocks)
    if len(shape) != 3 or shape[0] < 1 or shape[1] != shape[2] or (d is not None and shape[1] != d):
        want = f"(l, {d}, {d})" if d is not None else "(l, d, d)"
        raise InvalidInstanceError(f"{name} must have shape {want} with l >= 1; got shape {shape}")


def validate_target(name: str, target, d: int | None = None) -> None:
    """`target` (R) must be a square d x d matrix."""
    shape = np.shape(target)
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1 or (d is not None and shape[0] != d):
        want = f"({d}, {d})" if d is not None else "(d, d)"
        raise InvalidInstanceError(f"{name} must be a square matrix of shape {want}; got shape {shape}")


def validate_covariance(name: str, covariance, d: int) -> None:
    """`covariance` (Sigma) must be d x d, symmetric and positive definite."""
    c = np.asarray(covariance, dtype=np.float64)
    if c.shape != (d, d):
        raise InvalidInstanceError(f"{name} must have shape ({d}, {d}); got shape {c.shape}")
    scale = max(float(np.max(np.abs(c))), np.finfo(np.float64).tiny)
    asym = float(np.max(np.abs(c - c.T))) / scale
    if asym > 1e-12:
        raise InvalidInstanceError(
            f"{name} must be symmetric; largest |Sigma - Sigma^T| / max|Sigma| is {asym:.3g}"
        )
    lam = np.linalg.eigvalsh(0.5 * (c + c.T))
    # Positive definite beyond rounding: eigvalsh is backward stable to ~d * eps * ||Sigma||.
    if lam[0] <= 1e-12 * max(abs(lam[-1]), np.finfo(np.float64).tiny):
        raise InvalidInstanceError(
            f"{name} must be positive definite (Theorem 2.2 needs sigma_min(Sigma) > 0); "
            f"smallest eigenvalue is {lam[0]:.3g} (largest {lam[-1]:.3g})"
        )


def validate_tau(name: str, tau) -> float:
    """`tau` must be a number in [0, 1) (Theorem 2.2 and the gradient bounds need tau < 1)."""
    return validate_scalar(name, tau, 0, 1, low_open=False, high_open=True,
                           what="the theorem needs 0 <= tau < 1")


def _gather(problems: list, check, *args) -> None:
    """Run one validator, keeping its message instead of raising (gather, then raise once)."""
    try:
        check(*args)
    except InvalidInstanceError as e:
        problems.append(str(e))


def validate_problem(instance, blocks_name: str | None = None) -> int:
    """Validate R, Sigma, tau (when present) and the blocks `blocks_name` (when given) of an
    instance: shapes, Sigma symmetric positive definite, tau in [0, 1), blocks in B_tau.
    Every problem found is reported in one InvalidInstanceError. Returns d."""
    problems: list[str] = []
    _gather(problems, validate_target, "R", instance["R"])
    shape = np.shape(instance["R"])
    d = shape[0] if len(shape) == 2 else None
    if d is not None:
        _gather(problems, validate_covariance, "Sigma", instance["Sigma"], d)
    if "tau" in instance:
        _gather(problems, validate_tau, "tau", instance["tau"])
    if blocks_name is not None:
        blocks = instance[blocks_name]
        before = len(problems)
        _gather(problems, validate_blocks, blocks_name, blocks, d)
        if "tau" in instance and len(problems) == before and np.ndim(instance["tau"]) == 0:
            norm = float(max_block_norm(jnp.asarray(blocks)))
            tau = float(instance["tau"])
            # ||A_i||_2 is computed by an SVD, backward stable to a few ulps.
            if norm > tau * (1.0 + 1e-12) + 1e-300:
                problems.append(
                    f"{blocks_name} must lie in B_tau (max_i ||A_i||_2 <= tau = {tau!r}); "
                    f"got max_i ||A_i||_2 = {norm!r}"
                )
    raise_problems(problems)
    return d


# ------------------------------------------------------------------ instance generators


def random_covariance(key, d, low=0.1, high=10.0):
    """Sigma = Q diag(lambda) Q^T, Q Haar-orthogonal, lambda log-uniform in [low, high]: the
    scale of Sigma matters for the printed gradient bounds, so it is drawn on both sides of 1."""
    kq, kl = jax.random.split(key)
    q, r = jnp.linalg.qr(jax.random.normal(kq, (d, d)))
    q = q * jnp.sign(jnp.diagonal(r))
    lam = jnp.exp(jax.random.uniform(kl, (d,), minval=jnp.log(low), maxval=jnp.log(high)))
    c = (q * lam) @ q.T
    return 0.5 * (c + c.T)


def blocks_in_ball(key, l, d, tau, low=0.0):
    """l random blocks with ||A_i||_2 = tau * u_i, u_i uniform in [low, 1]."""
    kd, ku = jax.random.split(key)
    g = jax.random.normal(kd, (l, d, d))
    g = g / jnp.linalg.norm(g, ord=2, axis=(-2, -1))[:, None, None]
    u = jax.random.uniform(ku, (l,), minval=low, maxval=1.0)
    return g * (tau * u)[:, None, None]
