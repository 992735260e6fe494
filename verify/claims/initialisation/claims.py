"""The six initialisation claims; the parts their checks are made of, and what their
margins mean, are in `verify.claims.initialisation.evidence`; the networks in
`verify.claims.initialisation.model`.

Each claim's `margin_cases` gives instances whose margin is known in advance: exact ones
(every draw equals its mean, so the Monte Carlo part reads 1 too, or the closed forms
differ by a known amount) and Monte Carlo ones whose interval margin is recomputed in
numpy from the same draws.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import key_of, raise_problems, stored_key, validate_key
from verify.claims.base import HOLDS, REFUTED, Claim, Evidence, MarginCase, all_of, register
from verify.claims.initialisation.evidence import (
    IDENTITY,
    RECOMPUTED_ATOL,
    exact_identity,
    linear_resnet_evidence,
    one_over_L_bound,
    one_over_L_margin,
    recomputed_mean_margin,
    recomputed_product_margin,
    same_draws,
)
from verify.claims.initialisation.model import (
    ENTRY_LAWS,
    MC_BATCH,
    MC_BATCHES,
    VARIANTS,
    balduzzi_chains,
    balduzzi_claimed,
    balduzzi_exact_variance,
    expected_gain,
    isometry_second_moment,
    linear_resnet_gains,
    standard_entries,
    validate_scale,
    validate_variance,
)
from verify.errors import InvalidInstanceError
from verify.statistics import DETECTABLE, FALSE_ALARM, expectation_evidence, monte_carlo_mean, product_evidence

__all__ = [
    "XavierLinearResnet",
    "ScalarResnet",
    "ResnetOneOverDL",
    "IsometryAsPrinted",
    "IsometryColumns",
    "BalduzziScaling",
]

# --- instances ---------------------------------------------------------------------------


def _validate_linear(instance) -> None:
    """mc_key, x (non-zero vector) and variances (shape (L,), entries >= 0): every problem
    with x and the variances is named at once."""
    validate_key("mc_key", instance["mc_key"])
    problems = []
    x = np.asarray(instance["x"])
    if x.ndim != 1 or x.shape[0] < 1:
        problems.append(f"x must be a vector of shape (d,) with d >= 1; got shape {x.shape}")
    elif not np.any(x != 0):
        problems.append("x must be non-zero (the claims are about ||y||^2 / ||x||^2); got x = 0")
    v = np.asarray(instance["variances"])
    if v.ndim != 1 or v.shape[0] < 1:
        problems.append(f"variances must have shape (L,) with L >= 1 (the depth); got shape {v.shape}")
    raise_problems(problems)
    validate_variance("variances", v)


def _draw_x(key, d):
    """x in R^d: a standard normal vector times a scale log-uniform in [e^-3, e^3]."""
    kx, ks = jax.random.split(key)
    return jnp.exp(jax.random.uniform(ks, (), minval=-3.0, maxval=3.0)) * jax.random.normal(kx, (d,))


class _FixedVarianceResnet(Claim):
    """A linear residual network whose layers all have the variance `variance(d, L)`: the
    generator and the validator the Xavier and 1/(dL) claims share."""

    kind = "statistical"
    test_name = ("product of per-layer two-sided normal (CLT) intervals on the Monte Carlo mean gains, "
                 "Bonferroni over layers (verify.statistics.product_evidence)")
    #: how the hypothesis is named in messages ("1/d (Xavier)").
    variance_label = ""

    @staticmethod
    def variance(d: int, L: int) -> float:
        raise NotImplementedError

    def generate(self, key, d=4, L=10):
        kx, km = jax.random.split(key)
        return {"x": _draw_x(kx, d), "variances": jnp.full((L,), self.variance(d, L)), "mc_key": stored_key(km)}

    def validate(self, instance):
        super().validate(instance)
        _validate_linear(instance)
        d, L = np.shape(instance["x"])[0], np.shape(instance["variances"])[0]
        value, values = self.variance(d, L), np.asarray(instance["variances"])
        if not np.allclose(values, value, rtol=1e-12, atol=0):  # to rounding
            raise InvalidInstanceError(f"variances must all be {self.variance_label} = {value!r}; got {values.tolist()}")


def _linear_instance(x, variances, seed: int) -> dict:
    return {
        "x": jnp.asarray(x, jnp.float64),
        "variances": jnp.asarray(variances, jnp.float64),
        "mc_key": stored_key(jax.random.PRNGKey(seed)),
    }


def _linear_mc_case(label, instance, claimed, others=(), key=None) -> MarginCase:
    """A linear-network case: the exact part reads 1 (the claimed value is the closed form
    to the bit), `others` are further margins known in closed form, and the product
    interval's margin is recomputed from the gains drawn from `key` (default: the
    instance's mc_key)."""
    x, v = instance["x"], instance["variances"]
    key = key_of(instance) if key is None else key
    gains = same_draws(linear_resnet_gains, key, x, v)
    expected = min(1.0, *others, recomputed_product_margin(gains, claimed))
    return MarginCase(label, instance, expected, atol=RECOMPUTED_ATOL)


