"""The parts the initialisation checks are made of, each a margin on the one scale of
`verify.claims.base` (1 exact, 0 at the edge, negative when violated):

* a closed form against the claimed value (`exact_identity`): ``1 - |exact - claimed| /
  (IDENTITY |claimed|)``, IDENTITY = ``TOLERANCES["identity"]`` = 1e-10, since both sides are
  a few float64 operations (rounding only); 1 when they agree to the bit;
* the bound ``(1 + 1/L)^L <= e`` (`one_over_L_bound`): ``1 + (e - (1 + 1/L)^L) / (IDENTITY e)``,
  far above 1 (the slack, about e / (2L), is many tolerances);
* a Monte Carlo interval (`linear_resnet_evidence`, and `verify.statistics`'
  `expectation_evidence` and `product_evidence`): 1 when the estimate equals the claimed
  value, 0 when the claimed value is at an end of the interval, negative when the interval
  excludes it.

And, for the claims' `margin_cases`, the same Monte Carlo margins recomputed in numpy from
the same draws (`same_draws`, `recomputed_mean_margin`, `recomputed_product_margin`), not
by `verify.statistics`, so that a margin on another scale would be caught.
"""

from __future__ import annotations

import functools
import math
from statistics import NormalDist

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims.base import Evidence, compare
from verify.claims.initialisation.model import MC_BATCH, MC_BATCHES, linear_resnet_gains
from verify.statistics import FALSE_ALARM, monte_carlo_mean, product_evidence
from verify.tolerances import TOLERANCES

__all__ = [
    "IDENTITY",
    "RECOMPUTED_ATOL",
    "linear_resnet_evidence",
    "exact_identity",
    "one_over_L_bound",
    "one_over_L_margin",
    "same_draws",
    "recomputed_mean_margin",
    "recomputed_product_margin",
]

#: Tolerance of the exact parts: the closed form and the claimed value are each a few
#: float64 operations (products of L factors, sums of m n terms), so they differ by a few
#: ulps; `TOLERANCES["identity"]` states why 1e-10 is far above that.
IDENTITY = TOLERANCES["identity"]


def linear_resnet_evidence(key, x, variances, claimed_ratio, false_alarm: float = FALSE_ALARM,
                           n_batches: int = MC_BATCHES, batch: int = MC_BATCH) -> Evidence:
    """Monte Carlo evidence for ``E||y||^2 / ||x||^2 = claimed_ratio`` (via the layer gains).

    The layer gains are independent and identically distributed (the package docstring
    says why), so `product_evidence` applies; its margin is 1 at the estimate and 0 at an
    end of the product interval. Measured besides: the end-to-end mean of ||y||^2/||x||^2
    from the same draws and its standard error (shown, not used in the verdict: it is
    heavy-tailed).
    """

    def draw(k):
        g = linear_resnet_gains(k, x, variances)
        return jnp.concatenate([g, jnp.prod(g)[None]])

    est = monte_carlo_mean(draw, key, n_batches, batch)
    gains = type(est)(mean=est.mean[:-1], variance=est.variance[:-1], samples=est.samples)
    return product_evidence(
        gains, claimed_ratio, false_alarm, name="ratio",
        end_to_end_mean=est.mean[-1], end_to_end_std_error=est.std_error[-1],
    )


def exact_identity(value, claimed, name) -> Evidence:
    """The closed form against the claimed value, rounding only: margin
    ``1 - |value - claimed| / (IDENTITY |claimed|)`` (a claimed value of 0, where x = 0 in the
    isometry, is compared against the smallest normal number instead)."""
    claimed = jnp.asarray(claimed, jnp.float64)
    scale = jnp.maximum(jnp.abs(claimed), jnp.finfo(jnp.float64).tiny)
    return compare(value, claimed, "identity", IDENTITY, scale=scale, name=name)


