"""Unit tests of `verify.claims.initialisation`: closed forms, the MATLAB loop, bad input."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import verify.claims.initialisation as initialisation
from verify import HOLDS, REFUTED, InvalidInstanceError, get_claim, verdict
from verify.claims.initialisation.evidence import IDENTITY, exact_identity, one_over_L_bound
from verify.claims.initialisation import (
    balduzzi_chains,
    balduzzi_exact_variance,
    balduzzi_forward,
    expected_squared_norm,
    isometry_second_moment,
    linear_resnet_evidence,
    linear_resnet_gains,
    linear_resnet_output,
    log_gain_moments,
    matlab_simulation,
    validate_depth,
    validate_scale,
    validate_variance,
    validate_width,
)

KEY = jax.random.PRNGKey(0)


def test_linear_resnet_output_is_the_product_of_the_layers():
    w = jax.random.normal(KEY, (3, 4, 4))
    x = jnp.arange(1.0, 5.0)
    expected = (jnp.eye(4) + w[2]) @ (jnp.eye(4) + w[1]) @ (jnp.eye(4) + w[0]) @ x
    np.testing.assert_allclose(linear_resnet_output(x, w), expected, rtol=1e-13)


def test_closed_form_of_the_squared_norm():
    x = jnp.array([1.0, -2.0, 0.5])
    assert float(expected_squared_norm(x, jnp.full((4,), 1 / 3))) == pytest.approx(2.0**4 * 5.25, rel=1e-14)
    assert float(expected_squared_norm(x, jnp.full((5,), 1 / 15))) == pytest.approx((1 + 1 / 5) ** 5 * 5.25, rel=1e-14)


def test_gains_are_the_layer_ratios_and_reproducible():
    x = jnp.array([1.0, 2.0])
    g1 = linear_resnet_gains(KEY, x, jnp.full((3,), 0.5))
    g2 = linear_resnet_gains(KEY, x, jnp.full((3,), 0.5))
    assert g1.shape == (3,) and np.array_equal(g1, g2) and np.all(np.asarray(g1) > 0)
    # zero variance: every layer is the identity
    np.testing.assert_array_equal(linear_resnet_gains(KEY, x, jnp.zeros(3)), np.ones(3))


def test_matlab_loop_does_not_reset_x():
    """The i-th ratio is that of the i*L-layer network built from the same draws."""
    L, d, outer = 3, 5, 4
    ratios = matlab_simulation(KEY, depth=L, width=d, outer=outer)
    x = jnp.ones(d)
    for i, k in enumerate(jax.random.split(KEY, outer)):
        w = jnp.sqrt(1.0 / d) * jax.random.normal(k, (L, d, d), jnp.float64)
        x = linear_resnet_output(x, w)
        assert float(ratios[i]) == pytest.approx(float(jnp.linalg.norm(x) / math.sqrt(d)), rel=1e-12)


def test_matlab_figure_is_of_order_1e14_to_1e15():
    """The 10th ratio is after 100 Xavier layers: typical size exp(50 E log G) ~ 7.7e14."""
    mean_log, var_log = log_gain_moments(100)
    typical = 50 * mean_log / math.log(10)
    spread = math.sqrt(100 * var_log) / 2 / math.log(10)
    assert 14.5 < typical < 15.2 and spread < 0.3
    last = np.log10(np.asarray(jax.vmap(lambda k: matlab_simulation(k)[-1])(jax.random.split(KEY, 40))))
    assert abs(np.median(last) - typical) < 4 * spread  # 40 runs around the exact typical value


@pytest.mark.parametrize("d, s", [(100, None), (3, 0.7), (1, 2.0)])
def test_log_gain_moments_against_numpy_noncentral_chi_square(d, s):
    s_ = 1.0 / d if s is None else s
    rng = np.random.default_rng(0)
    g = s_ * rng.noncentral_chisquare(d, 1.0 / s_, size=400_000)
    mean, var = log_gain_moments(d, s)
    se = np.log(g).std() / math.sqrt(g.size)
    assert abs(np.log(g).mean() - mean) < 5 * se
    assert var == pytest.approx(np.log(g).var(), rel=0.02)


def test_isometry_formula_and_the_two_by_one_counterexample():
    # W in R^{2x1} with unit-variance entries: unit row sums, column sum 2
    lhs, rhs = isometry_second_moment(jnp.ones((2, 1)), jnp.array([1.0]), jnp.zeros((1, 1)))
    assert (float(lhs), float(rhs)) == (2.0, 1.0)
    instance = {"profile": np.ones((2, 1)), "law": 0.0, "x_mean": np.ones(1), "x_factor": np.zeros((1, 1)),
                "mc_key": np.asarray(KEY)}
    ev = get_claim("init/isometry").check_instance(instance)
    assert verdict(ev) == REFUTED
    assert float(ev.measured["difference"]) == pytest.approx(1.0, abs=0.1)  # E||Wx||^2 - E||x||^2 = 1
    # a relative violation of 1, in identity tolerances: the exact part's margin, the smaller
    assert float(ev.margin) == pytest.approx(1.0 - 1.0 / IDENTITY, rel=1e-12)


def test_exact_parts_are_in_tolerance_units():
    """1 when exact, 0 when off by one tolerance, -1 when off by two (not 1e-10 or 1e10)."""
    for off, margin in ((0.0, 1.0), (1.0, 0.0), (2.0, -1.0)):
        ev = exact_identity(8.0 * (1.0 + off * IDENTITY), 8.0, "value")
        assert float(ev.margin) == pytest.approx(margin, abs=1e-5)
    # (1 + 1/L)^L <= e has slack ~ e/(2L): far above 1 on this scale, and never negative
    for L in (1, 10, 1000):
        m = float(one_over_L_bound(L, "ratio").margin)
        assert m == pytest.approx(1.0 + (math.e - (1 + 1 / L) ** L) / (IDENTITY * math.e), rel=1e-9)
        assert m > 1e6


def test_package_reexports_every_public_name():
    for name in initialisation.__all__:
        assert getattr(initialisation, name) is not None, name
    assert isinstance(get_claim("init/isometry"), initialisation.IsometryAsPrinted)


def test_balduzzi_exact_variances():
    ones = jnp.ones(6)
    assert float(balduzzi_exact_variance(jnp.ones(4), ones, ones, 0.0)) == 2.0**6
    assert float(balduzzi_exact_variance(jnp.ones(4), ones / math.sqrt(2), ones, 0.0)) == pytest.approx(1.0, rel=1e-14)
    assert float(balduzzi_exact_variance(jnp.ones(4), ones, 0.3 * ones, 1.0)) == pytest.approx(1 + 0.09 * 6, rel=1e-14)


def test_balduzzi_chains_telescope_to_the_forward_and_backward_mean_squares():
    xs, a, b = jnp.ones(4), jnp.ones(3), jnp.ones(3)
    chains = balduzzi_chains(KEY, xs, a, b, 0.0)
    kf, ku = jax.random.split(KEY)
    squares, z = balduzzi_forward(kf, xs, a, b, 0.0)
    assert float(jnp.prod(chains[0])) == pytest.approx(float(squares[-1]), rel=1e-12)
    # the backward product is the mean square of d(sum u * z_L)/d z_0, by autodiff
    u = jax.random.normal(ku, z.shape, jnp.float64)
    perturb = jnp.zeros((4,) + z.shape)
    g0 = jax.grad(lambda p: jnp.sum(u * balduzzi_forward(kf, xs, a, b, 0.0, perturb=p)[1]))(perturb)[0]
    assert float(jnp.prod(chains[1])) == pytest.approx(float(jnp.mean(g0**2)), rel=1e-12)


def test_wrong_variant_is_refuted_by_the_statistics_alone():
    """W_ij ~ N(0, 2/d) claimed to give E||y||^2 = 2^L ||x||^2 (the truth is 3^L)."""
    d, L = 4, 6
    ev = linear_resnet_evidence(KEY, jnp.ones(d), jnp.full((L,), 2.0 / d), 2.0**L)
    assert verdict(ev) == REFUTED
    assert float(ev.measured["ratio_lower"]) > 2.0**L
    assert verdict(linear_resnet_evidence(KEY, jnp.ones(d), jnp.full((L,), 2.0 / d), 3.0**L)) == HOLDS


def test_same_instance_same_evidence():
    claim = get_claim("init/balduzzi-scaling")
    inst = claim.generate(KEY, variant="beta-bn", N=4, blocks=3)
    a, b = claim.check_instance(inst), claim.check_instance(inst)
    assert float(a.margin) == float(b.margin)
    assert float(a.measured["variance"]) == float(b.measured["variance"])


# --- bad input ---------------------------------------------------------------------------


def test_validators_name_the_argument():
    with pytest.raises(InvalidInstanceError, match=r"L \(the depth L\) must be an integer >= 1; got 0"):
        validate_depth("L", 0)
    with pytest.raises(InvalidInstanceError, match=r"d \(the width d\) must be an integer >= 1; got -1"):
        validate_width("d", -1)
    with pytest.raises(InvalidInstanceError, match=r"c \(a variance\) must be >= 0"):
        validate_variance("c", -0.5)
    with pytest.raises(InvalidInstanceError, match=r"alpha \(a scale factor\) must be finite"):
        validate_scale("alpha", [1.0, np.inf])


def test_functions_reject_bad_sizes():
    with pytest.raises(InvalidInstanceError, match="depth"):
        matlab_simulation(KEY, depth=0)
    with pytest.raises(InvalidInstanceError, match="width"):
        matlab_simulation(KEY, width=0)
    with pytest.raises(InvalidInstanceError, match="width"):
        log_gain_moments(0)
    with pytest.raises(InvalidInstanceError, match="variance"):
        log_gain_moments(3, -1.0)


def _xavier(**changes):
    inst = dict(get_claim("init/xavier-linear-resnet").generate(KEY, d=3, L=4))
    inst.update(changes)
    return inst


@pytest.mark.parametrize(
    "claim_id, instance, message",
    [
        ("init/xavier-linear-resnet", _xavier(variances=np.zeros(0)), r"variances must have shape \(L,\) with L >= 1"),
        ("init/xavier-linear-resnet", _xavier(x=np.zeros(0)), r"x must be a vector of shape \(d,\) with d >= 1"),
        ("init/xavier-linear-resnet", _xavier(variances=np.full(4, 0.5)), "variances must all be 1/d"),
        ("init/xavier-linear-resnet", _xavier(mc_key=np.array([0.5, 1.0])), "mc_key must be a raw PRNG key"),
        ("init/scalar-resnet", {"x": np.ones(1), "variances": np.full(3, -0.1), "mc_key": np.asarray(KEY)},
         r"variances \(a variance\) must be >= 0"),
        ("init/scalar-resnet", {"x": np.ones(1), "variances": np.full(3, np.nan), "mc_key": np.asarray(KEY)},
         "must be finite"),
        ("init/isometry", {"profile": np.ones((2, 2)), "law": 0.0, "x_mean": np.ones(2), "x_factor": np.eye(2),
                           "mc_key": np.asarray(KEY)}, r"profile's row sums .* must all be 1"),
        ("init/isometry-columns", {"profile": -np.ones((1, 1)), "law": 0.0, "x_mean": np.ones(1),
                                   "x_factor": np.eye(1), "mc_key": np.asarray(KEY)}, r"profile \(a variance\) must be >= 0"),
    ],
)
def test_claims_reject_bad_instances(claim_id, instance, message):
    with pytest.raises(InvalidInstanceError, match=message):
        get_claim(claim_id).check_instance(instance)


@pytest.mark.parametrize("field, value, message", [
    ("alpha", np.array([1.0, np.inf, 1.0]), r"must be finite; found NaN or inf in alpha"),
    ("beta", np.array([np.nan, 1.0, 1.0]), r"must be finite; found NaN or inf in beta"),
    ("alpha", np.zeros(0), r"alpha must have shape \(L,\) with L >= 1"),
    ("x_scale", np.zeros(0), r"x_scale must have shape \(N,\) with N >= 1"),
    ("alpha", np.full(3, 0.5), "the plain statement needs alpha = 1"),
])
def test_balduzzi_rejects_bad_instances(field, value, message):
    inst = dict(get_claim("init/balduzzi-scaling").generate(KEY, variant="plain", N=4, blocks=3))
    inst[field] = value
    with pytest.raises(InvalidInstanceError, match=message):
        get_claim("init/balduzzi-scaling").check_instance(inst)


def test_isometry_refutation_is_certified_from_the_closed_form():
    """The 2 x 1 counterexample of the docstring: E||Wx||^2 = 2 E||x||^2, enclosed in balls;
    the corrected claim (column sums) at the same kind of instance is not refuted in balls."""
    from verify import get_claim
    from verify.claims.initialisation.claims import _isometry_instance

    inst = {k: np.asarray(v) for k, v in _isometry_instance(np.ones((2, 1)) / 1.0, "rademacher", [1.0], [[0.5]]).items()}
    cert = get_claim("init/isometry").certify_refutation(inst)
    assert cert.status == "certified", cert.reason
    lo, hi = cert.enclosures["violation"]
    assert lo <= 1.25 <= hi and hi - lo < 1e-30  # E x^2 = 1 + 0.25; E||Wx||^2 = 2.5
    assert cert.test["false_alarm_rate"] == 1e-6
    cols = {k: np.asarray(v) for k, v in _isometry_instance(np.full((2, 1), 0.5), "gaussian", [1.0], [[0.5]]).items()}
    assert get_claim("init/isometry-columns").certify_refutation(cols).status == "float64 only"
