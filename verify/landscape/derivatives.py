"""Derivatives of a scalar loss on any pytree of parameters, in float64.

Every instrument works on a *flat* float64 vector: `flatten` turns ``loss(params)`` on a
pytree into ``loss_flat(x)`` on a vector with `jax.flatten_util.ravel_pytree`.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from verify import _x64  # noqa: F401

__all__ = ["flatten", "gradient", "hvp", "hessian", "symmetrise"]


def flatten(loss: Callable[[Any], jax.Array], params: Any):
    """Return ``(x, loss_flat, unravel)`` with ``loss_flat(x) == loss(params)``.

    ``x`` is float64; ``unravel(x)`` rebuilds the pytree.
    """
    x, unravel = ravel_pytree(params)
    x = jnp.asarray(x, jnp.float64)
    return x, (lambda v: loss(unravel(v))), unravel


def gradient(loss: Callable, x: jax.Array) -> jax.Array:
    """Gradient of `loss` at the flat vector `x` (reverse mode)."""
    return jax.grad(loss)(x)


def hvp(loss: Callable, x: jax.Array, v: jax.Array) -> jax.Array:
    """Hessian-vector product H(x) v, forward-over-reverse: one gradient's cost, no matrix."""
    return jax.jvp(jax.grad(loss), (x,), (v,))[1]


def symmetrise(h: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Return ``((H + H^T)/2, ||H - H^T||_F / max(||H||_F, tiny))``: the asymmetry removed."""
    sym = 0.5 * (h + h.T)
    asym = jnp.linalg.norm(h - h.T) / jnp.maximum(jnp.linalg.norm(h), jnp.finfo(h.dtype).tiny)
    return sym, asym


def hessian(loss: Callable, x: jax.Array) -> jax.Array:
    """Dense Hessian at `x` (forward-over-reverse), symmetrised. For small problems only:
    it costs n gradient evaluations and n^2 memory; use `hvp` and the matrix-free spectrum
    beyond a few thousand parameters."""
    return symmetrise(jax.jacfwd(jax.grad(loss))(x))[0]
