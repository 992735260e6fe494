"""Monte Carlo checks of claims about expectations, with a stated false-alarm rate.

A statistical claim says ``E[X] = m`` for a random quantity X (the squared output norm of a
randomly initialised network, say). It is checked by drawing N independent samples of X
(`monte_carlo_mean`: vmapped over a batch of keys, batches accumulated by `jax.lax.scan`,
so memory stays at one batch whatever N is), forming the two-sided interval

    mean +- z * s / sqrt(N),   z = Phi^{-1}(1 - alpha / 2),

with s the sample standard deviation, and refuting the claim only when the interval
excludes m (`expectation_evidence`). alpha is the false-alarm rate: the probability of
refuting a true claim. The default `FALSE_ALARM` = 1e-6 gives z = 4.89.

What the rate rests on: the interval is the normal (CLT) interval, exact only in the limit.
For light-tailed X (one layer's gain, a quadratic form of Gaussians, a sum of such terms)
N = 8,192 or more samples make it accurate; the false-alarm rate actually obtained on each
statistical claim is measured in `properties/test_initialisation.py` at rates where it
can be counted (numbers in the README). It is NOT accurate for heavy-tailed X, and products
of many random factors are heavy-tailed: on X = prod_{l=1}^{10} (1 + w_l)^2 (w_l ~ N(0, c),
E[X] = (1+c)^10) the two-sided normal interval refutes the true mean far more often than
its rate, and more so the larger c, every time with the estimate below the mean: the mean
is carried by rare huge draws that a sample usually misses, and the spread is
underestimated with it. Hall's (1992) skewness-corrected interval does no better; no
interval that only sees the sample can, since E[X] is decided by draws it has not seen
(README, "Statistical claims", has the measured rates).

So a claim about the expectation of a product is checked through its factors
(`product_evidence`): when X = G_1 ... G_L with E[G_l | G_1..G_{l-1}] = E[G_l] (the gains of
a network with independent zero-mean layers), E[X] = prod_l E[G_l]; each gain is light
tailed, gets a normal interval at alpha / L, and the product of the intervals holds the
product of the means with probability >= 1 - alpha (Bonferroni). The bound is conservative
(the worst ends of L factors rarely meet), which costs power: the interval is about
sqrt(L) times wider than a delta-method interval on sum_l log E[G_l] would be. We keep the
bound because it is a bound.

Margins are on the common scale (`verify.claims.base`): 1 at the estimate, 0 at an end of
the interval, negative outside it.

The same key gives the same estimate, bit for bit.
"""

from __future__ import annotations

import dataclasses
import math
from statistics import NormalDist
from typing import Callable

import jax
import jax.numpy as jnp

from verify import _x64  # noqa: F401
from verify.claims.base import DETECTABLE, Evidence, flag_margin

__all__ = [
    "DETECTABLE",
    "FALSE_ALARM",
    "BATCH",
    "MeanEstimate",
    "monte_carlo_mean",
    "z_value",
    "expectation_evidence",
    "product_interval",
    "product_evidence",
    "wilson_interval",
]

#: Default false-alarm rate per check: a true claim is refuted with probability at most
#: this (under the normal approximation, see the module docstring).
FALSE_ALARM = 1e-6
#: Samples per vmapped batch: bounds memory, whatever the number of samples.
BATCH = 4096


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class MeanEstimate:
    """A Monte Carlo estimate of E[X]: the mean, the sample variance and the sample count."""

    mean: jax.Array
    variance: jax.Array
    samples: jax.Array

    @property
    def std_error(self) -> jax.Array:
        return jnp.sqrt(self.variance / self.samples)


