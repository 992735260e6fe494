"""The claims of Auer, Herbster & Warmuth (seed 001, section 6.2): two examples, the
exponential count, one basin on realizable data, and ReLU's unbounded composite.

The mathematics is in the package docstring (`verify.claims.auer`); the instruments in
`verify.claims.auer.model`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims.auer.model import (
    BOUNDED,
    COUNT_TOLERANCE,
    LOSSES,
    MONOTONE,
    SEED_001,
    TRANSFERS,
    _TRANSFER_FNS,
    _random_construction,
    _starts,
    _validate_choice,
    expected_minima,
    many_minima_data,
    minimum_basins,
    search_minima,
    search_scales,
    transfer_function,
    uniform_starts,
    validate_data,
)
from verify.claims._common import validate_positive_int
from verify.claims.base import Claim, Evidence, MarginCase, all_of, compare, register
from verify.errors import InvalidInstanceError
from verify.landscape import PointType
from verify.landscape.multiscale import from_sinh_coordinates, unseen_estimate
from verify.tolerances import TOLERANCES

__all__ = ["TwoExamples", "ExponentialMinima", "RealizableOneBasin", "ReluNotBounded"]


def _count_margin(found, claimed, kind):
    """The smallest margin of counts `found` against `claimed` (identity or lower bound),
    each compared with `COUNT_TOLERANCE` (1 when equal, -1 off by one)."""
    return jnp.min(compare(found, claimed, kind, COUNT_TOLERANCE).margin)


def _construction_instance(n, d, k_starts, transfer="logistic", seed=0):
    """The deterministic construction (`many_minima_data`, spacing `SPACING`, target
    `TARGET`) with `k_starts` uniform starts from PRNGKey(seed): the margin cases' data."""
    x, y = many_minima_data(n, d, transfer)
    starts = uniform_starts(jax.random.PRNGKey(seed), k_starts, search_scales(jnp.asarray(x))[1])
    return {"x": jnp.asarray(x), "y": jnp.asarray(y), "starts": starts}