# --- claims on the linear residual network -----------------------------------------------


@register
class XavierLinearResnet(_FixedVarianceResnet):
    """Xavier initialisation makes the output of a linear residual network explode with depth.

    Setting: ``y = (I + W^L) ... (I + W^1) x``, x in R^d non-zero, L >= 1, every entry of
    every W^l i.i.d. N(0, 1/d) (Xavier), independent across layers.

    Claim (identity): ``E||y||^2 = 2^L ||x||^2``.

    Check: (a) exactly, ``E[(I+W)^T (I+W)] = (1 + d/d) I = 2 I`` and the tower property give
    ``prod_l (1 + d sigma_l^2) = 2^L`` (identity tolerance: rounding only); (b) by Monte Carlo,
    the product of the mean layer gains (8,192 networks per instance) has an interval that
    contains 2^L, at false-alarm rate 1e-6 (`verify.statistics.product_evidence`; the gains
    are i.i.d. as the package docstring says). The end-to-end mean is reported alongside.
    The seed's MATLAB simulation is `matlab_simulation` (see the notebook).

    Margin: the smaller of (a) ``1 - |prod_l (1 + d sigma_l^2) - 2^L| / (1e-10 2^L)`` (1 when
    the closed form is exact) and (b) the product interval's margin: 1 when the estimate is
    2^L, 0 when 2^L is at an end of the interval, negative outside it.

    References: lecture 5 (ResNet initialisation), section 5.2, Example 5.1, shared/seeds/000_45be778ffb0540d2.txt.
    """

    id = "init/xavier-linear-resnet"
    source = "Lecture 5, section 5.2, Example 5.1 (shared/seeds/000_45be778ffb0540d2.txt)"
    statement = "y = (I+W^L)...(I+W^1)x with W_ij ~ N(0, 1/d): E||y||^2 = 2^L ||x||^2 (the norm explodes with depth)."
    params = ({"d": 1, "L": 3}, {"d": 4, "L": 10}, {"d": 10, "L": 6})
    variance_label = "1/d (Xavier)"

    @staticmethod
    def variance(d, L):
        return 1.0 / d

    def check(self, instance):
        x, v = instance["x"], instance["variances"]
        claimed = 2.0 ** v.shape[0]
        exact = exact_identity(jnp.prod(expected_gain(x.shape[0], v)), claimed, "exact_ratio")
        mc = linear_resnet_evidence(key_of(instance), x, v, claimed)
        return all_of(exact, mc)

    def margin_cases(self):
        # d = 2: 1 + d (1/d) = 2 exactly, so the exact part reads 1.
        inst = _linear_instance([1.0, -2.0], np.full(3, 0.5), seed=0)
        return (_linear_mc_case("d = 2, L = 3, key 0: exact part 1; interval margin recomputed in numpy",
                                inst, 2.0**3),)