def one_over_L_bound(L: int, name: str) -> Evidence:
    """``(1 + 1/L)^L <= e`` as an upper bound with tolerance IDENTITY relative to e.

    Why that tolerance: the rounding of 1 + 1/L is raised to the power L, so the computed
    value carries a relative error of about L ulps (below 1e-10 for any depth under 10^5),
    while the true slack, ``e - (1 + 1/L)^L ~ e / (2L)``, is about 5e9 / L tolerances
    (millions at every depth up to 1000). The margin is therefore far above 1."""
    return compare((1.0 + 1.0 / L) ** L, math.e, "upper", IDENTITY, scale=math.e, name=name)


# --- for margin cases: the Monte Carlo margins recomputed from the same draws -----------


def same_draws(sample, raw_key, *args) -> np.ndarray:
    """The ``MC_BATCHES * MC_BATCH`` draws of ``sample(key, *args)`` that `monte_carlo_mean`
    takes from `raw_key` (batch b from ``split(fold_in(key, b), MC_BATCH)``), as one host
    array. `sample` should be a module-level function, so that its compiled form is reused
    by every call with arguments of the same shapes."""
    keys = jnp.concatenate(
        [jax.random.split(jax.random.fold_in(raw_key, b), MC_BATCH) for b in range(MC_BATCHES)]
    )
    return np.asarray(_vmapped(sample, len(args))(keys, *args), dtype=np.float64)


@functools.lru_cache(maxsize=None)
def _vmapped(sample, n_args: int):
    return jax.jit(jax.vmap(sample, in_axes=(0,) + (None,) * n_args))


def _z(false_alarm: float) -> float:
    return NormalDist().inv_cdf(1.0 - false_alarm / 2.0)


def recomputed_mean_margin(samples: np.ndarray, claimed, resolution: float = 0.0) -> float:
    """``1 - |mean - claimed| / half-width`` for the worst entry, the normal interval with
    Bonferroni over the entries (rows of `samples` are draws) widened by `resolution`, in
    numpy's two-pass arithmetic."""
    samples = samples.reshape(samples.shape[0], -1)
    n, size = samples.shape
    half = _z(FALSE_ALARM / size) * samples.std(axis=0, ddof=1) / math.sqrt(n) + resolution
    gap = np.abs(samples.mean(axis=0) - np.ravel(claimed))
    return float(np.min(1.0 - gap / half))


def recomputed_product_margin(factors: np.ndarray, claimed: float) -> float:
    """The product interval's margin from draws of L factors (rows: draws): each factor's
    normal interval at ``FALSE_ALARM / L`` (ends clipped at 0), the products of the ends;
    ``1 - gap / (distance from the estimate to the end on the claimed value's side)``.
    (`product_evidence` widens the interval by 1e-12 |claimed| for rounding: it moves the
    margin by less than 1e-9 here.)"""
    n, L = factors.shape
    mean = factors.mean(axis=0)
    half = _z(FALSE_ALARM / L) * factors.std(axis=0, ddof=1) / math.sqrt(n)
    estimate = float(np.prod(mean))
    lower, upper = float(np.prod(np.maximum(mean - half, 0.0))), float(np.prod(mean + half))
    if claimed < estimate:
        return 1.0 - (estimate - claimed) / (estimate - lower)
    return 1.0 - (claimed - estimate) / (upper - estimate)


#: atol of the recomputed Monte Carlo cases, in tolerance units: numpy's two-pass mean and
#: variance and the scan's pairwise update round differently, by ~1e-15 relative, which
#: moves a margin by ~1e-12 when the interval is 1% of the estimate wide; 1e-6 is far above
#: that and far below what a margin on another scale (relative units, standard errors
#: instead of half-widths) would be off by.
RECOMPUTED_ATOL = 1e-6


def one_over_L_margin(L: int) -> float:
    """The margin of `one_over_L_bound`, in closed form (Python floats)."""
    return 1.0 + (math.e - (1.0 + 1.0 / L) ** L) / (IDENTITY * math.e)