@register
class TwoExamples(Claim):
    """Two single-example errors with one minimum each whose sum has two local minima.

    Setting: a single neuron without bias, the logistic transfer function sigma and the
    square loss, one input (d = 1); ``E_i(w) = (y_i - sigma(w x_i))^2`` for two examples.

    Claim ([2] section 6.2.1, Figure 6.1; [1] section 3): there are examples such that E_1
    and E_2 each have exactly one local minimum while ``E = E_1 + E_2`` has two (the
    sum of two functions with a good landscape need not have one). Existence claim.

    Instances: ``x = (s, s/c)`` with s a random scale and sign, c in [10, 20], and equal
    random targets y in (0.7, 0.8): E_i has its single minimum at ``sigma^{-1}(y) / x_i``.

    Check: the toolkit's multi-start search (`search_minima`, sinh coordinates, starts in
    the data-driven box) run on E_1, E_2 and E separately finds 1, 1 and 2 distinct
    certified local minima (gradient ~ 0, Hessian positive definite). The minimum found
    for E_i sits at ``sigma^{-1}(y)/x_i`` (identity, relative ``dedup``, the grouping
    tolerance). A count below the claim is inconclusive (the search may have missed a
    minimum); a count above it refutes.

    Margin: the smallest of the three counts' ``1 - |found - claimed| / (1/2)`` (1 when every
    count is right, -1 when one is off by one) and the two locations'
    ``1 - |w_found - w_exact| / (dedup |w_exact|)``.

    References: [1] Auer et al. 1996, section 3; [2] seed 001
    (`shared/seeds/001_749c64abaf8f8510.txt`), section 6.2.1, Figure 6.1.
    """

    id = "auer/two-examples"
    source = f"Lecture 6, section 6.2.1, Figure 6.1; Auer et al. 1996 ({SEED_001})"
    statement = (
        "There are two examples (x_i, y_i) such that E_i(w) = (y_i - sigma(w x_i))^2 each has "
        "exactly one local minimum while E_1 + E_2 has two local minima."
    )
    kind = "existence"
    params = ({},)

    #: starts per function: the two minima of E have basins of about equal width in v
    STARTS = 32

    def generate(self, key):
        k1, k2 = jax.random.split(key)
        x, y = _random_construction(k1, 2, 1, "logistic")
        # Starts in [-1, 1]: each search scales them to the box of its own examples.
        return {"x": x, "y": y, "starts": jax.random.uniform(k2, (self.STARTS, 1), jnp.float64, -1.0, 1.0)}

    def validate(self, instance):
        super().validate(instance)
        validate_data(instance["x"], instance["y"])
        if np.shape(instance["x"]) != (2, 1):
            raise InvalidInstanceError(f"x must have shape (2, 1); got {np.shape(instance['x'])}")
        if np.ndim(instance["starts"]) != 2 or np.shape(instance["starts"])[1] != 1:
            raise InvalidInstanceError(f"starts must have shape (k, 1); got {np.shape(instance['starts'])}")

    def check(self, instance):
        x, y, starts = instance["x"], instance["y"], instance["starts"]
        subsets = jnp.asarray([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # E1, E2, E = E1 + E2
        claimed = jnp.asarray([1.0, 1.0, 2.0])
        # One search per subset; the starts of E_i cover E_i's own data-driven box.
        def search(weights):
            box = search_scales(x * weights[:, None])[1]
            v, _, first, hits = search_minima(x, y, 0, 0, starts * box, weights=weights)
            return v[:, 0], first, hits

        v, first, hits = jax.vmap(search)(subsets)
        found = jnp.sum(first, axis=1).astype(jnp.float64)
        singletons = jnp.sum(hits == 1, axis=1).astype(jnp.float64)
        counts = Evidence(
            margin=_count_margin(found, claimed, "identity"),
            # fewer than claimed: the search may have missed one; more: a refutation
            conclusive=jnp.all(found >= claimed),
            measured={"minima_E1": found[0], "minima_E2": found[1], "minima_E": found[2],
                      "singletons": jnp.sum(singletons)},
        )
        parts = [counts]
        for i, name in ((0, "E1"), (1, "E2")):
            scale = search_scales(x * subsets[i][:, None])[0][0]
            w = from_sinh_coordinates(v[i], scale)
            exact = jnp.log(y[i] / (1.0 - y[i])) / x[i, 0]
            where = jnp.sum(jnp.where(first[i], w, 0.0))
            # relative error `dedup` (the grouping tolerance) is the edge
            parts.append(compare(where, exact, "identity", TOLERANCES["dedup"], jnp.abs(exact),
                                 name=f"argmin_{name}"))
        return all_of(*parts)

    def margin_cases(self):
        starts = jax.random.uniform(jax.random.PRNGKey(0), (self.STARTS, 1), jnp.float64, -1.0, 1.0)
        y = jnp.full(2, 0.75)
        return (
            # The finder's minimisers agree with the closed form to ~1e-15 relative, ~1e-9 of
            # the tolerance `dedup`: atol 1e-6 leaves a thousand times that.
            MarginCase("x = (1, 1/10), y = 3/4 (the construction at c = 10): counts 1, 1, 2 "
                       "and the minima at logit(3/4) / x_i: every part exact",
                       {"x": jnp.asarray([[1.0], [0.1]]), "y": y, "starts": starts}, 1.0, 1e-6),
            # E = 2 E_1 has one minimum: its count is one short (inconclusive: a search short
            # of a claimed count proves nothing, but the margin says by how much).
            MarginCase("x = (1, 1): E = E_1 + E_2 = 2 E_1 has 1 minimum, claimed 2: -1",
                       {"x": jnp.asarray([[1.0], [1.0]]), "y": y, "starts": starts}, -1.0, 1e-9),
        )



@register
class ExponentialMinima(Claim):
    """For every n there is data on which a single neuron's error has floor(n/d)^d minima.

    Setting: a single neuron ``w in R^d`` without bias, transfer phi and loss l whose
    composition ``z -> l(y, phi(z))`` is continuous and bounded (here: the logistic function
    and arctan-to-(0,1), each with the square loss); n >= 1 examples;
    ``F(w) = (1/n) sum_i l(y_i, phi(w . x_i))``.

    Claim ([1] Theorem 3.4; [2] Theorem 6.1): there is data such that F has floor(n/d)^d
    distinct local minima. Existence claim, a lower bound on a count.

    Instances: the construction of `many_minima_data` with random spacing, target, per-axis
    scale and sign, and example order (module docstring).

    Check: the generic search (`search_minima`: starts uniform in the data-driven box of
    sinh coordinates, saddle-free Newton, classification) counts the distinct certified
    local minima without being told where they are. Holds when the count is >= floor(n/d)^d.
    A count below the target is inconclusive: a multi-start search can miss a minimum even
    when every minimum it found was reached by several starts (then Chao1 reads 0 although
    one was missed). Measured: the count, the
    target, the singletons and doubletons, the Chao1 estimate of minima missed, the number
    found *beyond* the target (0 for this construction: a check of the construction, not
    of the theorem). What is checked is the *witness*: "refuted" on an instance says that
    this data does not have floor(n/d)^d minima (the construction failed there: outside its
    documented range, targets 0.7..0.8 and spacing >= `SPACING`, it does, see the tests);
    an existence statement cannot be refuted by one data set. The rigorous ball-arithmetic
    certificate runs in `count_minima`, for the table in the notebook and README.

    Margin: ``1 - (floor(n/d)^d - count) / (1/2)``, a lower bound on a count: 1 when the count
    equals the claimed number, 1 + 2k with k minima beyond it, negative when short.

    Budget: `STARTS` starts per instance by default, enough for the grid's (6, 2); larger n
    and d need more, given as the parameter ``starts`` (``verify check auer/exponential-minima
    --params '[{"n": 12, "d": 4, "starts": 4096}]'`` finds all 81 minima, where 512 starts
    leave it inconclusive).

    References: [1] Auer et al. 1996, Theorem 3.4; [2] seed 001
    (`shared/seeds/001_749c64abaf8f8510.txt`), Theorem 6.1.
    """

    id = "auer/exponential-minima"
    source = f"Lecture 6, Theorem 6.1 (Auer et al. 1996, Theorem 3.4) ({SEED_001})"
    statement = (
        "If z -> l(y, phi(z)) is continuous and bounded, then for all n >= 1 there is data "
        "{(x_i, y_i)} such that F(w) = (1/n) sum_i l(y_i, phi(w . x_i)) has floor(n/d)^d "
        "distinct local minima."
    )
    kind = "existence"
    # One parameter set (one compilation); the transfer is drawn per instance.
    params = ({"n": 6, "d": 2},)
    #: starts per instance: the rarest basin of the (6, 2) case holds a few percent of the
    #: start box (the README gives the measured shares), so that 512 starts miss it with
    #: negligible probability, where 256 can miss one
    STARTS = 512

    def generate(self, key, n=6, d=2, starts=None):
        """`starts`: how many search starts the instance carries (default `STARTS`); more
        for larger n and d (``--params '[{"n": 12, "d": 4, "starts": 4096}]'``)."""
        k1, k2, k3 = jax.random.split(key, 3)
        # logistic or arctan, each with the square loss
        transfer = jnp.where(jax.random.bernoulli(k3), 1.0, 0.0)
        x, y = _random_construction(k1, n, d, transfer)
        k = self.STARTS if starts is None else validate_positive_int("starts", starts, "search starts per instance")
        return {"x": x, "y": y, "transfer": transfer, "starts": _starts(k2, x, k)}

    def validate(self, instance):
        super().validate(instance)
        validate_data(instance["x"], instance["y"])
        _validate_choice(instance, "transfer", TRANSFERS, allowed=[t for t in TRANSFERS if BOUNDED[t]])
        d = np.shape(instance["x"])[1]
        if np.ndim(instance["starts"]) != 2 or np.shape(instance["starts"])[1] != d:
            raise InvalidInstanceError(f"starts must have shape (k, {d}); got {np.shape(instance['starts'])}")

    def check(self, instance):
        x, y = instance["x"], instance["y"]
        n, d = x.shape
        target = float(expected_minima(n, d))
        _, _, first, hits = search_minima(x, y, instance["transfer"], 0, instance["starts"])
        found = jnp.sum(first).astype(jnp.float64)
        f1 = jnp.sum(hits == 1).astype(jnp.float64)
        f2 = jnp.sum(hits == 2).astype(jnp.float64)
        return Evidence(
            margin=_count_margin(found, target, "lower"),
            # Short of the target, the search may have missed a minimum (Chao1 can read 0
            # while one was missed, with no singleton): not a proof.
            conclusive=found >= target,
            measured={
                "minima_found": found,
                "minima_claimed": jnp.asarray(target),
                "minima_beyond_claim": jnp.maximum(found - target, 0.0),
                "singletons": f1,
                "doubletons": f2,
                "unseen_estimate": unseen_estimate(hits),
            },
        )

    def margin_cases(self):
        construction = _construction_instance(6, 2, self.STARTS)
        one_each = np.zeros((6, 2))
        one_each[0, 0], one_each[1, 1] = 1.0, 1.0
        # counts are integers: the margins are exact
        return (
            MarginCase("the construction (n, d) = (6, 2), spacing 10, target 3/4: 9 = 3^2 "
                       "minima, the bound attained",
                       {**construction, "transfer": jnp.asarray(0.0)}, 1.0, 1e-12),
            MarginCase("one example on each axis (the other four at x = 0): F is a sum of two "
                       "one-minimum functions, 1 minimum of the 9 claimed: 1 - 8 / (1/2) = -15 "
                       "(inconclusive: short of the target)",
                       {**construction, "x": jnp.asarray(one_each), "transfer": jnp.asarray(0.0)},
                       -15.0, 1e-12),
        )


@register
class RealizableOneBasin(Claim):
    """Realizable data and a monotone transfer function give a single minimum-containing set.

    Setting: a single neuron, phi monotone (here logistic or arctan-to-(0,1)) and the loss
    quasi-monotone, ``l(y, y + r1) <= l(y, y + r2)`` for 0 <= r1 <= r2 or r2 <= r1 <= 0 (here
    square or pseudo-Huber ``sqrt(1 + r^2) - 1``), the composite bounded; data realizable:
    ``phi(w0 . x_i) = y_i`` for some w0.

    Claim ([1] Theorem 5.1; [2] Theorem 6.2): F has only one minimum-containing set, that
    is (Definition 6.1) an open bounded U such that every boundary point has a point of U
    with a smaller value. Without realizability it can have several (the construction of
    `ExponentialMinima`).

    The numerical test for minimum-containing sets. Every strict local minimum has one (a
    small ball), and strict minima at different places have disjoint ones; a connected set
    of minima at one level lies in one. So the search (`minimum_basins`) collects the
    points where it stopped that are minima or possibly non-strict minima, joins two of
    them when they are at the same level and the straight segment between them never rises
    above it by more than ``loss_equal`` (relative to the loss scale) -- no minimum-containing set can
    then separate them -- and counts connected components: the number of *separate* minimum-containing
    sets seen (several nested sets around one basin are not counted apart). Points where a
    descent followed a plateau towards infinity (see `minimum_basins`: the gradient there is
    below rounding, e.g. 1e-276) are not bounded holes; they are reported, not counted.

    Instances: x Gaussian (n = d = 2), w0 Gaussian, y = phi(x w0); half the instances
    repeat the first example scaled (rank 1: the zero set is a line, the minima are not
    strict). The contrast: the construction of `many_minima_data` with n = 4, d = 2.
    Check: realizable: one basin, every candidate global (F <= loss_equal times the loss
    scale `loss_scale`, since F* = 0); construction: at least two basins.

    Margin: the smallest of ``1 - |basins - 1| / (1/2)`` (realizable; 1 for one basin, -1 for
    two), ``1 - (2 - basins) / (1/2)`` (construction, a lower bound: 1 at two basins, 5 at
    four) and ``1 - (max candidate F / loss scale) / loss_equal`` (1 when every candidate is
    exactly global).

    References: [1] Auer et al. 1996, Theorem 5.1 and the definition before it; [2] seed 001
    (`shared/seeds/001_749c64abaf8f8510.txt`), Theorem 6.2, Definition 6.1, Remark 6.3.
    """

    id = "auer/realizable-one-basin"
    source = f"Lecture 6, Theorem 6.2 (Auer et al. 1996, Theorem 5.1) ({SEED_001})"
    statement = (
        "phi monotone, l quasi-monotone, composite bounded, data realizable (phi(w0 . x_i) = "
        "y_i for some w0) => F has only one minimum-containing set (Definition 6.1)."
    )
    kind = "landscape"
    params = ({"n": 2, "d": 2},)
    STARTS = 24

    def generate(self, key, n=2, d=2):
        k = jax.random.split(key, 8)
        x = jax.random.normal(k[0], (n, d))
        rank_one = jax.random.bernoulli(k[1])
        x = x.at[1:].set(jnp.where(rank_one, x[0] * jax.random.uniform(k[2], (), minval=0.5, maxval=2.0), x[1:]))
        w0 = jax.random.normal(k[3], (d,)) / jnp.sqrt(d)
        transfer = jnp.where(jax.random.bernoulli(k[4]), 1.0, 0.0)
        loss = jnp.where(jax.random.bernoulli(k[5]), 1.0, 0.0)
        y = jax.lax.switch(transfer.astype(jnp.int32), _TRANSFER_FNS, x @ w0)
        xc, yc = _random_construction(k[6], 4, 2, transfer)
        starts = jax.random.uniform(k[7], (2, self.STARTS, d), jnp.float64, -1.0, 1.0)
        return {"x": x, "y": y, "w0": w0, "transfer": transfer, "loss": loss,
                "x_construction": xc, "y_construction": yc, "starts": starts}

    def validate(self, instance):
        super().validate(instance)
        validate_data(instance["x"], instance["y"])
        validate_data(instance["x_construction"], instance["y_construction"])
        transfer = _validate_choice(instance, "transfer", TRANSFERS)
        if not MONOTONE[transfer]:
            raise InvalidInstanceError(
                f"transfer must be monotone (Theorem 5.1 assumes it); got {transfer!r}, which is not"
            )
        if not BOUNDED[transfer]:
            raise InvalidInstanceError(
                f"transfer must give a bounded composite (Theorem 5.1 assumes it); got {transfer!r}"
            )
        _validate_choice(instance, "loss", LOSSES)
        d = np.shape(instance["x"])[1]
        if np.shape(instance["w0"]) != (d,):
            raise InvalidInstanceError(f"w0 must have shape ({d},); got {np.shape(instance['w0'])}")
        phi = transfer_function(transfer)
        residual = float(np.max(np.abs(np.asarray(phi(jnp.asarray(instance["x"]) @ jnp.asarray(instance["w0"]))) - np.asarray(instance["y"]))))
        if residual > 1e-12:
            raise InvalidInstanceError(
                f"y must be realizable, y = phi(x @ w0); largest residual is {residual:.3g}"
            )
        if np.shape(instance["starts"])[0] != 2 or np.shape(instance["starts"])[2] != d:
            raise InvalidInstanceError(f"starts must have shape (2, k, {d}); got {np.shape(instance['starts'])}")

    def check(self, instance):
        x, y, t, l = instance["x"], instance["y"], instance["transfer"], instance["loss"]
        # realizable data: starts in the box reaching |w . x_i| ~ 10 (data-driven)
        scale, _ = search_scales(x)
        big = jnp.max(jnp.abs(x), axis=0)
        box = jnp.arcsinh(10.0 / (jnp.where(big > 0, big, 1.0) * scale))
        basins, cands, worst, sat = minimum_basins(x, y, t, l, instance["starts"][0], box)
        xc, yc = instance["x_construction"], instance["y_construction"]
        basins_c, cands_c, _, sat_c = minimum_basins(
            xc, yc, t, 0.0, instance["starts"][1], search_scales(xc)[1])
        one = Evidence(
            margin=jnp.minimum(_count_margin(basins, 1.0, "identity"), _count_margin(basins_c, 2.0, "lower")),
            conclusive=(cands >= 1) & (cands_c >= 1),
            measured={"basins_realizable": basins, "candidates_realizable": cands,
                      "escaped_realizable": sat, "basins_construction": basins_c,
                      "candidates_construction": cands_c, "escaped_construction": sat_c},
        )
        # every candidate is global: F = 0 there (relative to the loss scale)
        global_ = compare(worst, 0.0, "upper", TOLERANCES["loss_equal"], name="largest_candidate_loss")
        return all_of(one, global_)

    def margin_cases(self):
        x = jnp.asarray([[1.0, 0.0], [0.0, 2.0]])
        w0 = jnp.asarray([0.5, -0.3])
        xc, yc = many_minima_data(4, 2)
        starts = jax.random.uniform(jax.random.PRNGKey(0), (2, self.STARTS, 2), jnp.float64, -1.0, 1.0)
        instance = {"x": x, "y": jax.nn.sigmoid(x @ w0), "w0": w0, "transfer": jnp.asarray(0.0),
                    "loss": jnp.asarray(0.0), "x_construction": jnp.asarray(xc),
                    "y_construction": jnp.asarray(yc), "starts": starts}
        # F at the minimum found is rounding (~1e-30 of the loss scale, 1e-21 tolerances)
        return (MarginCase("realizable x = diag(1, 2), w0 = (1/2, -3/10), logistic, square: one "
                           "basin at F = 0; the construction (4, 2) has 4 basins: 1",
                           instance, 1.0, 1e-6),)



@register
class ReluNotBounded(Claim):
    """ReLU breaks the boundedness assumption of Theorem 3.4, and the construction with it.

    Setting: the data of `many_minima_data` (n = 6, d = 2: floor(n/d)^d = 9 minima with the
    logistic function) with the ReLU transfer function and the square loss.

    Claim ([2] footnote 1): ReLU does not satisfy the assumption that ``z -> l(y, phi(z))``
    is bounded. What that does to the count (measured): on w_j > 0 every example's error
    ``(y - x w_j)^2`` is a parabola, so each coordinate's error is convex there, and on
    w_j < 0 it is constant; the error has exactly *one* strict local minimum (instead of 9)
    and, wherever a coordinate is negative, flat regions of non-strict minima.

    Check: (i) unboundedness: ``(y - relu(z))^2`` at z = 10^6 exceeds the logistic
    composite's bound ``max(y^2, (1-y)^2) <= 1`` by a factor >= 1e10 (lower bound);
    (ii) the search with ReLU finds exactly one distinct certified strict minimum
    (identity on the count), and the same search with the logistic function on the same
    data finds 9 (>= floor(n/d)^d). Measured: both counts and the number of degenerate
    (flat) minima candidates with ReLU.

    Margin: the smallest of ``1 - (10 - log10 growth) / (10 identity)`` (a lower bound
    decided in float64; wide: ~2e9 at these targets), ``1 - |strict ReLU minima - 1| / (1/2)``
    and ``1 - (9 - logistic minima) / (1/2)``: 1 when both counts are as claimed.

    References: [1] Auer et al. 1996, section 3 (assumption of Theorem 3.4); [2] seed 001
    (`shared/seeds/001_749c64abaf8f8510.txt`), section 6.2, footnote 1.
    """

    id = "auer/relu-not-bounded"
    source = f"Lecture 6, section 6.2, footnote 1 ({SEED_001})"
    statement = (
        "ReLU does not satisfy the boundedness assumption of Theorem 3.4 (l(y, relu(z)) is "
        "unbounded); on the construction's data the count of strict minima collapses to one."
    )
    kind = "existence"
    params = ({"n": 6, "d": 2},)
    STARTS = ExponentialMinima.STARTS

    def generate(self, key, n=6, d=2):
        k1, k2 = jax.random.split(key)
        x, y = _random_construction(k1, n, d, "logistic")
        return {"x": x, "y": y, "starts": _starts(k2, x, self.STARTS)}

    def validate(self, instance):
        super().validate(instance)
        validate_data(instance["x"], instance["y"])
        d = np.shape(instance["x"])[1]
        if np.ndim(instance["starts"]) != 2 or np.shape(instance["starts"])[1] != d:
            raise InvalidInstanceError(f"starts must have shape (k, {d}); got {np.shape(instance['starts'])}")

    def check(self, instance):
        x, y, starts = instance["x"], instance["y"], instance["starts"]
        n, d = x.shape
        relu, logistic = TRANSFERS.index("relu"), TRANSFERS.index("logistic")
        growth = jnp.min((y - jax.nn.relu(1e6)) ** 2) / jnp.max(jnp.maximum(y**2, (1 - y) ** 2))
        # A lower bound compared in float64 (log10 of a ratio of squares: rounding ~1e-16).
        unbounded = compare(jnp.log10(growth), 10.0, "lower", TOLERANCES["identity"], 10.0, name="log10_growth")

        def count(transfer):
            _, c, first, hits = search_minima(x, y, transfer, 0, starts)
            return jnp.sum(first).astype(jnp.float64), c

        n_relu, c_relu = count(relu)
        n_logistic, _ = count(logistic)
        target = float(expected_minima(n, d))
        counts = Evidence(
            margin=jnp.minimum(_count_margin(n_relu, 1.0, "identity"), _count_margin(n_logistic, target, "lower")),
            # a search that found fewer minima than are there proves nothing (see
            # ExponentialMinima); more than one strict ReLU minimum would be a refutation
            conclusive=(n_logistic >= target) & (n_relu >= 1),
            measured={
                "strict_minima_relu": n_relu,
                "minima_logistic": n_logistic,
                "minima_claimed_logistic": jnp.asarray(target),
                "flat_candidates_relu": jnp.sum(c_relu.point_type == PointType.DEGENERATE_UNDECIDED) * 1.0,
            },
        )
        return all_of(unbounded, counts)

    def margin_cases(self):
        # counts are integers and the growth part is wide (~2e9): the margin is exactly 1
        return (MarginCase("the construction (n, d) = (6, 2), spacing 10, target 3/4: one strict "
                           "ReLU minimum, 9 logistic minima",
                           _construction_instance(6, 2, self.STARTS), 1.0, 1e-12),)