@register
class ScalarResnet(Claim):
    """Width one: ``E[y^2] = (1 + c)^L x^2``, so c = 1/L keeps the output O(x^2).

    Setting: ``y = (1 + w^L) ... (1 + w^1) x``, x != 0 real, L >= 1, w^l i.i.d. N(0, c), c >= 0.

    Claim (identity, then upper bound): ``E[y^2] = (1 + c)^L x^2``; with c = 1/L,
    ``(1 + 1/L)^L <= e``, so ``E[y^2] <= e x^2`` at every depth.

    Check: (a) exactly, ``E(1+w)^2 = 1 + c`` per layer, product over layers (rounding only),
    and ``(1 + 1/L)^L <= e``; (b) by Monte Carlo through the layer gains ``(1 + w^l)^2``
    (independent), false-alarm rate 1e-6. Half the instances take c = 1/L, the others c
    log-uniform in [1e-3, 2] (where the end-to-end product is very heavy-tailed).

    Margin: the smallest of (a) ``1 - |prod_l (1 + c) - (1 + c)^L| / (1e-10 (1 + c)^L)``,
    (a') ``1 + (e - (1 + 1/L)^L) / (1e-10 e)`` (far above 1: the bound has slack about
    e / (2L)) and (b) the product interval's margin (1 at the estimate, 0 at an end).
    With c = 0 every draw is exactly 1 and the margin is exactly 1.

    References: lecture 5, section 5.2, Example 5.1 (case d = 1), shared/seeds/000_45be778ffb0540d2.txt.
    """

    test_name = ("product of per-layer two-sided normal (CLT) intervals on the Monte Carlo mean gains, "
                 "Bonferroni over layers (verify.statistics.product_evidence), beside the exact product")

    id = "init/scalar-resnet"
    source = "Lecture 5, section 5.2, Example 5.1, case d = 1 (shared/seeds/000_45be778ffb0540d2.txt)"
    statement = "d = 1, w^l ~ N(0, c): E[y^2] = (1+c)^L x^2; c = 1/L keeps E[y^2] <= e x^2 at every depth L."
    kind = "statistical"
    params = ({"L": 1}, {"L": 4}, {"L": 10}, {"L": 50})

    def generate(self, key, L=10):
        kx, kc, kb, km = jax.random.split(key, 4)
        c = jnp.where(jax.random.bernoulli(kb), 1.0 / L, jnp.exp(jax.random.uniform(kc, (), minval=math.log(1e-3), maxval=math.log(2.0))))
        return {"x": _draw_x(kx, 1), "variances": jnp.full((L,), c), "mc_key": stored_key(km)}

    def validate(self, instance):
        super().validate(instance)
        _validate_linear(instance)
        problems = []
        if np.shape(instance["x"]) != (1,):
            problems.append(f"x must have shape (1,) (width one); got shape {np.shape(instance['x'])}")
        v = np.asarray(instance["variances"])
        if np.ptp(v) != 0:
            problems.append(f"variances must all equal c (one variance for every layer); got {v.tolist()}")
        raise_problems(problems)

    def check(self, instance):
        x, v = instance["x"], instance["variances"]
        L = v.shape[0]
        claimed = (1.0 + v[0]) ** L
        exact = exact_identity(jnp.prod(expected_gain(1, v)), claimed, "exact_ratio")
        bounded = one_over_L_bound(L, "one_over_L_ratio")
        mc = linear_resnet_evidence(key_of(instance), x, v, claimed)
        return all_of(exact, bounded, mc, c=v[0])

    def margin_cases(self):
        # c = 1/4 = 0.25 and 1 + c are exact in binary, so (1 + c)^4 is the product to the bit.
        c_quarter = _linear_instance([0.7], np.full(4, 0.25), seed=1)
        return (
            MarginCase(
                "c = 0, L = 5: every gain is exactly 1 (estimate = claimed = 1, closed form exact)",
                _linear_instance([3.0], np.zeros(5), seed=0), 1.0,
                atol=1e-9,  # every number in the check is exactly 1: no rounding at all
            ),
            _linear_mc_case("c = 1/L = 1/4, key 1: exact part 1, bound part far above 1; "
                            "interval margin recomputed in numpy", c_quarter, 1.25**4, others=(one_over_L_margin(4),)),
        )


def _layer_second_moment(key, variance, eye):
    """One draw of ``(I + W)^T (I + W)``, W with i.i.d. N(0, variance) entries (the shape of `eye`)."""
    a = eye + jnp.sqrt(variance) * jax.random.normal(key, eye.shape, jnp.float64)
    return a.T @ a


@register
class ResnetOneOverDL(_FixedVarianceResnet):
    """Scaling the entries by 1/(dL) keeps the output norm O(||x||) at every depth.

    Setting: the linear residual network above, x in R^d non-zero, L >= 1, entries of W^l
    i.i.d. N(0, 1/(d L)).

    Claim (identities, then an upper bound): ``E[(I+W)^T (I+W)] = (1 + 1/L) I`` and
    ``E||y||^2 = (1 + 1/L)^L ||x||^2 <= e ||x||^2``.

    Check: (a) exactly, ``E W^T W = d/(dL) I`` (rounding only) and ``(1+1/L)^L <= e``; (b) by
    Monte Carlo, the d x d matrix ``E[(I+W)^T (I+W)]`` entrywise (normal intervals, Bonferroni
    over the d^2 entries) and the product of the layer gains, each at rate 1e-6.
    The seed writes ``E(I+W)^2 = I + E W^2``; read literally (W times W, not W^T W) that is
    ``(1 + 1/(dL)) I``, not ``(1 + 1/L) I``: what the proof needs, and what is encoded, is
    ``E[(I+W)^T (I+W)]`` (the notebook shows both).

    Margin: the smallest of (a) ``1 - |1 + d/(dL) - (1 + 1/L)| / (1e-10 (1 + 1/L))``,
    (a') ``1 + (e - (1 + 1/L)^L) / (1e-10 e)`` (far above 1), (b) the worst entry's
    ``1 - |mean - claimed| / half-width`` and (b') the product interval's margin.

    References: lecture 5, section 5.2, proof outline after Example 5.1, shared/seeds/000_45be778ffb0540d2.txt.
    """

    id = "init/resnet-1-over-dL"
    source = "Lecture 5, section 5.2, proof outline after Example 5.1 (shared/seeds/000_45be778ffb0540d2.txt)"
    statement = "W_ij ~ N(0, 1/(dL)): E[(I+W)^T(I+W)] = (1+1/L) I and E||y||^2 = (1+1/L)^L ||x||^2 <= e ||x||^2."
    params = ({"d": 1, "L": 2}, {"d": 4, "L": 10}, {"d": 10, "L": 5})
    variance_label = "1/(dL)"

    @staticmethod
    def variance(d, L):
        return 1.0 / (d * L)

    def check(self, instance):
        x, v = instance["x"], instance["variances"]
        d, L = x.shape[0], v.shape[0]
        claimed_gain, claimed = 1.0 + 1.0 / L, (1.0 + 1.0 / L) ** L
        exact = exact_identity(expected_gain(d, v[0]), claimed_gain, "exact_gain")
        bounded = one_over_L_bound(L, "ratio_bound")
        k1, k2 = jax.random.split(key_of(instance))
        second_moment = monte_carlo_mean(lambda k: _layer_second_moment(k, v[0], jnp.eye(d)), k1, MC_BATCHES, MC_BATCH)
        matrix = expectation_evidence(second_moment, claimed_gain * jnp.eye(d), name="second_moment")
        mc = linear_resnet_evidence(k2, x, v, claimed)
        return all_of(exact, bounded, matrix, mc)

    def margin_cases(self):
        # d = 2, L = 4: 1/(dL) = 1/8 and d/(dL) = 1/4 are exact in binary, so the exact part
        # reads 1; (1 + 1/4)^4 is exact too.
        d, L = 2, 4
        inst = _linear_instance([0.5, 1.5], np.full(L, 1.0 / (d * L)), seed=2)
        k1, k2 = jax.random.split(key_of(inst))
        moments = same_draws(_layer_second_moment, k1, jnp.asarray(1.0 / (d * L)), jnp.eye(d))
        matrix = recomputed_mean_margin(moments, (1.0 + 1.0 / L) * np.eye(d))
        return (_linear_mc_case("d = 2, L = 4, key 2: exact part 1, bound part far above 1; both "
                                "interval margins recomputed in numpy", inst, (1.0 + 1.0 / L) ** L,
                                others=(one_over_L_margin(L), matrix), key=k2),)


