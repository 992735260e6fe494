"""What several claim modules share: drawing numbers, storing PRNG keys in instances,
validating hypotheses (gather every problem, then raise once), and the per-point margins
of landscape claims.

Nothing here is specific to one paper; a helper that two paper modules would otherwise
write twice belongs here.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims.base import tolerance_margin
from verify.errors import InvalidInstanceError
from verify.tolerances import TOLERANCES

__all__ = [
    "draws",
    "key_of",
    "stored_key",
    "validate_key",
    "raise_problems",
    "validate_scalar",
    "validate_positive_int",
    "critical_margin",
    "curvature_margin",
]


# ------------------------------------------------------------------------------ sampling


def draws(key: jax.Array, n_normal: int, n_uniform: int = 0, n_keys: int = 0):
    """`n_normal` standard normals, `n_uniform` U[0, 1) numbers and `n_keys` PRNG keys (two
    integer words stored as float64, as instances hold keys), all from ONE `jax.random.uniform`
    call. Returns ``(normal, uniform, keys)``.

    Why one call: with jax 0.10 (partitionable threefry) every `jax.random` call, `split`
    included, is a threefry kernel that XLA compiles separately (~0.3 s on 2 CPU cores, a
    multi-dimensional shape ~2 s), and compilation, not running, is what a sweep of small
    claims spends its time on. The normals are sqrt 2 erfinv(2u - 1), as `jax.random.normal`
    computes them (its lower end nextafter(-1, 0) too); a key is two words floor(2^32 u),
    uniform on [0, 2^32), which is all a threefry key is.
    """
    u = jax.random.uniform(key, (n_normal + n_uniform + 2 * n_keys,))
    lowest = jnp.nextafter(jnp.asarray(-1.0), jnp.asarray(0.0))
    normal = jnp.sqrt(2.0) * jax.scipy.special.erfinv(jnp.maximum(2.0 * u[:n_normal] - 1.0, lowest))
    uniform = u[n_normal : n_normal + n_uniform]
    keys = jnp.floor(u[n_normal + n_uniform :] * 2.0**32).reshape(n_keys, 2)
    return normal, uniform, keys


# ------------------------------------------------------------------ PRNG keys in instances


def stored_key(key: jax.Array) -> jax.Array:
    """A PRNG key as an instance stores it: its two words as float64 (exact below 2^32)."""
    key = jnp.asarray(key)
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return key.astype(jnp.float64)


def key_of(instance: Mapping[str, Any], name: str = "mc_key") -> jax.Array:
    """The raw PRNG key stored under `name` in `instance` (see `stored_key`)."""
    return jnp.asarray(instance[name]).astype(jnp.uint32)


def validate_key(name: str, key) -> None:
    """`key` must be a raw PRNG key: two integers in [0, 2^32), stored as float64 (as
    instances store every array) or uint32 (``jax.random.PRNGKey(seed)``)."""
    k = np.asarray(key)
    ok = k.shape == (2,) and (k.dtype == np.uint32 or (
        k.dtype == np.float64 and np.all(np.isfinite(k)) and np.all(k == np.floor(k))
        and np.all((k >= 0) & (k < 2.0**32))
    ))
    if not ok:
        raise InvalidInstanceError(
            f"{name} must be a raw PRNG key (two integers in [0, 2^32), float64 or uint32, shape (2,)); "
            f"got {k.dtype} array of shape {k.shape}: {k.tolist()!r}"
        )


# ------------------------------------------------------------------------------ validators


def raise_problems(problems: Iterable[str], error: type[Exception] = InvalidInstanceError) -> None:
    """Raise `error` listing every problem found (joined by '; '), or return if there is none.

    Validators gather all the hypotheses an instance breaks before raising, so that one
    message names them all (chex's `assert_shape` does the same)."""
    problems = list(problems)
    if problems:
        raise error("; ".join(problems))


def validate_scalar(name: str, value, low=None, high=None, low_open: bool = True, high_open: bool = False,
                    what: str = "") -> float:
    """`value` must be a finite real scalar in the interval from `low` to `high` (open or
    closed at each end as given; None for no bound). Returns it as a float.

    Raises InvalidInstanceError naming `name`, the interval (and `what` the hypothesis is)
    and the value received."""
    x = np.asarray(value, dtype=np.float64)
    label = f"{name} ({what})" if what else name
    if x.ndim != 0:
        raise InvalidInstanceError(f"{label} must be a scalar; got shape {x.shape}")
    v = float(x)
    below = low is not None and (v <= low if low_open else v < low)
    above = high is not None and (v >= high if high_open else v > high)
    if not np.isfinite(v) or below or above:
        lo = "(-inf" if low is None else ("(" if low_open else "[") + f"{low}"
        hi = "inf)" if high is None else f"{high}" + (")" if high_open else "]")
        raise InvalidInstanceError(f"{label} must lie in {lo}, {hi}; got {v!r}")
    return v


def validate_positive_int(name: str, value, what: str = "", minimum: int = 1) -> int:
    """`value` must be an integer (not a bool) >= `minimum`; returns it as an int."""
    label = f"{name} ({what})" if what else name
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInstanceError(f"{label} must be an integer >= {minimum}; got {value!r}")
    return int(value)


# --------------------------------------------------------- per-point margins (landscape)


def critical_margin(classes) -> jax.Array:
    """Per point, on the margin scale: 1 - (||grad f|| / grad_scale) / grad_critical, so
    >= 0 exactly when the gradient is within the critical tolerance."""
    return tolerance_margin(classes.grad_relative, TOLERANCES["grad_critical"])


def curvature_margin(classes) -> jax.Array:
    """Per point, on the margin scale: 1 + (lambda_min / hess_scale) / eig_zero, so >= 0
    exactly when lambda_min >= -eig_zero * hess_scale (second-order stationarity); 1 when
    lambda_min = 0."""
    return tolerance_margin(-classes.lambda_min / classes.hess_scale, TOLERANCES["eig_zero"])
