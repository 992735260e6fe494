"""Unit tests of `verify.claims.liu` (Liu et al. / Du et al., seed 003): the closed-form loss
against Monte Carlo, its derivatives at the parallel and antiparallel points, the two optima,
Proposition 1's missing condition, gradient descent with eq. (8), the trap claim's margin,
bad input, and the package's re-exports."""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from verify import HOLDS, REFUTED, InvalidInstanceError, get_claim, verdict
import verify.statistics
from verify.claims import liu
from verify.claims.liu import claims as liu_claims
from verify.claims.liu import model
from verify.landscape import PointType


def _teacher(seed, p, k):
    kv, ka = jax.random.split(jax.random.PRNGKey(seed))
    v = jax.random.normal(kv, (p,))
    return v / jnp.linalg.norm(v), jax.random.normal(ka, (k,))


@pytest.mark.parametrize("p,k,seed", [(1, 1, 0), (2, 3, 1), (5, 2, 2)])
def test_closed_form_matches_monte_carlo(p, k, seed):
    v_star, a_star = _teacher(seed, p, k)
    kw, ka, km = jax.random.split(jax.random.PRNGKey(100 + seed), 3)
    w = jax.random.normal(kw, (p,)) / math.sqrt(p)
    a = jax.random.normal(ka, (k,))
    est = liu.monte_carlo_loss(km, w, a, v_star, a_star, 4, 4096)
    closed = float(liu.population_loss(w, a, v_star, a_star))
    # 5 standard errors: a false alarm with probability ~6e-7 under the CLT.
    assert abs(float(est.mean) - closed) <= 5 * float(est.std_error), (float(est.mean), closed)


def test_kernel_matches_monte_carlo_and_known_values():
    u = jnp.array([1.0, 0.0, 0.0])
    assert float(liu.relu_kernel(u, u)) == pytest.approx(0.5, rel=1e-15)  # E relu(z)^2 = 1/2
    assert float(liu.relu_kernel(u, -u)) == pytest.approx(0.0, abs=1e-16)
    assert float(liu.relu_kernel(u, jnp.array([0.0, 2.0, 0.0]))) == pytest.approx(2.0 / (2 * math.pi), rel=1e-14)
    v = jnp.array([0.3, -1.2, 0.5])
    z = jax.random.normal(jax.random.PRNGKey(0), (400_000, 3))
    mc = jnp.mean(jax.nn.relu(z @ u) * jax.nn.relu(z @ v))
    se = jnp.std(jax.nn.relu(z @ u) * jax.nn.relu(z @ v)) / math.sqrt(z.shape[0])
    assert abs(float(mc - liu.relu_kernel(u, v))) <= 5 * float(se)


def test_loss_passes_check_grads_at_a_generic_point():
    v_star, a_star = _teacher(3, 4, 3)
    loss = model._flat_loss(v_star, a_star)
    x = jax.random.normal(jax.random.PRNGKey(4), (7,))
    # jitted: the same derivatives (custom rules included), compiled instead of run op by op
    check_grads(jax.jit(loss), (x,), order=2, modes=["fwd", "rev"])


@pytest.mark.parametrize("p,k", [(1, 2), (3, 3), (8, 5)])
def test_hessian_is_finite_and_exact_at_parallel_and_antiparallel_points(p, k):
    v_star, a_star = _teacher(p + k, p, k)
    loss = model._flat_loss(v_star, a_star)
    grad, hess = jax.jit(jax.grad(loss)), jax.jit(jax.hessian(loss))
    a = jax.random.normal(jax.random.PRNGKey(9), (k,))
    for sign in (1.0, -1.0):
        for alpha in (0.3, 1.0, 3.0):
            x = jnp.concatenate([sign * alpha * v_star - 1 / math.sqrt(p), a])
            g, h = grad(x), hess(x)
            assert np.all(np.isfinite(g)) and np.all(np.isfinite(h))
            closed = liu.optimum_hessian(a, a_star, v_star, alpha, sign)
            scale = max(float(jnp.max(jnp.abs(closed))), abs(float(a @ a_star)) / (2 * alpha**2))
            assert float(jnp.max(jnp.abs(h - closed))) <= 1e-7 * scale
            # and the central finite difference of the gradient agrees (its error is O(eps))
            eps = 1e-6
            fd = jnp.stack([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps) for e in jnp.eye(p + k)])
            assert float(jnp.max(jnp.abs(fd - closed))) <= 1e-5 * scale


