"""Critical-point finders that land on saddles as well as minima.

Minimising f only finds minima. To find *every* kind of critical point we solve
``grad f(x) = 0`` by Levenberg-Marquardt (LM): minimise ``phi(x) = ||grad f(x)||^2 / 2``
with steps ``(H^2 + mu I) delta = -H g``, where H, the Jacobian of the gradient, is the
Hessian. Saddles are zeros of the gradient like minima, so LM is attracted to them as
well. The damping ``mu = theta * ||g||`` (Fan & Yuan 2005) gives local quadratic
convergence even where the critical points are not isolated (symmetric losses, whose
critical points come in orbits), and ``theta`` adapts: divided by 4 after a step that
decreased phi, multiplied by 4 (and the step refused) otherwise.

LM can stop at a local minimum of phi that is not a critical point (``H g = 0`` with
``g != 0``); that is why every point it returns goes through `verify.landscape.classify`,
which calls it *not critical* or *inconclusive* instead of counting it.

`find_critical_points` runs LM from many starts at once (`jax.vmap`); `deduplicate`
merges points that are the same up to the loss's symmetries, measured on an invariant of
the symmetry group (for example ``XY`` for ``(X, Y) -> (XT, T^{-1}Y)``, ``u u^T`` for
``u -> -u``).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from verify import _x64  # noqa: F401
from verify.landscape.derivatives import hessian
from verify.tolerances import TOLERANCES

__all__ = [
    "CriticalPoint",
    "find_critical_point",
    "find_critical_points",
    "find_local_minimum",
    "deduplicate",
]


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class CriticalPoint:
    """Where the finder stopped: the point, its loss and gradient norm, and the steps taken
    (all batched along a leading axis when returned by `find_critical_points`)."""

    x: jax.Array
    loss: jax.Array
    grad_norm: jax.Array
    steps: jax.Array


def find_critical_point(loss: Callable, x0: jax.Array, steps: int = 100) -> CriticalPoint:
    """Solve ``grad loss(x) = 0`` from `x0` by Levenberg-Marquardt (dense Hessian).

    Pure JAX, a fixed number of `steps` (so it vmaps); the iteration stops moving once
    the gradient is exactly zero. Cost per step: one dense Hessian and one n x n solve,
    so it is meant for problems up to a few thousand parameters.
    """
    x0 = jnp.asarray(x0, jnp.float64)
    n = x0.shape[0]
    grad = jax.grad(loss)

    def phi(x):
        g = grad(x)
        return 0.5 * jnp.dot(g, g)

    def body(i, state):
        x, theta, accepted = state
        g = grad(x)
        h = hessian(loss, x)
        gnorm = jnp.linalg.norm(g)
        mu = theta * gnorm
        a = h @ h + mu * jnp.eye(n)
        delta = -jnp.linalg.solve(a, h @ g)
        x_new = x + delta
        better = jnp.isfinite(phi(x_new)) & (phi(x_new) < phi(x))
        x = jnp.where(better, x_new, x)
        theta = jnp.where(better, jnp.maximum(theta / 4.0, 1e-12), jnp.minimum(theta * 4.0, 1e12))
        return x, theta, accepted + better.astype(jnp.int32)

    x, _, accepted = jax.lax.fori_loop(0, steps, body, (x0, jnp.asarray(1.0), jnp.asarray(0)))
    return CriticalPoint(x=x, loss=loss(x), grad_norm=jnp.linalg.norm(grad(x)), steps=accepted)


def find_critical_points(loss: Callable, starts: jax.Array, steps: int = 100) -> CriticalPoint:
    """Run `find_critical_point` from every row of `starts` (shape ``(k, n)``) at once."""
    starts = jnp.asarray(starts, jnp.float64)
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (k, n); got shape {starts.shape}")
    return jax.vmap(lambda s: find_critical_point(loss, s, steps))(starts)


def deduplicate(
    points: np.ndarray,
    invariant: Callable[[np.ndarray], np.ndarray] | None = None,
    rtol: float = TOLERANCES["dedup"],
) -> tuple[np.ndarray, np.ndarray]:
    """Merge points equal up to symmetry; host-side (NumPy), after the finder has run.

    Args:
      points: ``(k, n)`` array of points.
      invariant: maps one point to an array that is the same for all points of one
        symmetry orbit (default: the point itself, no symmetry).
      rtol: two points are merged when their invariants differ by at most
        ``rtol * max(1, ||invariant||)`` in the Euclidean norm.

    Returns:
      ``(representatives, labels)``: the distinct points (first of each group) and, for
      each input point, the index of its representative.
    """
    points = np.asarray(points)
    invariant = invariant or (lambda p: p)
    keys = [np.ravel(np.asarray(invariant(p), dtype=np.float64)) for p in points]
    reps: list[int] = []
    labels = np.empty(len(points), dtype=np.int64)
    for i, k in enumerate(keys):
        for j, r in enumerate(reps):
            scale = max(1.0, float(np.linalg.norm(keys[r])))
            if np.linalg.norm(k - keys[r]) <= rtol * scale:
                labels[i] = j
                break
        else:
            labels[i] = len(reps)
            reps.append(i)
    return points[reps], labels


def find_local_minimum(loss: Callable, x0: jax.Array, steps: int = 100) -> CriticalPoint:
    """Descend to a local minimum by saddle-free Newton (Dauphin et al. 2014), damped.

    Step ``-(|H| + mu I)^{-1} g`` with ``|H| = V |Lambda| V^T``: a descent direction that
    moves away from saddles along negative curvature and converges quadratically near a
    non-degenerate minimum. ``mu = theta * ||g||``, with theta adapted as in
    `find_critical_point` (a step is accepted only if it decreases f). The landscape
    search combines it with `find_critical_point`: the Levenberg-Marquardt finder sees
    saddles and minima alike but, in high dimension, mostly lands on the far more numerous
    saddles; this one lands on minima.
    """
    x0 = jnp.asarray(x0, jnp.float64)
    grad = jax.grad(loss)

    def body(i, state):
        x, theta, accepted = state
        g = grad(x)
        lam, vecs = jnp.linalg.eigh(hessian(loss, x))
        mu = theta * jnp.linalg.norm(g)
        delta = -vecs @ ((vecs.T @ g) / (jnp.abs(lam) + mu + jnp.finfo(jnp.float64).tiny))
        x_new = x + delta
        f_new = loss(x_new)
        better = jnp.isfinite(f_new) & (f_new < loss(x))
        x = jnp.where(better, x_new, x)
        theta = jnp.where(better, jnp.maximum(theta / 4.0, 1e-12), jnp.minimum(theta * 4.0, 1e12))
        return x, theta, accepted + better.astype(jnp.int32)

    x, _, accepted = jax.lax.fori_loop(0, steps, body, (x0, jnp.asarray(1.0), jnp.asarray(0)))
    return CriticalPoint(x=x, loss=loss(x), grad_norm=jnp.linalg.norm(grad(x)), steps=accepted)
