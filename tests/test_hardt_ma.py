"""Unit tests of the Hardt & Ma linear residual network claims (`verify.claims.hardt_ma`,
modules `model` and `linear`)."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import verify.claims.hardt_ma as hm
from verify import HOLDS, REFUTED, get_claim, make_instance, verdict
from verify.errors import InvalidInstanceError


def _problem(d=3, l=4, seed=0, tau=0.5):
    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(seed), 3)
    return (
        jnp.eye(d) + jax.random.normal(k1, (d, d)) / np.sqrt(d),
        hm.random_covariance(k2, d),
        hm.blocks_in_ball(k3, l, d, tau),
    )


def test_residual_product_order():
    _, _, blocks = _problem()
    d = blocks.shape[-1]
    expected = np.eye(d)
    for a in np.asarray(blocks):  # A_1 is applied first, so it is the rightmost factor
        expected = (np.eye(d) + a) @ expected
    np.testing.assert_allclose(hm.residual_product(blocks), expected, rtol=0, atol=1e-14)


def test_closed_form_risk_matches_monte_carlo():
    """f(A) = tr((R - P) Sigma (R - P)^T) + noise^2 d against a Monte Carlo mean of
    ||y - P x||^2 over 400,000 samples x ~ N(0, Sigma), y = R x + zeta, zeta ~ N(0, noise^2 I).
    The estimate is compared within 5 standard errors (estimated from the same samples):
    a false alarm has probability ~6e-7 (the seed is fixed, so the test is deterministic)."""
    r, sigma, blocks = _problem(d=3, l=4)
    noise = 0.7
    n = 400_000
    kx, kz = jax.random.split(jax.random.PRNGKey(1))
    x = jax.random.normal(kx, (n, 3)) @ jnp.linalg.cholesky(sigma).T
    y = x @ r.T + noise * jax.random.normal(kz, (n, 3))
    p = hm.residual_product(blocks)
    losses = np.asarray(jnp.sum((y - x @ p.T) ** 2, axis=1))
    mean, se = losses.mean(), losses.std(ddof=1) / np.sqrt(n)
    exact = float(hm.population_risk(blocks, r, sigma, noise))
    assert abs(mean - exact) <= 5 * se, (mean, exact, se)
    assert float(hm.optimal_risk(r, noise)) == pytest.approx(noise**2 * 3)
    np.testing.assert_allclose(
        float(hm.population_risk(blocks, r, sigma, noise)) - float(hm.optimal_risk(r, noise)),
        float(hm.excess_risk(blocks, r, sigma)), rtol=1e-12,
    )


def test_risk_derivatives_pass_check_grads():
    r, sigma, blocks = _problem(d=2, l=3)
    check_grads(lambda a: hm.population_risk(a, r, sigma), (blocks,), order=2, modes=["fwd", "rev"])


def test_gradient_formula_of_the_proof_matches_autodiff():
    """grad_i f = 2 Q_i^T (P - R) Sigma S_i^T, Q_i = (I+A_l)..(I+A_{i+1}), S_i = (I+A_{i-1})..(I+A_1)."""
    r, sigma, blocks = _problem(d=3, l=4)
    eye = np.eye(3)
    factors = [eye + np.asarray(a) for a in blocks]
    p = np.asarray(hm.residual_product(blocks))
    grad = jax.grad(hm.excess_risk)(blocks, r, sigma)
    for i in range(4):
        q = eye
        for f in factors[i + 1 :]:
            q = f @ q
        s = eye
        for f in factors[:i]:
            s = f @ s
        expected = 2 * q.T @ (p - np.asarray(r)) @ np.asarray(sigma) @ s.T
        np.testing.assert_allclose(grad[i], expected, rtol=1e-12, atol=1e-13)


def test_derived_gradient_bound_is_tight_at_zero_for_isotropic_sigma():
    d, l, c = 3, 4, 2.5
    r, _, _ = _problem(d=d, l=l)
    instance = {"R": r, "Sigma": c * jnp.eye(d), "tau": jnp.asarray(0.0), "A": jnp.zeros((l, d, d))}
    ev = get_claim("hardt-ma/gradient-lower-bound-derived").check_instance(instance)
    assert verdict(ev) == HOLDS
    assert float(ev.measured["ratio"]) == pytest.approx(float(ev.measured["mu"]), rel=1e-12)


def test_several_problems_are_reported_together():
    claim = get_claim("hardt-ma/gradient-lower-bound-derived")
    bad = _gradient_instance(Sigma=jnp.array([[1.0, 0.5], [0.0, 1.0]]), tau=jnp.asarray(1.5),
                             A=jnp.zeros((2, 3, 3)))
    message = (re.escape("Sigma must be symmetric") + ".*" + re.escape("tau (the theorem needs")
               + ".*" + re.escape("A must have shape (l, 2, 2)"))
    with pytest.raises(InvalidInstanceError, match=message):
        claim.check_instance(bad)


def test_three_readings_of_the_gradient_bound_on_the_boundary_of_the_ball():
    """d = 1, l = 2, Sigma = 1, A_1 = A_2 = -tau: ||grad f||^2 = 8 (1 - tau)^2 (f - f_opt). The
    derived bound and the seed's eq. (6) (equal when sigma_min(Sigma) = 1) are attained; the
    paper's eq. (2.3), with (1 - tau)^(l-1), asks for 8 (1 - tau) (f - f_opt) and fails."""
    tau = 0.3
    instance = {"R": jnp.array([[2.0]]), "Sigma": jnp.array([[1.0]]), "tau": jnp.asarray(tau),
                "A": jnp.full((2, 1, 1), -tau)}
    excess = (2.0 - (1 - tau) ** 2) ** 2
    evidence = {cid: get_claim(cid).check_instance(instance) for cid in (
        "hardt-ma/gradient-lower-bound-derived", "hardt-ma/gradient-lower-bound",
        "hardt-ma/gradient-lower-bound-paper")}
    for ev in evidence.values():
        assert float(ev.measured["grad_norm_sq"]) == pytest.approx(8 * (1 - tau) ** 2 * excess, rel=1e-13)
    derived, review, paper = evidence.values()
    assert verdict(derived) == verdict(review) == HOLDS
    assert float(derived.margin) == pytest.approx(1.0, abs=1e-3)
    assert float(review.margin) == pytest.approx(1.0, abs=1e-3)
    assert verdict(paper) == REFUTED
    assert float(paper.measured["grad_norm_sq_reference"]) == pytest.approx(8 * (1 - tau) * excess, rel=1e-13)
    # the margin is 1 - (relative shortfall tau) / 1e-10, on the common scale
    assert float(paper.margin) == pytest.approx(1 - tau / 1e-10, rel=1e-9)