def test_naive_arccos_gives_a_nan_or_wrong_hessian_at_the_optimum():
    """The reason for the custom derivative: autodiff through clip(arccos(c)) at the optimum
    gives NaN (0/0 where c == 1) or, when rounding puts c above 1 and clip cuts the
    derivative, a finite Hessian without its (w, w) block. Ours is finite and exact."""
    v_star, a_star = _teacher(1, 3, 2)

    def naive(x):
        v = x[:3] + 1 / math.sqrt(3)
        c = jnp.dot(v, v_star) / jnp.linalg.norm(v)
        theta = jnp.arccos(jnp.clip(c, -1, 1))
        h = jnp.sin(theta) + (math.pi - theta) * c
        return model._quadratic_form(x[3:], a_star, h)

    hess_naive = jax.jit(jax.hessian(naive))
    hess_ours = jax.jit(jax.hessian(model._flat_loss(v_star, a_star)))
    for alpha in (1.0, 0.7, 1.3, 2.9):
        x = jnp.concatenate([alpha * v_star - 1 / math.sqrt(3), a_star])
        closed = liu.optimum_hessian(a_star, a_star, v_star, alpha, 1.0)
        h_naive = hess_naive(x)
        bad = (not np.all(np.isfinite(h_naive))) or float(jnp.max(jnp.abs(h_naive - closed))) > 0.1 * float(jnp.max(jnp.abs(closed)))
        assert bad, alpha
        h = hess_ours(x)
        assert float(jnp.max(jnp.abs(h - closed))) <= 1e-7 * float(jnp.max(jnp.abs(closed)))


def test_spurious_weights_formula_and_curvature_sign():
    a_star = jnp.array([0.7, -1.3, 0.4, 2.0])
    k = 4
    direct = jnp.linalg.solve(jnp.ones((k, k)) + (math.pi - 1) * jnp.eye(k), (jnp.ones((k, k)) - jnp.eye(k)) @ a_star)
    np.testing.assert_allclose(liu.spurious_output_weights(a_star), direct, rtol=1e-13)
    assert float(liu.spurious_curvature(a_star)) == pytest.approx(float(direct @ a_star), rel=1e-13)
    # the gradient in a vanishes at theta = pi there
    grad_a = jax.grad(liu.population_loss_v, argnums=1)(-jnp.array([1.0, 0, 0]), direct, jnp.array([1.0, 0, 0]), a_star)
    assert float(jnp.linalg.norm(grad_a)) < 1e-14


_CLASSIFY_OPTIMA = jax.jit(liu_claims._classify_optima)


def _classify(p, a_star, alpha=1.0, seed=0):
    v_star, _ = _teacher(seed, p, 1)
    return _CLASSIFY_OPTIMA(v_star, jnp.asarray(a_star, jnp.float64), jnp.asarray(alpha))


def test_spurious_point_is_a_degenerate_saddle_when_the_condition_fails():
    """A counterexample to Proposition 1 as printed: p = k = 3, a* = (1, 1, 1):
    (1^T a*)^2 = 9 > (k + pi - 1) ||a*||^2 / pi = 4.91; and the smallest, p = k = 2,
    a* = (1, 1): 4 > 2.64, through the claim."""
    cg, cs, _ = _classify(3, [1.0, 1.0, 1.0])
    assert int(cg.point_type) == PointType.LOCAL_MINIMUM
    assert int(cs.point_type) == PointType.DEGENERATE_SADDLE
    assert float(cs.sphere_drop) < 0
    claim = get_claim("liu/optima")
    inst = {"v_star": _teacher(0, 2, 1)[0], "a_star": jnp.array([1.0, 1.0]), "alpha": jnp.asarray(1.0)}
    assert verdict(claim.check_instance(inst)) == REFUTED