def monte_carlo_mean(
    sample: Callable[[jax.Array], jax.Array], key: jax.Array, n_batches: int, batch: int = BATCH
) -> MeanEstimate:
    """Estimate E[sample(key)] from ``n_batches * batch`` independent draws.

    Args:
      sample: a pure function of a PRNG key returning one draw of X: a scalar, or an array
        (for example the gains of the L layers of one network), estimated entrywise.
      key: the PRNG key; batch b uses ``fold_in(key, b)``, so the estimate is reproducible.
      n_batches, batch: static sizes; each batch is one `jax.vmap` over `batch` keys.

    Batch means and centred sums of squares are combined with Chan et al.'s pairwise
    update, which loses no precision when the mean is large compared with the spread.
    """
    if n_batches < 1 or batch < 2:
        raise ValueError(f"need n_batches >= 1 and batch >= 2; got n_batches={n_batches}, batch={batch}")

    def one_batch(b):
        keys = jax.random.split(jax.random.fold_in(key, b), batch)
        x = jax.vmap(sample)(keys).astype(jnp.float64)
        m = jnp.mean(x, axis=0)
        return m, jnp.sum((x - m) ** 2, axis=0)

    def combine(carry, b):
        n, mean, m2 = carry
        mb, m2b = one_batch(b)
        nb = jnp.asarray(batch, jnp.float64)
        total = n + nb
        delta = mb - mean
        mean = mean + delta * nb / total
        m2 = m2 + m2b + delta**2 * n * nb / total
        return (total, mean, m2), None

    shape = jax.eval_shape(sample, key).shape
    zero = jnp.zeros(shape, jnp.float64)
    count = jnp.zeros((), jnp.float64)
    (n, mean, m2), _ = jax.lax.scan(combine, (count, zero, zero), jnp.arange(n_batches))
    return MeanEstimate(mean=mean, variance=m2 / (n - 1.0), samples=n)


def z_value(false_alarm: float = FALSE_ALARM) -> float:
    """Phi^{-1}(1 - false_alarm / 2): the half-width of the interval in standard errors."""
    if not (0.0 < false_alarm < 1.0) or math.isnan(false_alarm):
        raise ValueError(f"false_alarm must lie in (0, 1); got {false_alarm!r}")
    return NormalDist().inv_cdf(1.0 - false_alarm / 2.0)


def _interval_margin(estimate, claimed, lo, hi):
    """1 at the estimate, 0 at an end of [lo, hi], < 0 outside; exact comparison if lo == hi."""
    below = (claimed - lo) / jnp.where(estimate > lo, estimate - lo, 1.0)
    above = (hi - claimed) / jnp.where(hi > estimate, hi - estimate, 1.0)
    margin = jnp.minimum(jnp.where(claimed < estimate, below, 1.0), jnp.where(claimed > estimate, above, 1.0))
    degenerate = hi <= lo
    return jnp.where(degenerate, flag_margin(claimed == estimate), margin)


# DETECTABLE (from verify.claims.base): the measured number of `expectation_evidence`,
# `product_evidence` and claims with their own tests that says how sensitive a test was: the
# relative deviation of the true value from the claimed one at which the test's interval
# just excludes the claim when the estimate lands on the true value, i.e. the half-width
# over the claimed value's size. `verify.sweep` reports its largest value over the
# instances (`SweepResult.detectable_deviation`).


def expectation_evidence(
    estimate: MeanEstimate, claimed, false_alarm: float = FALSE_ALARM, name: str = "mean",
    resolution=0.0, scale=None, **numbers
) -> Evidence:
    """Evidence for ``E[X] = claimed`` (entrywise when X is an array).

    The interval is ``mean +- z * s/sqrt(N)`` per entry, with z for ``false_alarm / size``
    (Bonferroni: the chance that any entry's interval misses its mean is at most
    `false_alarm`). The margin, ``1 - |mean - claimed| / half_width`` for the worst entry, is
    >= 0 exactly when every claimed value lies in its interval; a claim is refuted only when
    an interval excludes it. `resolution` (default 0) is added to the half-width: the
    rounding error of one draw, for an X that is exactly constant in exact arithmetic (the
    difference of the two sides of an identity, say), so that rounding noise with a tiny
    spread is not read as a refutation. A zero-width interval compares exactly.

    Use it for light-tailed X (sums of Gaussian chaoses of low degree, one layer's gain);
    for products of many independent factors use `product_evidence` (module docstring).
    Measured: the mean, the claimed value, the half-width, the standard error (for the worst
    entry), the number of samples, the false-alarm rate, and `DETECTABLE`: the worst
    entry's half-width over `scale` (default: the largest |claimed| entry; pass the size of
    the quantity when the claimed value is 0, as for the difference of two sides).
    """
    claimed = jnp.broadcast_to(jnp.asarray(claimed, jnp.float64), jnp.shape(estimate.mean))
    size = max(int(claimed.size), 1)
    half_width = z_value(false_alarm / size) * estimate.std_error + jnp.asarray(resolution, jnp.float64)
    gap = jnp.abs(estimate.mean - claimed)
    margins = jnp.where(half_width > 0, 1.0 - gap / jnp.where(half_width > 0, half_width, 1.0),
                        flag_margin(gap == 0))
    worst = jnp.argmin(jnp.ravel(margins))
    pick = lambda a: jnp.ravel(jnp.broadcast_to(a, margins.shape))[worst]
    measured = {
        name: pick(estimate.mean),
        f"{name}_claimed": pick(claimed),
        f"{name}_half_width": pick(half_width),
        f"{name}_std_error": pick(estimate.std_error),
        "samples": estimate.samples,
        "false_alarm": jnp.asarray(false_alarm, jnp.float64),
        DETECTABLE: _relative(jnp.max(half_width), jnp.max(jnp.abs(claimed)) if scale is None else scale),
    }
    measured.update({k: jnp.asarray(v, jnp.float64) for k, v in numbers.items()})
    return Evidence(margin=pick(margins), conclusive=jnp.asarray(True), measured=measured)


