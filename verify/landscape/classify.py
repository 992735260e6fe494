"""Classify a point: not critical / local minimum / strict saddle / degenerate / inconclusive.

Scales (see `verify.tolerances` for the reasons behind each tolerance):

* ``hess_scale = max(||H||_2, curvature_floor)``; ``curvature_floor`` is a problem scale the
  caller supplies (default 1) so that a Hessian that is exactly zero does not make every
  eigenvalue "large".
* ``grad_scale = hess_scale * max(||x||, length_scale)``; ``length_scale`` is the problem's
  size of parameters (default 1; for ``||M - uu^T||^2`` it is ``sqrt(lambda_max(M))``), so
  that the verdict does not change when the problem is rescaled.
* ``loss_scale = max(|f(x)|, loss_floor)``.

Rules, in order:

1. NaN/inf in f, the gradient or the Hessian: INCONCLUSIVE.
2. ``||g|| >= grad_not_critical * grad_scale``: NOT_CRITICAL. Between that and
   ``grad_critical * grad_scale``: INCONCLUSIVE (neither clearly critical nor clearly not).
   Plateaus: ``||g|| / grad_scale`` measures the distance to a critical point only where
   the curvature along g is of the order of ||H||. On a plateau (a saturated logistic,
   ``f ~ e^{-z}``) the gradient and the curvature along it are both tiny: the gradient
   passes the test while the nearest critical point is far away (or at infinity). So a
   point is critical only if also its Newton step (the distance to the critical point of
   the quadratic model), ``plateau_distance = ||sum_i (g_i / |lambda_i|) v_i|| /
   max(||x||, length_scale)`` over the eigenpairs of H (on the complement of the symmetry
   tangents), is at most ``TOLERANCES["plateau_distance"]``; otherwise the point is
   INCONCLUSIVE. Near a critical point of order p the step is the distance to it over
   p - 1 (small); on an exponential plateau it is the decay length (``1/z`` relative for
   ``e^{-z}``); a slope along an exactly zero eigenvalue gives inf. Components
   ``g_i = v_i . g`` at rounding level (``<= TOLERANCES["grad_rounding"] * grad_scale``)
   are left out: their direction is noise, and on a plateau that deep (``z > 30`` for
   ``e^{-z}``) float64 cannot tell the plateau from a flat region at all. Such a point is
   at best DEGENERATE_UNDECIDED, never LOCAL_MINIMUM (its Hessian is as small as its
   gradient).
3. Symmetry: where the loss is invariant under a continuous group (for example
   ``(X, Y) -> (XT, T^{-1}Y)``) the caller passes ``symmetry_tangents(x)``, an ``(n, k)``
   matrix spanning the orbit's tangent space. At a critical point H vanishes on it
   (differentiate ``f(g.x) = f(x)`` twice), so those flat directions say nothing about
   the type of the point. They are removed: the spectrum that decides is that of H
   restricted to their orthogonal complement, and the removed dimension and the residual
   ``||H T|| / hess_scale`` (how flat the orbit really is) are reported.
4. On the complement: ``lambda_min < -eig_zero * hess_scale``: STRICT_SADDLE (including
   local maxima: every point with a direction of negative curvature);
   ``lambda_min > eig_zero * hess_scale``: LOCAL_MINIMUM (strict up to symmetry), provided
   the Newton distance bound ``||g|| / (lambda_min * max(||x||, 1))`` (the gradient is
   orthogonal to the symmetry orbit, and every eigenvalue on the complement is at least
   lambda_min, so this bounds ``||H^{-1} g||`` relatively) is within ``grad_critical``;
   otherwise INCONCLUSIVE. ``||g|| / grad_scale`` alone measures the distance to a
   critical point only where H is well conditioned: at ``(0, 1e-5)`` near the degenerate
   saddle of ``x^2 + y^3`` it is 1.5e-10 while the point is 1e-5 away and its Hessian
   ``diag(2, 6e-5)`` looks like a minimum's.
5. Otherwise the Hessian is singular and PSD on the complement: second-order evidence
   cannot decide. Higher-order test: f is sampled on small spheres around x, in random
   directions of the near-null eigenspace and in random directions of the whole space.
   A drop below f(x) beyond rounding on *every* sphere means DEGENERATE_SADDLE (not a local
   minimum, shown by points of lower loss at every radius down to the smallest); otherwise
   DEGENERATE_UNDECIDED (possibly a minimum, possibly a saddle whose descent is of too high
   an order, or too narrow, for the samples to see on the smallest sphere). A degenerate
   point is never called LOCAL_MINIMUM.

The floors are the *problem's* scales and the caller must supply them: with the defaults
(1) the classification is invariant under rescaling the loss only for problems whose
curvature is at least of order 1 (a loss multiplied by 1e-6 with default floors has its
gradients and curvatures compared with 1, not with its own size). There is no way to
infer them from the point alone: at 0 of x^4 the Hessian is exactly zero. The claims pass
them (for ||M - uu^T||^2: lambda_max(M), ||M||_F^2, sqrt(lambda_max(M))).

Known limit: the gradient test measures the distance to a critical point through
``||g|| / (||H|| size)``, which is only right where H is well conditioned. For LOCAL_MINIMUM
the Newton-step bound ``||g|| / (lambda_min size)`` is also required (near a degenerate
saddle a point can otherwise look like a minimum); STRICT_SADDLE has no such guard, so a
point close to a degenerate saddle may be called a strict saddle (still "not a minimum").

A second-order stationary point (SOSP) in the sense of the lecture notes is a critical
point with ``lambda_min >= -eig_zero * hess_scale``: LOCAL_MINIMUM, DEGENERATE_SADDLE or
DEGENERATE_UNDECIDED (`is_sosp`).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Callable

import jax
import jax.numpy as jnp

from verify import _x64  # noqa: F401
from verify.landscape.derivatives import symmetrise
from verify.tolerances import TOLERANCES

__all__ = [
    "PointType",
    "Classification",
    "classify",
    "is_sosp",
    "is_local_minimum",
    "is_strict_saddle",
    "is_critical",
]


class PointType(enum.IntEnum):
    """The type of a point, as decided by `classify`."""

    NOT_CRITICAL = 0
    LOCAL_MINIMUM = 1
    STRICT_SADDLE = 2
    DEGENERATE_SADDLE = 3
    DEGENERATE_UNDECIDED = 4
    INCONCLUSIVE = 5


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Classification:
    """The decision and the numbers behind it (all float64 arrays; `point_type` is int).

    Attributes:
      point_type: a `PointType` value.
      loss, grad_norm: f(x) and ||grad f(x)||.
      grad_relative: ``||g|| / grad_scale``.
      lambda_min, lambda_max: extreme eigenvalues of H on the complement of the symmetry
        tangents (of H itself when there are none).
      hess_scale: the curvature scale eigenvalues are compared with.
      n_zero: number of eigenvalues within ``eig_zero * hess_scale`` of 0 on the complement.
      n_symmetry: dimension of the symmetry tangent space removed.
      symmetry_residual: ``||H T||_2 / hess_scale`` for the orthonormal tangent basis T.
      asymmetry: relative asymmetry of the autodiff Hessian that was symmetrised away.
      sphere_drop: ``max_r min_v (f(x + r v) - f(x)) / loss_scale`` over the higher-order
        test's radii r and directions v: negative iff every sphere showed descent (0 when
        the test did not run).
      plateau_distance: the Newton step ``||sum_i (g_i / |lambda_i|) v_i||`` relative to
        ``max(||x||, length_scale)``, over the gradient's components above rounding (0
        where there are none, inf where one meets a zero eigenvalue); rule 2's plateau test.
    """

    point_type: jax.Array
    loss: jax.Array
    grad_norm: jax.Array
    grad_relative: jax.Array
    lambda_min: jax.Array
    lambda_max: jax.Array
    hess_scale: jax.Array
    n_zero: jax.Array
    n_symmetry: jax.Array
    symmetry_residual: jax.Array
    asymmetry: jax.Array
    sphere_drop: jax.Array
    plateau_distance: jax.Array


def _tangent_basis(tangents: jax.Array, n: int) -> tuple[jax.Array, jax.Array]:
    """Orthonormal basis of span(tangents) as masked columns of an (n, n) matrix, and its rank."""
    if tangents.shape[1] == 0:
        return jnp.zeros((n, 0)), jnp.asarray(0)
    u, s, _ = jnp.linalg.svd(tangents, full_matrices=False)
    # Relative to the point's size, not to s[0]: near X = Y = 0 the orbit collapses to a
    # point and its (tiny) tangents must not count as flat directions.
    keep = s > 1e-8 * jnp.maximum(jnp.max(jnp.abs(tangents)), 1.0)
    return u * keep[None, :], jnp.sum(keep)


def _sphere_drop(loss, x, f0, null_vecs, null_mask, radius_scale, loss_scale, key, n_samples):
    """Relative change of f on spheres around x: on each sphere the smallest change seen,
    then the largest of those over the radii (negative means descent on every sphere)."""
    n = x.shape[0]
    k1, k2 = jax.random.split(key)
    coeff = jax.random.normal(k1, (n_samples, null_vecs.shape[1])) * null_mask[None, :]
    dirs_null = coeff @ null_vecs.T
    dirs_full = jax.random.normal(k2, (n_samples, n))
    dirs = jnp.concatenate([dirs_null, dirs_full, -dirs_null], axis=0)
    norms = jnp.linalg.norm(dirs, axis=1, keepdims=True)
    dirs = jnp.where(norms > 0, dirs / jnp.where(norms > 0, norms, 1.0), 0.0)
    radii = jnp.asarray(TOLERANCES["sphere_radii"]) * radius_scale

    def drop(r, d):
        return (loss(x + r * d) - f0) / loss_scale

    vals = jax.vmap(lambda r: jax.vmap(lambda d: drop(r, d))(dirs))(radii)
    # Descent must show on every sphere, the smallest included: a drop seen only on the
    # larger spheres can be a lower region a finite distance away (the ReLU loss at
    # w = -0.05, a local minimum 0.05 from the kink), not descent arbitrarily close to x.
    return jnp.max(jnp.min(vals, axis=1))


def classify(
    loss: Callable[[jax.Array], jax.Array],
    x: jax.Array,
    *,
    symmetry_tangents: Callable[[jax.Array], jax.Array] | None = None,
    curvature_floor: float = 1.0,
    loss_floor: float = 1.0,
    length_scale: float = 1.0,
    key: jax.Array | None = None,
    n_samples: int = 32,
) -> Classification:
    """Classify the point `x` of `loss` (a scalar function of a flat float64 vector).

    Pure JAX and dense (eigvalsh), so it jits and vmaps; for problems beyond a few
    thousand parameters use `verify.landscape.spectrum` with the matrix-free method.

    Args:
      loss: the loss on flat vectors (see `verify.landscape.flatten`).
      x: the point.
      symmetry_tangents: optional ``x -> (n, k)`` matrix spanning the tangent space of the
        loss's continuous symmetry orbit through x (see `gl_orbit_tangents`).
      curvature_floor: smallest curvature scale of the problem (for example ||M||_2 for
        ``||M - uu^T||^2``): an exactly zero Hessian is compared with it.
      loss_floor: smallest loss scale of the problem, for the higher-order test.
      length_scale: the problem's size of parameters (default 1): the gradient is measured
        against ``hess_scale * max(||x||, length_scale)`` and the higher-order test's
        spheres have radii ``sphere_radii * max(||x||, length_scale)``.
      key: PRNG key for the higher-order test's random directions (default key 0).
      n_samples: random directions per family and radius in the higher-order test.
    """
    x = jnp.asarray(x, jnp.float64)
    n = x.shape[0]
    key = jax.random.PRNGKey(0) if key is None else key
    f0 = loss(x)
    g = jax.grad(loss)(x)
    h, asym = symmetrise(jax.jacfwd(jax.grad(loss))(x))
    gnorm = jnp.linalg.norm(g)
    norm_h = jnp.max(jnp.abs(jnp.linalg.eigvalsh(h)))
    hess_scale = jnp.maximum(norm_h, curvature_floor)
    size = jnp.maximum(jnp.linalg.norm(x), length_scale)
    grad_scale = hess_scale * size
    grad_rel = gnorm / grad_scale
    loss_scale = jnp.maximum(jnp.abs(f0), loss_floor)

    tangents = (
        jnp.zeros((n, 0)) if symmetry_tangents is None else jnp.asarray(symmetry_tangents(x))
    )
    basis, n_sym = _tangent_basis(tangents, n)
    if basis.shape[1]:
        proj = jnp.eye(n) - basis @ basis.T
        sym_res = jnp.linalg.norm(h @ basis, ord=2) / hess_scale
        # Tangent directions get a large positive eigenvalue so they neither set lambda_min
        # nor count as zero eigenvalues; lambda_max is taken on the complement separately.
        shift = 4.0 * hess_scale
        h_red = proj @ h @ proj + shift * (basis @ basis.T)
        eigs, vecs = jnp.linalg.eigh(h_red)
        on_tangent = eigs > 2.0 * hess_scale
        lam_min = eigs[0]
        lam_max = jnp.max(jnp.where(on_tangent, -jnp.inf, eigs))
    else:
        sym_res = jnp.asarray(0.0)
        eigs, vecs = jnp.linalg.eigh(h)
        on_tangent = jnp.zeros(n, bool)
        lam_min, lam_max = eigs[0], eigs[-1]

    zero_tol = TOLERANCES["eig_zero"] * hess_scale
    null_mask = (jnp.abs(eigs) <= zero_tol) & ~on_tangent
    n_zero = jnp.sum(null_mask)

    finite = jnp.isfinite(f0) & jnp.all(jnp.isfinite(g)) & jnp.all(jnp.isfinite(h))
    plateau_dist = _plateau_distance(g, eigs, vecs, TOLERANCES["grad_rounding"] * grad_scale, size)
    plateau = ~(plateau_dist <= TOLERANCES["plateau_distance"])
    critical = (grad_rel <= TOLERANCES["grad_critical"]) & ~plateau
    not_critical = grad_rel >= TOLERANCES["grad_not_critical"]
    degenerate = critical & (lam_min >= -zero_tol) & (lam_min <= zero_tol)
    # Rule 4: a minimum is certified only when ||H^{-1} g|| (<= ||g|| / lambda_min) is small.
    newton_rel = gnorm / (
        jnp.maximum(lam_min, jnp.finfo(jnp.float64).tiny) * jnp.maximum(jnp.linalg.norm(x), 1.0)
    )
    minimum_close = newton_rel <= TOLERANCES["grad_critical"]

    drop = jax.lax.cond(
        degenerate & finite,
        lambda: _sphere_drop(
            loss, x, f0, vecs, null_mask.astype(jnp.float64),
            size, loss_scale, key, n_samples,
        ),
        lambda: jnp.asarray(0.0),
    )
    descent = drop < -TOLERANCES["sphere_drop"]

    point_type = jnp.select(
        [
            ~finite,
            not_critical,
            ~critical,
            lam_min < -zero_tol,
            (lam_min > zero_tol) & minimum_close,
            lam_min > zero_tol,
            descent,
        ],
        [
            PointType.INCONCLUSIVE,
            PointType.NOT_CRITICAL,
            PointType.INCONCLUSIVE,
            PointType.STRICT_SADDLE,
            PointType.LOCAL_MINIMUM,
            PointType.INCONCLUSIVE,
            PointType.DEGENERATE_SADDLE,
        ],
        PointType.DEGENERATE_UNDECIDED,
    )
    return Classification(
        point_type=point_type.astype(jnp.int32),
        loss=f0,
        grad_norm=gnorm,
        grad_relative=grad_rel,
        lambda_min=lam_min,
        lambda_max=lam_max,
        hess_scale=hess_scale,
        n_zero=n_zero,
        n_symmetry=n_sym,
        symmetry_residual=sym_res,
        asymmetry=asym,
        sphere_drop=drop,
        plateau_distance=plateau_dist,
    )


def _plateau_distance(g, eigs, vecs, floor, size):
    """``||sum_i (g_i / |lambda_i|) v_i|| / size`` over the eigenpairs ``(lambda_i, v_i)``
    of H with ``|g_i| = |v_i . g|`` above the rounding `floor`: the Newton step, relative;
    inf where such a component meets a zero eigenvalue (a slope with no curvature)."""
    coeff = jnp.abs(vecs.T @ g)
    above = coeff > floor
    curvature = jnp.abs(eigs)
    ratio = jnp.where(above & (curvature > 0), coeff / jnp.where(curvature > 0, curvature, 1.0), 0.0)
    flat_slope = jnp.any(above & (curvature == 0))
    return jnp.where(flat_slope, jnp.inf, jnp.linalg.norm(ratio) / size)


def is_critical(c: Classification) -> jax.Array:
    """Critical within tolerance: any type but NOT_CRITICAL and INCONCLUSIVE."""
    return (c.point_type != PointType.NOT_CRITICAL) & (c.point_type != PointType.INCONCLUSIVE)


def is_sosp(c: Classification) -> jax.Array:
    """Second-order stationary: critical with no direction of negative curvature."""
    return is_critical(c) & (c.point_type != PointType.STRICT_SADDLE)


def is_local_minimum(c: Classification) -> jax.Array:
    """Certified strict local minimum (up to symmetry) by second-order evidence."""
    return c.point_type == PointType.LOCAL_MINIMUM


def is_strict_saddle(c: Classification) -> jax.Array:
    """Critical with a direction of negative curvature."""
    return c.point_type == PointType.STRICT_SADDLE