def test_spurious_point_shows_no_descent_when_the_condition_holds():
    cg, cs, _ = _classify(3, [1.0, -1.0, 0.5])
    assert float(liu.spurious_curvature(jnp.array([1.0, -1.0, 0.5]))) < 0
    assert int(cg.point_type) == PointType.LOCAL_MINIMUM
    assert int(cs.point_type) == PointType.DEGENERATE_UNDECIDED


def test_p_equal_one_spurious_point_is_a_strict_local_minimum_for_any_a_star():
    for a_star in ([1.0, 1.0, 1.0], [2.0, 0.5, 1.0]):
        cg, cs, _ = _classify(1, a_star)
        assert int(cg.point_type) == PointType.LOCAL_MINIMUM
        assert int(cs.point_type) == PointType.LOCAL_MINIMUM
        assert float(cs.loss) > 0


def test_k_equal_one_spurious_point_has_a_zero_and_is_undecided_by_the_engine():
    """k = 1: a_s = 0, the loss is flat in w there and the descent is of sixth order,
    beyond the higher-order test (documented in `spurious_curvature`)."""
    assert float(liu.spurious_output_weights(jnp.array([1.7]))[0]) == pytest.approx(0.0, abs=1e-15)
    _, cs, _ = _classify(3, [1.7])
    assert int(cs.point_type) == PointType.DEGENERATE_UNDECIDED


def test_derived_claim_rejects_instances_that_break_its_condition():
    claim = get_claim("liu/optima-derived")
    inst = {"v_star": jnp.array([1.0, 0.0]), "a_star": jnp.array([1.0, 1.0]), "alpha": jnp.asarray(1.0)}
    with pytest.raises(InvalidInstanceError, match=re.escape("a_star must satisfy (1^T a*)^2 <")):
        claim.check_instance(inst)


def test_gd_from_zero_converges_and_records_two_stages():
    claim = get_claim("liu/gd-normalised")
    p, k = 6, 3
    e = jnp.ones(p) / math.sqrt(p)
    q = jnp.zeros(p).at[0].set(1.0)
    q = (q - (q @ e) * e) / jnp.linalg.norm(q - (q @ e) * e)
    v_star = math.cos(math.pi / 3) * e + math.sin(math.pi / 3) * q  # ||w*|| = 1: the boundary
    a_star = jnp.array([1.0, 2.0, -0.5])
    radius = abs(float(a_star.sum())) / math.sqrt(k)
    a0 = -radius * a_star / jnp.linalg.norm(a_star)  # the worst point of the ball
    inst = {"v_star": v_star, "a_star": a_star, "a0": a0, "start_key": jnp.array([0.0, 7.0])}
    ev = claim.check_instance(inst)
    assert verdict(ev) == HOLDS
    m = {n: float(x) for n, x in ev.measured.items()}
    assert m["angle_start"] == pytest.approx(math.pi / 3, rel=1e-12)
    assert m["stage_boundary"] >= 1  # stage I: a^T a* < 0 at the start
    assert m["angle_max"] > m["angle_start"]  # the angle grows in stage I...
    assert m["angle_end"] < 1e-6  # ...and converges in stage II


def test_gd_from_the_antiparallel_side_is_trapped():
    """Near -v* with a at its spurious value GD stays in the spurious basin (condition holds)."""
    p = 3
    v_star = jnp.array([1.0, 0.0, 0.0])
    a_star = jnp.array([1.0, -1.0, 0.5])
    w0 = -0.9 * v_star + jnp.array([0.0, 0.3, 0.0]) - 1 / math.sqrt(p)
    a0 = liu.spurious_output_weights(a_star)
    w, a, trace = liu.normalised_gd(w0, a0, v_star, a_star, 500)
    trapped, success, undecided = model._outcome(w, a, v_star, a_star)
    assert float(trapped) == 1.0 and float(trace[-1, 0]) > float(trace[0, 0])