def _relative(half_width, scale):
    """half_width / |scale|, inf when the scale is 0 (no relative deviation is defined)."""
    scale = jnp.abs(jnp.asarray(scale, jnp.float64))
    return jnp.where(scale > 0, jnp.asarray(half_width, jnp.float64) / jnp.where(scale > 0, scale, 1.0), jnp.inf)


def product_interval(gains: MeanEstimate, false_alarm: float = FALSE_ALARM):
    """Estimate and interval for ``prod_l E[G_l]`` from the entrywise estimate of E[G].

    Each factor gets the normal interval at ``false_alarm / L`` (Bonferroni), clipped at 0
    (the gains are non-negative); the product of the lower ends and the product of the
    upper ends bound the product with probability at least ``1 - false_alarm``.
    Returns ``(estimate, lower, upper)``.
    """
    size = max(int(jnp.size(gains.mean)), 1)
    half = z_value(false_alarm / size) * gains.std_error
    lower = jnp.prod(jnp.maximum(gains.mean - half, 0.0))
    upper = jnp.prod(gains.mean + half)
    return jnp.prod(gains.mean), lower, upper


def product_evidence(
    gains: MeanEstimate, claimed, false_alarm: float = FALSE_ALARM, name: str = "product", **numbers
) -> Evidence:
    """Evidence for ``E[G_1 ... G_L] = claimed`` from the per-factor means of the gains G_l.

    Valid when each gain has a mean that does not depend on the earlier ones,
    ``E[G_l | G_1, ..., G_{l-1}] = E[G_l]`` (true of the layer gains ||z_l||^2/||z_{l-1}||^2
    of networks with independent, zero-mean layers; each claim says why it holds), so that
    ``E[prod G_l] = prod E[G_l]`` by the tower property. The interval is `product_interval`;
    the margin is 1 at the estimate, 0 at an end of the interval and negative outside it
    (the claim is refuted only then). A degenerate interval (constant gains) compares
    exactly, to a relative 1e-12 for the rounding of the two products.
    Measured: the estimate, the claimed value, the interval's ends, the samples, the rate,
    and `DETECTABLE` (half the interval's width over the claimed value).
    """
    claimed = jnp.asarray(claimed, jnp.float64)
    estimate, lower, upper = product_interval(gains, false_alarm)
    rounding = 1e-12 * jnp.abs(claimed)  # the products of L float64 factors differ by ~L ulps
    margin = _interval_margin(estimate, claimed, lower - rounding, upper + rounding)
    measured = {
        name: estimate,
        f"{name}_claimed": claimed,
        f"{name}_lower": lower,
        f"{name}_upper": upper,
        "samples": gains.samples,
        "false_alarm": jnp.asarray(false_alarm, jnp.float64),
        DETECTABLE: _relative((upper - lower) / 2.0, claimed),
    }
    measured.update({k: jnp.asarray(v, jnp.float64) for k, v in numbers.items()})
    return Evidence(margin=margin, conclusive=jnp.asarray(True), measured=measured)


def wilson_interval(successes, n, z):
    """Wilson's score interval for a binomial proportion: (lower, upper).

    Use it instead of the normal interval (`expectation_evidence`) for proportions: the
    normal interval has zero width when every run has the same outcome (a proportion of 0
    or 1). `z` is the half-width in standard errors (`z_value`). Returns ``(lower, upper)``,
    clipped to [0, 1]."""
    n = jnp.asarray(n, jnp.float64)
    phat = successes / n
    denom = 1.0 + z * z / n
    centre = (phat + z * z / (2.0 * n)) / denom
    half = z * jnp.sqrt(phat * (1.0 - phat) / n + z * z / (4.0 * n * n)) / denom
    return jnp.maximum(centre - half, 0.0), jnp.minimum(centre + half, 1.0)
