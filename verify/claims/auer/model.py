"""Auer et al.'s single neuron: the error, the construction with floor(n/d)^d minima, the
multi-start search in sinh coordinates, and the count of minimum-containing sets.

See the package docstring (`verify.claims.auer`) for the mathematics of the construction.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import validate_positive_int, validate_scalar
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, classify, find_critical_point, find_local_minimum
from verify.landscape.multiscale import (
    distinct_points,
    from_sinh_coordinates,
    sinh_coordinates,
    uniform_starts,
)
from verify.tolerances import TOLERANCES

__all__ = [
    "TRANSFERS",
    "MONOTONE",
    "BOUNDED",
    "LOSSES",
    "SPACING",
    "TARGET",
    "FINDER_STEPS",
    "SATURATION",
    "SEGMENT_POINTS",
    "COUNT_TOLERANCE",
    "transfer_function",
    "loss_function",
    "single_neuron_error",
    "loss_scale",
    "expected_minima",
    "many_minima_data",
    "search_scales",
    "search_minima",
    "descend_from_starts",
    "minimum_basins",
    "uniform_starts",
    "validate_data",
]

SEED_001 = "shared/seeds/001_749c64abaf8f8510.txt"

#: Transfer functions by name; ``gaussian`` (exp(-z^2)) is bounded but not monotone, and
#: ``relu`` is monotone but unbounded: they are here to test what the theorems exclude.
TRANSFERS = ("logistic", "arctan", "relu", "gaussian")
MONOTONE = {"logistic": True, "arctan": True, "relu": True, "gaussian": False}
BOUNDED = {"logistic": True, "arctan": True, "relu": False, "gaussian": True}
#: Losses l(y, p) by name, both quasi-monotone (non-decreasing in |p - y|).
LOSSES = ("square", "pseudo-huber")
#: Ratio c between the scales of consecutive examples of the construction, per transfer:
#: about twice the smallest c that keeps all m minima for m <= 32 (the README gives those),
#: so that the random instances (c up to 2x, targets 0.7..0.8) keep every minimum.
SPACING = {"logistic": 10.0, "arctan": 100.0}
#: The target of every example of the construction: inside the range of phi, away from its
#: middle (a target of 1/2 puts the minimum at w = 0 for every x).
TARGET = 0.75
#: Finder steps (saddle-free Newton, then a Levenberg-Marquardt polish of a quarter of it).
FINDER_STEPS = 80
#: Tolerance of a count compared with a claimed count, on the margin scale of
#: `verify.claims.base`: counts are integers, so half a count makes "equal" the only
#: agreement (``compare(found, claimed, "identity", COUNT_TOLERANCE)`` is 1 when equal and
#: -1 when off by one; a lower bound reads 1 when attained, 1 + 2k with k to spare).
COUNT_TOLERANCE = 0.5


def _arctan01(z):
    return 0.5 + jnp.arctan(z) / jnp.pi


_TRANSFER_FNS = (jax.nn.sigmoid, _arctan01, jax.nn.relu, lambda z: jnp.exp(-(z**2)))


def _square(y, p):
    return (y - p) ** 2


def _pseudo_huber(y, p):
    return jnp.sqrt(1.0 + (p - y) ** 2) - 1.0


_LOSS_FNS = (_square, _pseudo_huber)


def transfer_function(name: str):
    """The transfer function `name` (one of `TRANSFERS`) as a JAX function."""
    return _TRANSFER_FNS[_index("transfer", name, TRANSFERS)]


def loss_function(name: str):
    """The loss ``l(y, p)`` `name` (one of `LOSSES`) as a JAX function."""
    return _LOSS_FNS[_index("loss", name, LOSSES)]


def _index(arg, name, names):
    if name not in names:
        raise ValueError(f"{arg} must be one of {list(names)}; got {name!r}")
    return names.index(name)


def single_neuron_error(w, x, y, transfer, loss, weights=None):
    """``F(w) = (1/n) sum_i l(y_i, phi(x_i . w))``; `transfer`, `loss`: indices (traceable).

    With `weights` (n,), the weighted mean ``sum_i weights_i l_i / sum_i weights_i``: a 0/1
    vector selects a subset of the examples without changing any shape.
    """
    z = x @ w
    p = jax.lax.switch(jnp.asarray(transfer, jnp.int32), _TRANSFER_FNS, z)
    losses = jax.lax.switch(jnp.asarray(loss, jnp.int32), _LOSS_FNS, y, p)
    if weights is None:
        return jnp.mean(losses)
    return jnp.sum(weights * losses) / jnp.sum(weights)


def loss_scale(y, loss):
    """The problem's loss scale: the mean loss of predicting 0 or 1, the ends of the range
    of the bounded transfers (F(0) can be 0: at a global minimum, found by Hypothesis)."""
    ends = jnp.stack([jax.lax.switch(jnp.asarray(loss, jnp.int32), _LOSS_FNS, y, jnp.full_like(y, p))
                      for p in (0.0, 1.0)])
    return jnp.maximum(jnp.max(jnp.mean(ends, axis=1)), jnp.finfo(jnp.float64).tiny)


def expected_minima(n: int, d: int) -> int:
    """floor(n/d)^d, the number of minima of Theorem 3.4 (0 when n < d)."""
    return (n // d) ** d


def many_minima_data(n: int, d: int, transfer: str = "logistic", spacing: float | None = None,
                     target: float = TARGET):
    """Data with floor(n/d)^d local minima (see the package docstring).

    Returns ``(x, y)``: x of shape (n, d) with ``x[j m + k, j] = spacing^{-k}`` for coordinate
    j < d and k < m = floor(n/d), the other rows 0; y = `target` everywhere.
    """
    validate_positive_int("n", n)
    validate_positive_int("d", d)
    if transfer not in SPACING:
        raise ValueError(
            f"transfer must be a bounded monotone transfer function, one of {list(SPACING)}, "
            f"for the construction of Theorem 3.4; got {transfer!r}"
        )
    spacing = SPACING[transfer] if spacing is None else validate_scalar("spacing", spacing, low=1.0)
    if not 0.0 < target < 1.0 or target == 0.5:
        raise ValueError(f"target must be in (0, 1) and not 1/2; got {target!r}")
    m = n // d
    x = np.zeros((n, d))
    for j in range(d):
        x[j * m : (j + 1) * m, j] = spacing ** -np.arange(m, dtype=np.float64)
    return x, np.full(n, float(target))


def search_scales(x):
    """Per coordinate: the base scale ``a`` of the sinh coordinates and the starts' half-width.

    Data-driven only: ``a = 0.1 / max_i |x_ij|`` (below it every example is linear) and the
    box reaches ``|w| = 10 / min_{x_ij != 0} |x_ij|`` (beyond it every example is saturated).
    """
    ax = jnp.abs(x)
    big = jnp.max(ax, axis=0)
    small = jnp.min(jnp.where(ax > 0, ax, jnp.inf), axis=0)
    big = jnp.where(big > 0, big, 1.0)
    small = jnp.where(jnp.isfinite(small), small, 1.0)
    scale = 0.1 / big
    return scale, jnp.arcsinh(10.0 / (small * scale))


def _descend_and_classify(x, y, transfer, loss, starts, steps=FINDER_STEPS, weights=None):
    """From every start (sinh coordinates): saddle-free Newton, a Levenberg-Marquardt polish
    of a quarter as many steps, and the classification. Returns ``(v, classes, scale)``."""
    scale, _ = search_scales(x if weights is None else x * (weights[:, None] > 0))
    f = lambda w: single_neuron_error(w, x, y, transfer, loss, weights)
    g = sinh_coordinates(f, scale)
    floor = loss_scale(y, loss)

    def one(v0):
        v = find_local_minimum(g, v0, steps).x
        v = find_critical_point(g, v, steps // 4).x
        return v, classify(g, v, curvature_floor=floor, loss_floor=floor)

    v, c = jax.vmap(one)(starts)
    return v, c, scale


def search_minima(x, y, transfer, loss, starts, steps=FINDER_STEPS, weights=None):
    """Descend from every start (sinh coordinates), classify, group equal minima. Pure JAX.

    Returns ``(v, classes, first, hits)``: the end points (sinh coordinates), their
    `Classification`, and for the certified minima which is first of its group and how many
    starts reached it (see `verify.landscape.multiscale.distinct_points`).
    """
    v, c, _ = _descend_and_classify(x, y, transfer, loss, starts, steps, weights)
    minimum = c.point_type == PointType.LOCAL_MINIMUM
    # sinh coordinates are logarithmic away from 0: a tolerance in v is relative in w.
    first, hits = distinct_points(v, minimum, TOLERANCES["dedup"])
    return v, c, first, hits



@jax.jit
def descend_from_starts(x, y, transfer, loss, starts):
    """`search_minima`'s descent and classification from every start, compiled: returns the
    end points (sinh coordinates), their `PointType` and F there (what `count_minima` and
    the benchmark run in chunks)."""
    v, c, _ = _descend_and_classify(x, y, transfer, loss, starts)
    return v, c.point_type, c.loss


# ----------------------------------------------------------------------------- validation


def validate_data(x, y):
    """Raise InvalidInstanceError unless x is (n, d) with n, d >= 1, y is (n,), all finite."""
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise InvalidInstanceError(
            f"x must have shape (n, d) with n >= 1 examples and d >= 1 inputs; got shape {x.shape}"
        )
    if y.shape != (x.shape[0],):
        raise InvalidInstanceError(f"y must have shape ({x.shape[0]},) to match x; got {y.shape}")
    for name, a in (("x", x), ("y", y)):
        if not np.all(np.isfinite(a)):
            raise InvalidInstanceError(
                f"{name} must be finite; found {int(np.size(a) - np.isfinite(a).sum())} NaN or inf entries"
            )


def _validate_choice(instance, name, names, allowed=None):
    raw = np.asarray(instance[name])
    if raw.shape != () or raw != np.round(raw) or not 0 <= raw < len(names):
        raise InvalidInstanceError(
            f"{name} must be an index into {list(names)} (a float64 scalar); got {raw.tolist()!r}"
        )
    chosen = names[int(raw)]
    if allowed is not None and chosen not in allowed:
        raise InvalidInstanceError(f"{name} must be one of {allowed}; got {chosen!r}")
    return chosen


# ------------------------------------------------------------------------- random instances


def _random_construction(key, n, d, transfer):
    """The construction with random spacing (c..2c), target (0.7..0.8), per-axis scale and
    sign, and a random order of the examples: every instance keeps floor(n/d)^d minima.
    `transfer`: a name of `SPACING`, or a traced index into `TRANSFERS`."""
    k1, k2, k3, k4, k5 = jax.random.split(key, 5)
    m = n // d
    if isinstance(transfer, str):
        base = SPACING[transfer]
    else:
        base = jnp.where(transfer == TRANSFERS.index("arctan"), SPACING["arctan"], SPACING["logistic"])
    c = base * jnp.exp(jax.random.uniform(k1, (), jnp.float64, 0.0, jnp.log(2.0)))
    target = jax.random.uniform(k2, (), jnp.float64, 0.7, 0.8)
    axis_scale = 10.0 ** jax.random.uniform(k3, (d,), jnp.float64, -1.0, 1.0)
    axis_sign = jnp.where(jax.random.bernoulli(k4, 0.5, (d,)), 1.0, -1.0)
    rows = jnp.arange(n)
    coord = rows // jnp.maximum(m, 1)
    power = rows % jnp.maximum(m, 1)
    on_axis = (rows < m * d)[:, None] & (coord[:, None] == jnp.arange(d)[None, :])
    x = jnp.where(on_axis, (c ** -power.astype(jnp.float64))[:, None] * axis_scale * axis_sign, 0.0)
    x = jax.random.permutation(k5, x, axis=0)
    return x, jnp.full(n, target)


def _starts(key, x, k):
    return uniform_starts(key, k, search_scales(x)[1])


# ----------------------------------------------------------------- minimum-containing sets


#: |z| beyond which each transfer of `TRANSFERS` is saturated for the critical-point test:
#: the slope of one example's plateau, ``|phi'(z) z|``, falls below ``grad_critical`` (1e-8),
#: so a point there can pass as critical without being near one. logistic: sigma'(z) z
#: = 1e-8 at z ~ 22; gaussian: 2 z^2 exp(-z^2) = 1e-8 at z ~ 4.6; arctan: 1/(pi z) at 3e7;
#: relu has no plateau on the positive side. Each is taken a little lower.
SATURATION = (20.0, 3e7, math.inf, 4.5)
#: Points of a segment sampled by the basin test.
SEGMENT_POINTS = 33


def _segment_connected(f, w, candidate, values, tol):
    """Pairs of candidates at the same level (within `tol`) joined by a straight segment on
    which f stays within `tol` of that level: no minimum-containing set separates them (up
    to tol). Candidates at different levels are never joined: the higher one, if it is a
    local minimum, has its own small minimum-containing set."""
    t = jnp.linspace(0.0, 1.0, SEGMENT_POINTS)

    def barrier(a, b):
        return jnp.max(jax.vmap(lambda s: f(a + s * (b - a)))(t))

    top = jax.vmap(lambda a: jax.vmap(lambda b: barrier(a, b))(w))(w)
    level = jnp.maximum(values[:, None], values[None, :])
    joined = (top <= level + tol) & (jnp.abs(values[:, None] - values[None, :]) <= tol)
    return joined & candidate[:, None] & candidate[None, :]


def _components(adjacency, mask):
    """Number of connected components of the graph on the nodes where `mask` holds."""
    k = adjacency.shape[0]
    reach = adjacency | jnp.eye(k, dtype=bool)
    for _ in range(max(1, math.ceil(math.log2(k)))):
        reach = reach | (reach.astype(jnp.float64) @ reach.astype(jnp.float64) > 0)
    reach = reach & mask[:, None] & mask[None, :]
    earlier = jnp.tril(jnp.ones((k, k), bool), -1)
    return jnp.sum(mask & ~jnp.any(reach & earlier, axis=1)).astype(jnp.float64)


def minimum_basins(x, y, transfer, loss, starts, box):
    """Count the minimum-containing sets the search sees (pure JAX); see `RealizableOneBasin`.

    Starts (in [-1, 1]^d, scaled to `box` in sinh coordinates) are descended and classified;
    the *candidates* are the points classified LOCAL_MINIMUM or DEGENERATE_UNDECIDED (a
    possible non-strict minimum) that did not escape: a point is *escaped* when it is flat
    (DEGENERATE_UNDECIDED) and some example is saturated there (`SATURATION`, e.g.
    ``|w . x_i| > 20`` for the logistic function: its flat direction is that example's
    plateau, whose slope is below the critical-point tolerance), or when it lies more than
    twice as far out as the start box in sinh coordinates (arctan at ``w ~ 1e138``: a
    gradient of 1e-276 that classify cannot tell from 0). Two candidates are
    joined when they are at the same level and the straight segment between them stays at
    that level, both within ``loss_equal`` (relative to `loss_scale`); the number of basins is the
    number of connected components.
    Returns ``(basins, candidates, largest candidate loss / loss scale, escaped points)``.
    """
    f = lambda w: single_neuron_error(w, x, y, transfer, loss)
    floor = loss_scale(y, loss)
    v, c, scale = _descend_and_classify(x, y, transfer, loss, starts * box)
    w = from_sinh_coordinates(v, scale)
    z_max = jnp.max(jnp.abs(w @ x.T), axis=1)
    limit = jnp.asarray(SATURATION)[jnp.asarray(transfer, jnp.int32)]
    # Escaped: saturated, or twice as far out as the start box in sinh coordinates (the
    # square of its extent in w): a descent following a plateau to infinity.
    # A *flat* point (no strict minimum) where some example is saturated: its flat direction
    # is a saturated example's plateau. A strict minimum with saturated examples is kept:
    # that is the construction (the examples before each minimum are saturated there).
    flat = c.point_type == PointType.DEGENERATE_UNDECIDED
    saturated = (flat & (z_max > limit)) | jnp.any(jnp.abs(v) > 2.0 * box, axis=1)
    candidate = ((c.point_type == PointType.LOCAL_MINIMUM)
                 | (c.point_type == PointType.DEGENERATE_UNDECIDED)) & ~saturated
    tol = TOLERANCES["loss_equal"] * floor
    joined = _segment_connected(f, w, candidate, c.loss, tol)
    basins = _components(joined, candidate)
    worst = jnp.max(jnp.where(candidate, c.loss, -jnp.inf))
    return basins, jnp.sum(candidate).astype(jnp.float64), worst / floor, jnp.sum(saturated) * 1.0