# --- Remark 6.2: isometry of one random layer --------------------------------------------


def _difference_draw(key, profile, law, x_mean, x_factor):
    """One draw of ``||Wx||^2 - ||x||^2``: W with entries of law ``ENTRY_LAWS[law]`` and
    variances `profile`, ``x = x_mean + x_factor g``."""
    m, n = profile.shape
    kw, kx = jax.random.split(key)
    w = jnp.sqrt(profile) * standard_entries(kw, law, (m, n))
    x = x_mean + x_factor @ jax.random.normal(kx, (n,), jnp.float64)
    wx = w @ x
    return wx @ wx - x @ x


class _Isometry(Claim):
    kind = "statistical"
    test_name = ("two-sided normal (CLT) interval on the Monte Carlo mean of ||Wx||^2 - ||x||^2 "
                 "(verify.statistics.expectation_evidence), beside the exact closed form")
    params = ({"m": 2, "n": 1}, {"m": 1, "n": 2}, {"m": 2, "n": 2}, {"m": 3, "n": 5}, {"m": 8, "n": 8})
    #: which sums of the variance profile the hypothesis sets to 1: 1 = rows, 0 = columns.
    normalised_axis = 1

    def generate(self, key, m=2, n=2):
        kp, kz, kl, km, ka, kk = jax.random.split(key, 6)
        raw = jax.random.exponential(kp, (m, n)) * jax.random.bernoulli(kz, 0.7, (m, n))
        raw = raw.at[..., 0].add(1e-3) if self.normalised_axis == 1 else raw.at[0].add(1e-3)
        profile = raw / jnp.sum(raw, axis=self.normalised_axis, keepdims=True)
        return {
            "profile": profile,
            "law": jax.random.randint(kl, (), 0, len(ENTRY_LAWS)).astype(jnp.float64),
            "x_mean": jax.random.normal(km, (n,)),
            "x_factor": jax.random.normal(ka, (n, n)) / math.sqrt(n),
            "mc_key": stored_key(kk),
        }

    def validate(self, instance):
        super().validate(instance)
        validate_key("mc_key", instance["mc_key"])
        p = np.asarray(instance["profile"], dtype=np.float64)
        if p.ndim != 2 or min(p.shape, default=0) < 1:
            raise InvalidInstanceError(f"profile must be an m x n matrix with m, n >= 1; got shape {p.shape}")
        validate_variance("profile", p)
        problems = []
        sums = p.sum(axis=self.normalised_axis)
        which = "row sums (sum_j E W_ij^2)" if self.normalised_axis == 1 else "column sums (sum_i E W_ij^2)"
        if not np.allclose(sums, 1.0, rtol=0, atol=1e-12):
            problems.append(f"profile's {which} must all be 1; got {sums.tolist()}")
        n = p.shape[1]
        if np.shape(instance["x_mean"]) != (n,) or np.shape(instance["x_factor"]) != (n, n):
            problems.append(
                f"x_mean and x_factor must have shapes ({n},) and ({n}, {n}); got {np.shape(instance['x_mean'])} and {np.shape(instance['x_factor'])}"
            )
        if float(instance["law"]) not in range(len(ENTRY_LAWS)):
            problems.append(f"law must be 0, 1 or 2 ({', '.join(ENTRY_LAWS)}); got {float(instance['law'])!r}")
        raise_problems(problems)

    def check(self, instance):
        p, law = instance["profile"], instance["law"]
        mean, factor = instance["x_mean"], instance["x_factor"]
        lhs, rhs = isometry_second_moment(p, mean, factor)
        exact = exact_identity(lhs, rhs, "exact_second_moment")
        draw = lambda k: _difference_draw(k, p, law, mean, factor)
        est = monte_carlo_mean(draw, key_of(instance), MC_BATCHES, MC_BATCH)
        # a draw of ||Wx||^2 - ||x||^2 carries rounding of a few ulps of its terms: with
        # Rademacher entries and unit column sums it is zero in exact arithmetic.
        mc = expectation_evidence(est, 0.0, name="difference", resolution=IDENTITY * rhs, scale=rhs, E_x_squared=rhs)
        return all_of(exact, mc)

    def certificate(self, instance):
        """The exact part in ball arithmetic: ``E||Wx||^2 = sum_j c_j E x_j^2`` (the closed
        form `isometry_second_moment`, proved in its docstring; c_j the column sums of the
        variance profile) against ``E||x||^2``, with the profile's normalised sums (rows for
        the remark as printed, columns for the corrected one) made exactly 1 by dividing
        by them in balls. The identity is refuted when the enclosure of the difference
        excludes 0. The Monte Carlo part is reported in the certificate's ``test`` block."""
        from flint import arb, ctx

        from verify.landscape.balls import evaluate
        from verify.landscape.certify import certify_violation

        prec = 128
        p = np.asarray(instance["profile"], np.float64)
        with ctx.workprec(prec):
            cells = np.array([[arb(float(x)) for x in row] for row in p], dtype=object)
            sums = cells.sum(axis=self.normalised_axis, keepdims=True)
            profile = cells / sums
        lhs, rhs = evaluate(isometry_second_moment, profile, np.asarray(instance["x_mean"], np.float64),
                            np.asarray(instance["x_factor"], np.float64), prec=prec)
        cert = certify_violation(lhs[()], rhs[()], "identity", prec=prec)
        what = "row" if self.normalised_axis == 1 else "column"
        return dataclasses.replace(
            cert, method=f"{cert.method}: the closed form E||Wx||^2 = sum_j c_j E x_j^2 against E||x||^2, "
                         f"the profile's {what} sums made exactly 1 in balls")