def test_printed_gradient_bound_fails_on_the_smallest_instance():
    """d = l = 1, tau = 0, A = 0, Sigma = (2), R = (2): ||grad||^2 = 4 s^2 (R-1)^2 = 16 while
    the printed right-hand side is 4 s^3 (R-1)^2 = 32; the derived one, 4 s^2 (R-1)^2 = 16, holds."""
    instance = {"R": jnp.array([[2.0]]), "Sigma": jnp.array([[2.0]]), "tau": jnp.asarray(0.0),
                "A": jnp.zeros((1, 1, 1))}
    printed = get_claim("hardt-ma/gradient-lower-bound").check_instance(instance)
    paper = get_claim("hardt-ma/gradient-lower-bound-paper").check_instance(instance)
    derived = get_claim("hardt-ma/gradient-lower-bound-derived").check_instance(instance)
    assert verdict(printed) == verdict(paper) == REFUTED
    assert float(paper.measured["grad_norm_sq_reference"]) == pytest.approx(32.0)
    assert float(printed.measured["grad_norm_sq"]) == pytest.approx(16.0)
    assert float(printed.measured["grad_norm_sq_reference"]) == pytest.approx(32.0)
    assert verdict(derived) == HOLDS


def _tau_one_instance(seed, d=1, l=2):
    claim = get_claim("hardt-ma/critical-points-global")
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    instance = dict(claim.generate(k1, d=d, l=l))
    instance["tau"] = jnp.asarray(1.0)
    instance["starts"] = jax.vmap(lambda k: hm.blocks_in_ball(k, l, d, 1.0, low=0.5))(
        jax.random.split(k2, hm.STARTS)
    )
    return instance


def test_critical_points_global_fails_at_tau_one():
    """At tau = 1 the ball contains A_1 = A_2 = -1 (d = 1, l = 2): every I + A_i is singular,
    the gradient vanishes and f - f_opt = Sigma R^2 > 0. The claim's own search (validation
    bypassed: tau = 1 breaks the hypothesis) must find such a point on most instances."""
    claim = get_claim("hardt-ma/critical-points-global")
    check = jax.jit(claim.check)
    verdicts = []
    for seed in range(6):
        instance = _tau_one_instance(seed)
        ev = check(instance)
        verdicts.append(verdict(ev))
        if verdicts[-1] == REFUTED:
            assert float(ev.measured["max_norm_at_critical_inside"]) == pytest.approx(1.0, abs=1e-7)
            assert float(ev.measured["max_gap_at_critical_inside"]) > 1e-3
    assert verdicts.count(REFUTED) >= 4, verdicts
    with pytest.raises(InvalidInstanceError, match=re.escape("tau (the theorem needs 0 <= tau < 1) must lie in [0, 1); got 1.0")):
        claim.check_instance(_tau_one_instance(0))


