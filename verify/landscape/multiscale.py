"""Search for minima whose coordinates span many orders of magnitude, and count them.

Some losses have critical points at every scale: the single neuron of Auer et al. has a
minimum at ``|w| ~ 10^k`` for k = 0..m-1 in each coordinate. In the original coordinates
the Hessian at such a point has eigenvalues of order ``10^{-2k}``: a relative eigenvalue
test (`verify.landscape.classify` compares with ``eig_zero * ||H||``) calls the smaller ones
zero, and a damped Newton step crawls in the flat coordinates.

The cure is a change of variables ``w = a * sinh(v)`` (coordinate-wise, ``a > 0`` a base
scale): a diffeomorphism of R^d onto R^d (``dw/dv = a cosh v > 0``), linear near 0 and
logarithmic (``|w| ~ a e^{|v|} / 2``) far from it, so a step in v is a *relative* step in w
and the descent can still cross ``w_j = 0``. Critical points correspond
(``grad_v G = a cosh(v) * grad_w F``), and at a critical point
``Hess_v G = J Hess_w F J`` with ``J = diag(a cosh v)`` invertible (the term with
``grad_w F`` vanishes): a congruence, so by Sylvester's law of inertia the point has the
same type in both coordinates, and `classify` in v decides it with O(1) curvatures in
every coordinate.

Counting: a multi-start search finds a *lower bound* on the number of minima. How many it
may have missed is estimated from how often each minimum was hit (`unseen_estimate`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from verify import _x64  # noqa: F401

__all__ = [
    "sinh_coordinates",
    "from_sinh_coordinates",
    "to_sinh_coordinates",
    "uniform_starts",
    "distinct_points",
    "unseen_estimate",
]


def sinh_coordinates(loss, scale):
    """The loss in coordinates v with ``w = scale * sinh(v)`` (`scale`: scalar or (d,))."""
    return lambda v: loss(scale * jnp.sinh(v))


def from_sinh_coordinates(v, scale):
    """``w = scale * sinh(v)``."""
    return scale * jnp.sinh(v)


def to_sinh_coordinates(w, scale):
    """``v = asinh(w / scale)``."""
    return jnp.arcsinh(w / scale)


def uniform_starts(key, k, half_width):
    """k starts uniform in the box ``[-half_width, half_width]`` (half_width: (d,))."""
    half_width = jnp.asarray(half_width, jnp.float64)
    return jax.random.uniform(key, (k, half_width.shape[0]), jnp.float64, -1.0, 1.0) * half_width


def distinct_points(points, mask, tol):
    """Group equal points (pure JAX, O(k^2)): which are first of their group, and group sizes.

    Two points of `points` (shape (k, d)) are equal when every coordinate differs by at most
    `tol`; only points where `mask` holds count. Returns ``(first, hits)``: ``first[i]`` is
    True for the first point of each group, ``hits[i]`` is the size of the group of a first
    point (0 elsewhere). Meant for well-separated groups (minima found by a converged search),
    where "equal" is transitive in practice.
    """
    close = jnp.all(jnp.abs(points[:, None, :] - points[None, :, :]) <= tol, axis=-1)
    close = close & mask[:, None] & mask[None, :]
    k = points.shape[0]
    earlier = jnp.tril(jnp.ones((k, k), bool), -1)
    first = mask & ~jnp.any(close & earlier, axis=1)
    label = jnp.argmax(close, axis=1)  # index of the first point equal to each point
    hits = jnp.sum((label[None, :] == jnp.arange(k)[:, None]) & mask[None, :], axis=1)
    return first, jnp.where(first, hits, 0)


def unseen_estimate(hits):
    """Estimated number of minima a multi-start search missed, from how often each was hit.

    The bias-corrected Chao1 estimator (Chao 1984; Chao 2005, "Species estimation and
    applications"): with f1 minima found by exactly one start and f2 by exactly two, the
    number not found is estimated by ``f1 (f1 - 1) / (2 (f2 + 1))``. It treats starts as
    independent draws of a basin; it is a *lower-bound* estimator (exact in expectation for
    equally likely basins, an underestimate when basins are very unequal). 0 when every
    minimum was hit at least twice. `hits`: per distinct minimum, the number of starts
    that reached it (zeros are ignored).
    """
    hits = jnp.asarray(hits)
    f1 = jnp.sum(hits == 1).astype(jnp.float64)
    f2 = jnp.sum(hits == 2).astype(jnp.float64)
    return jnp.maximum(f1 * (f1 - 1.0), 0.0) / (2.0 * (f2 + 1.0))