def _isometry_instance(profile, law, x_mean, x_factor, seed=0) -> dict:
    return {
        "profile": jnp.asarray(profile, jnp.float64),
        "law": jnp.asarray(float(ENTRY_LAWS.index(law))),
        "x_mean": jnp.asarray(x_mean, jnp.float64),
        "x_factor": jnp.asarray(x_factor, jnp.float64),
        "mc_key": stored_key(jax.random.PRNGKey(seed)),
    }


#: A signed permutation W (Rademacher entries on a permutation profile) maps x to a
#: permutation of its coordinates with signs: ||Wx||^2 = ||x||^2 on every draw, up to the
#: order of a three-term sum. Both parts read 1 within a few ulps of ||x||^2 against the
#: 1e-10 ||x||^2 of the identity tolerance: atol 1e-3 tolerance units is far above that.
_PERMUTATION_CASE = dict(
    profile=np.eye(3)[[2, 0, 1]], law="rademacher", x_mean=[1.0, -2.0, 0.5],
    x_factor=[[0.3, 0.0, 0.0], [0.1, 0.4, 0.0], [0.0, -0.2, 0.5]],
)


@register
class IsometryAsPrinted(_Isometry):
    """Remark 6.2 as printed: zero-mean independent entries with unit *row* sums of variances
    preserve the expected squared norm. False unless the column sums are 1 too.

    Setting: W in R^{m x n} with independent entries, E W_ij = 0, ``sum_j E W_ij^2 = 1`` for
    every row i; x random in R^n independent of W (here Gaussian with arbitrary mean and
    covariance); entries Gaussian, Rademacher or uniform with a variance profile drawn at
    random (some entries identically zero).

    Claim (identity): ``E||Wx||^2 = E||x||^2``.

    What is true: ``E||Wx||^2 = sum_j c_j E x_j^2`` with column sums ``c_j = sum_i E W_ij^2``.
    The row condition is ``E[W W^T] = I``, which the remark says "suffices"; the norm needs
    ``E[W^T W] = I`` (`IsometryColumns`). A 2 x 1 W with two unit-variance entries has row sums
    1 and ``E||Wx||^2 = 2 x^2``. Expected verdict: refuted, with that counterexample.

    Check: (a) exactly, the formula above against E||x||^2 (identity tolerance); (b) by Monte
    Carlo, the mean of ``||Wx||^2 - ||x||^2`` (8,192 draws, normal interval, rate 1e-6, plus
    the identity tolerance times E||x||^2 for rounding) against 0. The verdict is the worse
    of the two.

    Margin: the smaller of (a) ``1 - |E||Wx||^2 - E||x||^2| / (1e-10 E||x||^2)`` and (b)
    ``1 - |mean| / (half-width + 1e-10 E||x||^2)``. A refutation is a relative violation
    measured in identity tolerances: the 2 x 1 counterexample (``E||Wx||^2 = 2 E||x||^2``, a
    relative violation of 1) reads ``1 - 1e10``.

    References: lecture 6, Remark 6.2, shared/seeds/001_749c64abaf8f8510.txt.
    """

    id = "init/isometry"
    source = "Lecture 6, Remark 6.2 (shared/seeds/001_749c64abaf8f8510.txt)"
    statement = "W independent of x, independent zero-mean entries, sum_j E W_ij^2 = 1 for every row i => E||Wx||^2 = E||x||^2 (as printed)."
    expected = REFUTED
    normalised_axis = 1

    def margin_cases(self):
        return (
            MarginCase(
                "2 x 1 W with Rademacher entries, x = 1: ||Wx||^2 = 2 on every draw, so both parts "
                "read 1 - 1 / 1e-10 (a relative violation of 1 in identity tolerances)",
                _isometry_instance(np.ones((2, 1)), "rademacher", [1.0], [[0.0]]),
                1.0 - 1.0 / IDENTITY,
                atol=1e-3,  # every number is exact (2, 1, their difference 1): no rounding
            ),
            MarginCase(
                "a signed permutation (rows and columns sum to 1): the identity holds on every draw",
                _isometry_instance(**_PERMUTATION_CASE), 1.0, atol=1e-3,
            ),
        )