def test_critical_points_global_holds_below_one_on_the_same_starts():
    claim = get_claim("hardt-ma/critical-points-global")
    instance = _tau_one_instance(1)
    instance["tau"] = jnp.asarray(0.9)
    instance["starts"] = 0.9 * instance["starts"]
    ev = claim.check_instance(instance)
    assert verdict(ev) == HOLDS, ev.measured


# ---------------------------------------------------------------- bad input


def _gradient_instance(**overrides):
    inst = {"R": jnp.eye(2), "Sigma": jnp.eye(2), "tau": jnp.asarray(0.5), "A": jnp.zeros((2, 2, 2))}
    inst.update(overrides)
    return inst


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"tau": jnp.asarray(1.0)}, "tau (the theorem needs 0 <= tau < 1) must lie in [0, 1); got 1.0"),
        ({"tau": jnp.asarray(-0.1)}, "tau (the theorem needs 0 <= tau < 1) must lie in [0, 1); got -0.1"),
        ({"tau": jnp.ones(2)}, "tau (the theorem needs 0 <= tau < 1) must be a scalar; got shape (2,)"),
        ({"Sigma": jnp.array([[1.0, 0.0], [0.0, 0.0]])}, "Sigma must be positive definite"),
        ({"Sigma": jnp.array([[1.0, 0.0], [0.0, -2.0]])}, "smallest eigenvalue is -2"),
        ({"Sigma": jnp.array([[1.0, 0.5], [0.0, 1.0]])}, "Sigma must be symmetric"),
        ({"Sigma": jnp.eye(3)}, "Sigma must have shape (2, 2); got shape (3, 3)"),
        ({"R": jnp.ones((2, 3))}, "R must be a square matrix of shape (d, d); got shape (2, 3)"),
        ({"A": jnp.zeros((2, 3, 3))}, "A must have shape (l, 2, 2) with l >= 1; got shape (2, 3, 3)"),
        ({"A": 0.6 * jnp.ones((2, 2, 2)) / 2}, "A must lie in B_tau"),
        ({"R": jnp.array([[1.0, jnp.nan], [0.0, 1.0]])}, "found NaN or inf in R"),
    ],
)
def test_bad_input_raises(overrides, message):
    claim = get_claim("hardt-ma/gradient-lower-bound-derived")
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        claim.check_instance(_gradient_instance(**overrides))


def test_bad_starts_and_probes_raise():
    cp = get_claim("hardt-ma/critical-points-global")
    inst = {"R": jnp.eye(2), "Sigma": jnp.eye(2), "tau": jnp.asarray(0.5), "starts": jnp.zeros((4, 2, 3, 3))}
    with pytest.raises(InvalidInstanceError, match=re.escape("starts must have shape (k, l, 2, 2)")):
        cp.check_instance(inst)
    inst["starts"] = jnp.zeros((4, 2, 2, 2)).at[2, 1].set(0.6 * jnp.eye(2))
    with pytest.raises(InvalidInstanceError, match=re.escape("starts must lie in B_tau (max_i ||A_i||_2 <= tau = 0.5); start 2 has max_i ||A_i||_2 = 0.6")):
        cp.check_instance(inst)
    nc = get_claim("hardt-ma/nonconvex")
    inst = {"R": jnp.eye(2), "Sigma": jnp.eye(2), "probes": jnp.zeros((4, 1, 2, 2))}
    with pytest.raises(InvalidInstanceError, match=re.escape("l >= 2 (the claim is about depth l >= 2)")):
        nc.check_instance(inst)
    gd = get_claim("hardt-ma/gd-in-ball")
    inst = {"R": jnp.eye(2), "Sigma": jnp.eye(2), "tau": jnp.asarray(0.2), "A0": 0.3 * jnp.ones((2, 2, 2))}
    with pytest.raises(InvalidInstanceError, match=re.escape("A0 must lie in B_tau")):
        gd.check_instance(inst)


def test_gd_in_ball_records_observed_and_predicted_rates():
    claim = get_claim("hardt-ma/gd-in-ball")
    ev = claim.check_instance(claim.generate(jax.random.PRNGKey(3), d=2, l=2))
    assert verdict(ev) == HOLDS
    m = {k: float(v) for k, v in ev.measured.items()}
    assert 0 < m["observed_rate"] <= m["predicted_rate"] < 1
    assert float(ev.margin) >= 1.0  # every checked step contracts at least as predicted
    assert m["final_excess"] < 1e-3 * m["initial_excess"]


def test_nonconvex_finds_negative_curvature_and_problem_one_is_convex():
    claim = get_claim("hardt-ma/nonconvex")
    ev = claim.check_instance(claim.generate(jax.random.PRNGKey(0), d=2, l=2))
    assert verdict(ev) == HOLDS
    assert float(ev.measured["lambda_min_relative_best_probe"]) < -1e-3
    assert float(ev.measured["lambda_min_problem_1"]) > 0


