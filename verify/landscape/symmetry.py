"""Symmetries of losses: orbit tangents (continuous) and invariants (for de-duplication).

* ``||A - XY||_F^2`` is unchanged by ``(X, Y) -> (XT, T^{-1}Y)`` for every invertible r x r
  T (the lecture notes say orthogonal T; any invertible T works). The orbit through a
  point with X and Y of full rank r has dimension r^2; its tangent vectors are
  ``(X xi, -xi Y)`` for the r^2 elementary matrices xi.
* ``||M - uu^T||_F^2`` is unchanged by ``u -> -u`` (a discrete symmetry); ``u u^T`` is an
  invariant that merges the two copies.
* Permuting hidden units is a discrete symmetry of one-hidden-layer networks; a sorted
  list of the units is an invariant.
"""

from __future__ import annotations

import jax.numpy as jnp

from verify import _x64  # noqa: F401

__all__ = ["gl_orbit_tangents", "factor_product", "outer_product", "sorted_rows"]


def gl_orbit_tangents(x: jnp.ndarray, m: int, r: int, n: int) -> jnp.ndarray:
    """Tangents at ``x = concat(X.ravel(), Y.ravel())`` (X: m x r, Y: r x n) of the orbit of
    ``(X, Y) -> (X T, T^{-1} Y)``: an ``(m*r + r*n, r*r)`` matrix, one column per xi = E_ab."""
    X = x[: m * r].reshape(m, r)
    Y = x[m * r :].reshape(r, n)
    cols = []
    for a in range(r):
        for b in range(r):
            xi = jnp.zeros((r, r)).at[a, b].set(1.0)
            cols.append(jnp.concatenate([(X @ xi).ravel(), (-xi @ Y).ravel()]))
    return jnp.stack(cols, axis=1)


def factor_product(x, m: int, r: int, n: int):
    """Invariant of the GL(r) symmetry: the product XY."""
    x = jnp.asarray(x)
    return x[: m * r].reshape(m, r) @ x[m * r :].reshape(r, n)


def outer_product(u):
    """Invariant of the sign symmetry u -> -u: the matrix u u^T."""
    u = jnp.asarray(u)
    return jnp.outer(u, u)


def sorted_rows(w):
    """Invariant of permutations of hidden units (rows of w): rows in lexicographic order."""
    import numpy as np

    w = np.asarray(w)
    return w[np.lexsort(w.T[::-1])]