@register
class IsometryColumns(_Isometry):
    """Remark 6.2 corrected: unit *column* sums of variances (``E[W^T W] = I``) preserve E||x||^2.

    Setting: W in R^{m x n} with independent zero-mean entries, ``sum_i E W_ij^2 = 1`` for
    every column j; x random in R^n independent of W (Gaussian, any mean and covariance);
    entries Gaussian, Rademacher or uniform with a random variance profile.

    Claim (identity): ``E||Wx||^2 = E||x||^2``. Proof: ``E||Wx||^2 = sum_j c_j E x_j^2`` with all
    c_j = 1 (cross terms vanish by independence and zero mean).

    Check: as for `IsometryAsPrinted`: exact formula and Monte Carlo at rate 1e-6.

    Margin: as for `IsometryAsPrinted`; with Rademacher entries on a permutation profile the
    identity holds on every draw and the margin is 1.

    References: lecture 6, Remark 6.2 (corrected hypothesis), shared/seeds/001_749c64abaf8f8510.txt.
    """

    id = "init/isometry-columns"
    source = "Lecture 6, Remark 6.2, with the column condition (shared/seeds/001_749c64abaf8f8510.txt)"
    statement = "W independent of x, independent zero-mean entries, sum_i E W_ij^2 = 1 for every column j (E W^T W = I) => E||Wx||^2 = E||x||^2."
    expected = HOLDS
    normalised_axis = 0

    def margin_cases(self):
        # Gaussian entries, profile with unit column sums in binary-exact fractions, so the
        # exact part reads 1 to the bit; the interval margin recomputed from the same draws.
        inst = _isometry_instance([[0.5, 0.25], [0.5, 0.75]], "gaussian", [1.0, -0.5], [[0.5, 0.0], [0.25, 1.0]], seed=3)
        _, ex2 = isometry_second_moment(inst["profile"], inst["x_mean"], inst["x_factor"])
        args = inst["profile"], inst["law"], inst["x_mean"], inst["x_factor"]
        samples = same_draws(_difference_draw, key_of(inst), *args)
        recomputed = recomputed_mean_margin(samples, 0.0, resolution=IDENTITY * float(ex2))
        return (
            MarginCase("a signed permutation: the identity holds on every draw",
                       _isometry_instance(**_PERMUTATION_CASE), 1.0, atol=1e-3),
            MarginCase("2 x 2 Gaussian, key 3: exact part 1; interval margin recomputed in numpy",
                       inst, min(1.0, recomputed), atol=RECOMPUTED_ATOL),
        )


# --- Balduzzi et al.: scaling of the residuals -------------------------------------------