def test_trap_probability_is_zero_when_there_is_no_spurious_minimum():
    v_star, _ = _teacher(5, 4, 1)
    a_star = jnp.array([1.0, 1.2])  # (1^T a*)^2 = 4.84 > (k + pi - 1) ||a*||^2 / pi = 3.21
    assert float(liu.spurious_curvature(a_star)) > 0
    est = liu.trap_probability(jax.random.PRNGKey(0), v_star, a_star, 64, 600)
    assert float(est.mean[0]) == 0.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: liu.validate_teacher(jnp.array([1.0, 1.0]), jnp.ones(2)), "v_star must have unit norm"),
        (lambda: liu.validate_teacher(jnp.zeros((0,)), jnp.ones(2)), "v_star must have shape (p,) with p >= 1"),
        (lambda: liu.validate_teacher(jnp.array([1.0]), jnp.zeros((0,))), "a_star must have shape (k,) with k >= 1"),
        (lambda: liu.validate_teacher(jnp.array([1.0]), jnp.zeros(2)), "a_star must be non-zero"),
        (lambda: liu.validate_student(-jnp.ones(4) / 2.0, jnp.ones(2), 4, 2), "1/sqrt(p) + w must be non-zero"),
        (lambda: liu.validate_student(jnp.ones(3), jnp.ones(2), 4, 2), "w must have shape (p,) = (4,)"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, message):
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        call()


def test_claims_reject_bad_instances():
    claim = get_claim("liu/population-loss")
    good = claim.generate(jax.random.PRNGKey(0), **claim.params[0])
    bad = dict(good, v_star=2.0 * good["v_star"])
    with pytest.raises(InvalidInstanceError, match=re.escape("v_star must have unit norm")):
        claim.check_instance(bad)
    p = good["w"].shape[0]
    bad = dict(good, w=-jnp.ones(p) / math.sqrt(p))
    with pytest.raises(InvalidInstanceError, match=re.escape("1/sqrt(p) + w must be non-zero")):
        claim.check_instance(bad)
    prior = get_claim("liu/shortcut-prior")
    with pytest.raises(InvalidInstanceError, match=re.escape("v_star must satisfy Assumption 1")):
        prior.check_instance({"v_star": jnp.array([1.0, -1.0]) / math.sqrt(2), "c": jnp.asarray(1.0)})


def test_shortcut_prior_p_one_and_tight_boundary():
    prior = get_claim("liu/shortcut-prior")
    assert verdict(prior.check_instance({"v_star": jnp.array([1.0]), "c": jnp.asarray(1.0)})) == HOLDS
    e = jnp.ones(2) / math.sqrt(2)
    q = jnp.array([1.0, -1.0]) / math.sqrt(2)
    v = math.cos(math.pi / 3) * e + math.sin(math.pi / 3) * q  # ||w*|| = 1
    ev = prior.check_instance({"v_star": v, "c": jnp.asarray(1.0)})
    assert verdict(ev) == HOLDS
    assert float(ev.measured["shortcut_projection"]) == pytest.approx(0.5, abs=1e-15)  # tight


def test_trap_probability_needs_two_runs():
    with pytest.raises(ValueError, match=re.escape("runs must be at least 2 (the sample variance needs two runs); got 1")):
        liu.trap_probability(jax.random.PRNGKey(0), jnp.array([1.0, 0.0]), jnp.array([1.0, -1.0]), 1, 10)


def test_package_reexports_every_public_name():
    """`verify.claims.liu` is a package (model, claims); its public names stay where they were."""
    homes = (liu_claims, model, verify.statistics)  # wilson_interval moved to verify.statistics
    for name in liu.__all__:
        home = next(m for m in homes if name in m.__all__)
        assert getattr(liu, name) is getattr(home, name), name
    assert set(liu.__all__) == set(liu_claims.__all__) | set(model.__all__) | {"wilson_interval"}
    assert {type(get_claim(i)) for i in ("liu/population-loss", "liu/optima", "liu/optima-derived",
            "liu/shortcut-prior", "liu/gd-normalised", "du/random-init-trap")} == {
        liu.PopulationLoss, liu.OptimaAsPrinted, liu.OptimaDerived, liu.ShortcutPrior,
        liu.NormalisedGradientDescent, liu.RandomInitTrap}


def _old_trap_margin(lower, upper):
    """The trap claim's margin before the common scale: overlap / width (same sign)."""
    lo, hi = liu.TRAP_INTERVAL
    return (min(upper, hi) - max(lower, lo)) / max(upper - lower, 1e-12)