def test_sources_follow_the_papers_numbering():
    """[1] Theorem 2.1 is the existence of a small global minimiser, Theorem 2.2 the critical
    points in B_tau, eq. (2.3) the gradient bound; the seed numbers them Theorems 2, 1 and eq. (6)."""
    source = {cid: get_claim(cid).source for cid in [
        "hardt-ma/existence", "hardt-ma/critical-points-global", "hardt-ma/gradient-lower-bound-derived",
        "hardt-ma/gradient-lower-bound-paper", "hardt-ma/gradient-lower-bound"]}
    assert source["hardt-ma/existence"].startswith("Hardt & Ma, Theorem 2.1")
    assert "review Theorem 2 " in source["hardt-ma/existence"]
    assert source["hardt-ma/critical-points-global"].startswith("Hardt & Ma, Theorem 2.2; review Theorem 1")
    assert source["hardt-ma/gradient-lower-bound-derived"].startswith("Hardt & Ma, eq. (2.3)")
    assert source["hardt-ma/gradient-lower-bound-paper"].startswith("Hardt & Ma, eq. (2.3) (after Theorem 2.2), as printed")
    assert source["hardt-ma/gradient-lower-bound"].startswith("Review of Hardt & Ma, equation (6)")
    for cid in source:
        assert "Lemma 2.3" not in source[cid] + (type(get_claim(cid)).__doc__ or "")


def test_the_package_re_exports_every_public_name_of_its_modules():
    from verify.claims.hardt_ma import existence, expressivity, linear, model

    for module in (model, linear, existence, expressivity):
        for name in module.__all__:
            assert getattr(hm, name) is getattr(module, name), (module.__name__, name)
    assert len(hm.__all__) == len(set(hm.__all__))


# ------------------------------------------------------------ certificates in ball arithmetic


@pytest.mark.parametrize("claim_id", ["hardt-ma/gradient-lower-bound", "hardt-ma/gradient-lower-bound-paper"])
def test_smallest_counterexample_is_certified(claim_id):
    """d = l = 1, A = 0, Sigma = (2), R = (2): ||grad f||^2 = 16 < 32, in exact arithmetic,
    with the hypotheses (tau < 1, Sigma > 0, ||A|| <= tau) proved too."""
    claim = get_claim(claim_id)
    instance = {k: np.asarray(v) for k, v in hm.linear._SMALLEST.items()}
    cert = claim.certify_refutation(instance)
    assert cert.status == "certified", cert.reason
    lo, hi = cert.enclosures["lhs"]
    assert lo <= 16.0 <= hi and cert.enclosures["rhs"][0] <= 32.0 <= cert.enclosures["rhs"][1]
    assert cert.enclosures["violation"][0] > 15.9


def test_a_bound_attained_with_equality_is_not_certified_violated():
    """The derived bound is attained exactly at A = 0, Sigma = 2.5 I: the violation's
    enclosure contains 0, so no certificate (a float64 tolerance is not the theorem)."""
    claim = get_claim("hardt-ma/gradient-lower-bound-derived")
    instance = {k: np.asarray(v) for k, v in hm.linear._AT_ZERO.items()}
    cert = claim.certify_refutation(instance)
    assert cert.status == "float64 only" and "does not exclude 0" in cert.reason


def test_an_instance_outside_b_tau_makes_the_refutation_inconclusive():
    claim = get_claim("hardt-ma/gradient-lower-bound")
    instance = {k: np.asarray(v) for k, v in hm.linear._SMALLEST.items()}
    instance["A"] = np.full((1, 1, 1), 0.5)  # ||A|| = 1/2 > tau = 0
    cert = claim.certify_refutation(instance)
    assert cert.status == "inconclusive" and "||A_1||_2 <= tau is false" in cert.reason


@pytest.mark.parametrize("claim_id,constant", [
    ("hardt-ma/gradient-lower-bound-derived", "gradient_lower_bound"),
    ("hardt-ma/gradient-lower-bound", "gradient_lower_bound_as_printed"),
    ("hardt-ma/gradient-lower-bound-paper", "gradient_lower_bound_in_paper"),
])
def test_certificate_constant_matches_the_float_constant(claim_id, constant):
    claim = get_claim(claim_id)
    instance = {k: np.asarray(v) for k, v in make_instance(claim, 0, 2).items()}
    cert = claim.certificate(instance)
    mu = float(getattr(hm, constant)(instance["A"].shape[0], instance["tau"], jnp.asarray(instance["Sigma"])))
    lo, hi = cert.enclosures["mu"]
    assert lo - 1e-12 * abs(mu) <= mu <= hi + 1e-12 * abs(mu)