@register
class BalduzziScaling(Claim):
    """Scaling of the residuals (Balduzzi et al. 2017, as summarised in lecture 5).

    The encoded model (the seed leaves it loose; we follow the paper's section 4):
    a batch of B = 8 inputs z_0 = g, g ~ N(0, I_N); blocks l = 1..L,

        z_l = alpha_l (z_{l-1} + beta_l W_l D_l N(z_{l-1})),

    W_l with i.i.d. N(0, 2/N) entries (He initialisation for rectifiers), D_l the rectifier
    written as independent Bernoulli(1/2) gates (the mean-field assumption under which the
    formulas are exact: each rectifier is active with probability 1/2 independently of the
    weights and of the other units; with real rectifiers at finite width they are not exact,
    and the notebook measures by how much), and N the identity or batch
    normalisation placed on the residual branch, before the rectifier (x_l = x_{l-1} +
    beta W relu(BN(x_{l-1})), the paper's form; BN divides each coordinate by its root mean
    square over the batch). The seed writes relu(z^{l-1}) in the update of z^{l+1}; we read
    it as the same-block activation, as in the paper. "Var(z[i])" is E[z_L[i]^2] (all
    activations have mean zero), averaged over the batch and the N coordinates; "the
    variance of the gradient" is the same for the gradient of ``sum_b u_b . z_L[b]``
    (u ~ N(0, I)) with respect to z_0, by autodiff.

    Claims (identities), one per variant:
      plain (alpha = beta = 1, no BN, L blocks): gradient variance 2^L;
      alpha (alpha = 1/sqrt 2, beta = 1, no BN, L blocks): Var(z_L[i]) = 1;
      beta-bn (alpha = 1, BN, L - 1 blocks): Var = beta^2 (L - 1) + 1, which is 2 for
        beta = 1 / sqrt(L - 1) (half the instances; the others beta in [0.1, 1]).

    Check: (a) exactly, the variance recursion (`balduzzi_exact_variance`) against the
    seed's value (rounding only); (b) by Monte Carlo (8,192 draws of the batch), at rate
    1e-6: without BN through the chain of layer gains (`balduzzi_chains`,
    `verify.statistics.product_evidence`), with BN directly (S_L is a sum of light-tailed
    increments) with the normal interval.

    Margin: the smaller of (a) ``1 - |exact - claimed| / (1e-10 |claimed|)`` and (b) the
    interval's margin (1 at the estimate, 0 when the claimed value is at an end of the
    interval: the product interval without BN, the normal interval with it).

    References: lecture 5, section 5.2, "Scaling of the residuals", shared/seeds/000_45be778ffb0540d2.txt; Balduzzi et al.,
    "The Shattered Gradients Problem", ICML 2017 (arXiv 1702.08591), section 4.
    """

    test_name = ("two-sided normal (CLT) interval on the Monte Carlo variance and the product of per-block "
                 "intervals, Bonferroni (verify.statistics.expectation_evidence, product_evidence)")

    id = "init/balduzzi-scaling"
    source = "Lecture 5, section 5.2, 'Scaling of the residuals' (shared/seeds/000_45be778ffb0540d2.txt); Balduzzi et al. 2017, section 4"
    statement = (
        "z_l = alpha (z_{l-1} + beta W_l relu(N(z_{l-1}))), He init: alpha = beta = 1 gives gradient variance 2^L; "
        "alpha = 1/sqrt 2 gives Var = 1; BN and beta give Var = beta^2 (L-1) + 1 (= 2 at beta = 1/sqrt(L-1))."
    )
    kind = "statistical"
    params = (
        {"variant": "plain", "N": 4, "blocks": 3},
        {"variant": "alpha", "N": 4, "blocks": 6},
        {"variant": "beta-bn", "N": 4, "blocks": 4},
        {"variant": "plain", "N": 8, "blocks": 10},
        {"variant": "alpha", "N": 8, "blocks": 10},
        {"variant": "beta-bn", "N": 8, "blocks": 9},
    )  # wider networks cost N^2 random draws per block; the notebook runs N = 64

    def generate(self, key, variant="plain", N=8, blocks=4):
        if variant not in VARIANTS:
            raise InvalidInstanceError(f"variant must be one of {VARIANTS}; got {variant!r}")
        kb, kc, km = jax.random.split(key, 3)
        ones = jnp.ones((blocks,))
        if variant == "plain":
            alpha, beta = ones, ones
        elif variant == "alpha":
            alpha, beta = ones / math.sqrt(2.0), ones
        else:
            b = jnp.where(jax.random.bernoulli(kc), 1.0 / math.sqrt(blocks), jax.random.uniform(kb, (), minval=0.1, maxval=1.0))
            alpha, beta = ones, b * ones
        return _balduzzi_instance(alpha, beta, jnp.ones((N,)), variant, km)

    def validate(self, instance):
        super().validate(instance)
        validate_key("mc_key", instance["mc_key"])
        problems = []
        for name in ("alpha", "beta"):
            validate_scale(name, instance[name])
            if np.ndim(instance[name]) != 1 or np.shape(instance[name])[0] < 1:
                problems.append(f"{name} must have shape (L,) with L >= 1 (one factor per block); got shape {np.shape(instance[name])}")
        if not problems and np.shape(instance["alpha"]) != np.shape(instance["beta"]):
            problems.append(f"alpha and beta must have the same shape; got {np.shape(instance['alpha'])} and {np.shape(instance['beta'])}")
        xs = np.asarray(instance["x_scale"], dtype=np.float64)
        if xs.ndim != 1 or xs.shape[0] < 1:
            problems.append(f"x_scale must have shape (N,) with N >= 1 (the width); got shape {xs.shape}")
        variant = float(instance["variant"])
        if variant not in (0.0, 1.0, 2.0):
            problems.append(f"variant must be 0 (plain), 1 (alpha) or 2 (beta-bn); got {variant!r}")
        raise_problems(problems)
        validate_scale("x_scale", xs)
        name = VARIANTS[int(variant)]
        a, b = np.asarray(instance["alpha"]), np.asarray(instance["beta"])
        want = {"plain": (1.0, 1.0, 0.0), "alpha": (1 / math.sqrt(2.0), 1.0, 0.0)}.get(name, (1.0, None, 1.0))
        ok = np.allclose(a, want[0], rtol=1e-12, atol=0) and float(instance["batch_norm"]) == want[2]
        ok = ok and (np.allclose(b, want[1], rtol=1e-12, atol=0) if want[1] is not None else np.ptp(b) == 0)
        if not ok or not np.allclose(xs, 1.0, rtol=1e-12, atol=0):
            raise InvalidInstanceError(
                f"the {name} statement needs alpha = {want[0]:.6g}, "
                + (f"beta = {want[1]:.6g}" if want[1] is not None else "one beta for every block")
                + f", batch_norm = {want[2]:g} and unit-variance inputs (x_scale = 1); got alpha = {a.tolist()}, "
                f"beta = {b.tolist()}, batch_norm = {float(instance['batch_norm'])}, x_scale = {xs.tolist()}"
            )

    def check(self, instance):
        xs, alpha, beta = instance["x_scale"], instance["alpha"], instance["beta"]
        bn, variant = instance["batch_norm"], instance["variant"]
        blocks = alpha.shape[0]
        claimed = balduzzi_claimed(variant, blocks, beta[0])
        exact_value = balduzzi_exact_variance(xs, alpha, beta, bn)
        exact = exact_identity(exact_value, claimed, "exact_variance")

        def draw(k):
            chains = balduzzi_chains(k, xs, alpha, beta, bn)
            return jnp.concatenate([chains.ravel(), jnp.prod(chains[0])[None]])  # last: S_L

        est = monte_carlo_mean(draw, key_of(instance), MC_BATCHES, MC_BATCH)
        n = blocks + 1
        part = lambda sl: type(est)(mean=est.mean[sl], variance=est.variance[sl], samples=est.samples)
        forward, backward, direct_est = part(slice(0, n)), part(slice(n, 2 * n)), part(2 * n)
        chain = jax.tree_util.tree_map(lambda f, b: jnp.where(variant == 0, b, f), forward, backward)
        prod = product_evidence(chain, claimed, name="variance")
        direct = expectation_evidence(direct_est, claimed, name="variance")
        half = direct.measured["variance_half_width"]
        margin = jnp.where(bn > 0, direct.margin, prod.margin)
        mc = Evidence(
            margin=margin,
            conclusive=jnp.asarray(True),
            measured={
                "variance": jnp.where(bn > 0, direct_est.mean, prod.measured["variance"]),
                "variance_claimed": claimed,
                "variance_lower": jnp.where(bn > 0, direct_est.mean - half, prod.measured["variance_lower"]),
                "variance_upper": jnp.where(bn > 0, direct_est.mean + half, prod.measured["variance_upper"]),
                "samples": est.samples,
                "false_alarm": jnp.asarray(FALSE_ALARM),
                DETECTABLE: jnp.where(bn > 0, direct.measured[DETECTABLE], prod.measured[DETECTABLE]),
            },
        )
        return all_of(exact, mc, variant=variant, beta=beta[0])

    def margin_cases(self):
        """One case per variant (N = 4, 3 blocks, key 4): the exact part reads 1 within a few
        ulps (1/sqrt 2 squared and 1/sqrt 3 squared round), and the Monte Carlo margin is
        recomputed in numpy from the same draws: the backward chain's product interval
        (plain), the forward chain's (alpha), the normal interval of S_L (beta-bn)."""
        blocks, ones, xs = 3, jnp.ones((3,)), jnp.ones((4,))
        beta_bn = 1.0 / math.sqrt(blocks)
        cases = []
        for variant, alpha, beta, claimed in (
            ("plain", ones, ones, 2.0**blocks),
            ("alpha", ones / math.sqrt(2.0), ones, 1.0),
            ("beta-bn", ones, beta_bn * ones, 2.0),
        ):
            inst = _balduzzi_instance(alpha, beta, xs, variant, jax.random.PRNGKey(4))
            chains = same_draws(balduzzi_chains, key_of(inst), xs, alpha, beta, inst["batch_norm"])
            if variant == "beta-bn":
                mc = recomputed_mean_margin(np.prod(chains[:, 0, :], axis=1), claimed)
            else:
                mc = recomputed_product_margin(chains[:, 1 if variant == "plain" else 0, :], claimed)
            cases.append(MarginCase(f"{variant}, N = 4, 3 blocks, key 4: exact part 1; interval margin "
                                    "recomputed in numpy", inst, min(1.0, mc), atol=RECOMPUTED_ATOL))
        return tuple(cases)


def _balduzzi_instance(alpha, beta, x_scale, variant: str, key) -> dict:
    return {
        "x_scale": x_scale,
        "alpha": alpha,
        "beta": beta,
        "batch_norm": jnp.asarray(1.0 if variant == "beta-bn" else 0.0),
        "variant": jnp.asarray(float(VARIANTS.index(variant))),
        "mc_key": stored_key(key),
    }