@pytest.mark.parametrize("trapped, undecided", [(0, 0), (0, 3), (2, 0), (20, 5), (40, 0), (64, 0),
                                                (100, 0), (110, 10), (120, 8), (128, 0)])
def test_trap_margin_is_on_the_scale_with_the_old_sign(trapped, undecided):
    """`_trap_margin`: 1 where the estimate meets [1/4, 3/4], 0 where Wilson's interval just
    reaches it, negative exactly where the old overlap / width was negative."""
    n, z = liu.TRAP_RUNS, verify.statistics.z_value(1e-6)
    lower = float(verify.statistics.wilson_interval(trapped, n, z)[0])
    upper = float(verify.statistics.wilson_interval(trapped + undecided, n, z)[1])
    margin = float(liu_claims._trap_margin(trapped / n, (trapped + undecided) / n, lower, upper))
    assert (margin >= 0) == (_old_trap_margin(lower, upper) >= 0)
    lo, hi = liu.TRAP_INTERVAL
    least, most = trapped / n, (trapped + undecided) / n
    if least <= hi and most >= lo:
        assert margin == 1.0
    elif most < lo:
        assert margin == pytest.approx(1 - (lo - most) / (upper - most))
    else:
        assert margin == pytest.approx(1 - (least - hi) / (least - lower))


def test_trap_margin_reads_zero_where_the_interval_ends_at_the_claimed_range():
    assert float(liu_claims._trap_margin(0.1, 0.1, 0.05, 0.25)) == pytest.approx(0.0, abs=1e-15)
    assert float(liu_claims._trap_margin(0.9, 0.9, 0.75, 0.95)) == pytest.approx(0.0, abs=1e-15)
    assert float(liu_claims._trap_margin(0.1, 0.1, 0.05, 0.2)) < 0


def _optima_instance(p, a_star, alpha=1.0):
    return {"v_star": np.asarray(_teacher(0, p, 1)[0]), "a_star": np.asarray(a_star, np.float64),
            "alpha": np.asarray(alpha)}


def test_optima_refutation_is_certified_by_a_descent_curve():
    """a* = (1, 1): a_s . a* > 0 in balls, and the loss along the sphere from -v* (a = a_s)
    is enclosed below L_s at every angle tried, each drop near -(a_s . a*) d^3 / (6 pi)."""
    claim = get_claim("liu/optima")
    inst = _optima_instance(2, [1.0, 1.0])
    cert = claim.certify_refutation(inst)
    assert cert.status == "certified", cert.reason
    lo, hi = cert.enclosures["a_s . a_star"]
    assert lo > 0
    curvature = float(liu.spurious_curvature(jnp.array([1.0, 1.0])))
    assert lo <= curvature <= hi
    for d in liu.OptimaAsPrinted.CURVE_ANGLES:
        lo, hi = cert.enclosures[f"L(d={d:g}) - L_s"]
        assert hi < 0
        assert lo == pytest.approx(-curvature * d**3 / (6 * math.pi), rel=d**2)
    # L_s is the float64 loss at the spurious point
    v_star = jnp.asarray(inst["v_star"])
    a_s = liu.spurious_output_weights(jnp.array([1.0, 1.0]))
    ls = float(liu.population_loss(-v_star - 1 / math.sqrt(2), a_s, v_star, jnp.array([1.0, 1.0])))
    assert cert.enclosures["L_s"][0] == pytest.approx(ls, rel=1e-14)


def test_optima_certificate_says_inconclusive_where_the_spurious_point_is_a_minimum():
    """a* = (1, -1, 0.5) meets the condition: the point is a local minimum, a float64
    refutation there could not stand."""
    cert = get_claim("liu/optima").certify_refutation(_optima_instance(3, [1.0, -1.0, 0.5]))
    assert cert.status == "inconclusive"
    assert cert.enclosures["a_s . a_star"][1] < 0


@pytest.mark.parametrize("p, a_star, words", [(3, [1.7], "uncertified: degenerate"), (1, [1.0, 1.0], "p = 1")])
def test_optima_certificate_never_guesses_at_degenerate_or_one_dimensional_cases(p, a_star, words):
    cert = get_claim("liu/optima").certify_refutation(_optima_instance(p, a_star))
    assert cert.status == "float64 only"
    assert words in cert.reason
