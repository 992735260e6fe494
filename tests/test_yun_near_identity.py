"""Unit tests of the near-identity part of `verify.claims.yun` (Yun, Sra & Jadbabaie, seed 004,
the poster's near-identity section): the forward passes, the Lipschitz bound of the blocks, the
projection onto F_L's norm balls, the losses and the linear solver, the risk bound and its
constant, the Rademacher estimator on the linear class (closed form), and bad input."""

import itertools
import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.test_util import check_grads

from verify import HOLDS, InvalidInstanceError, verdict
from verify.claims import yun as Y

NEAR = Y.NearIdentityRisk()
RAD = Y.RademacherComplexity()


def _normal(seed, shape):
    return jax.random.normal(jax.random.PRNGKey(seed), shape)


# ------------------------------------------------------------------------- forward passes


def test_near_identity_features_match_an_explicit_loop():
    x = np.asarray(_normal(0, (5, 3)))
    a, b = _normal(1, (4, 3, 2)), _normal(2, (4, 2, 3))
    V, U = (np.asarray(m) for m in Y.block_matrices(a, b, 0.8))
    h = x.copy()
    for l in range(4):
        h = h + np.tanh(h @ U[l].T) @ V[l].T
    np.testing.assert_allclose(np.asarray(Y.near_identity_features(jnp.asarray(x), V, U)), h, rtol=1e-14, atol=1e-15)
    w = np.array([0.3, -1.0, 2.0])
    y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    logistic = np.mean(np.log1p(np.exp(-y * (h @ w))))
    assert float(Y.near_identity_risk(w, a, b, x, y, 0.8, 0, 1.0)) == pytest.approx(logistic, rel=1e-13)


def test_relu_resnet_matches_an_explicit_loop_and_reduces_to_linear_with_v_zero():
    x = np.asarray(_normal(3, (6, 4)))
    w, V, U = np.asarray(_normal(4, (4,))), np.asarray(_normal(5, (3, 4, 2))), np.asarray(_normal(6, (3, 2, 4)))
    h = x.copy()
    for l in range(3):
        h = h + np.maximum(h @ U[l].T, 0.0) @ V[l].T
    np.testing.assert_allclose(np.asarray(Y.relu_resnet(x, w, V, U)), h @ w, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(Y.relu_resnet(x, w, 0 * V, U)), x @ w, rtol=1e-15)


def test_relu_resnet_is_positively_homogeneous_in_x():
    x = _normal(7, (5, 3))
    w, V, U = _normal(8, (3,)), _normal(9, (2, 3, 4)), _normal(10, (2, 4, 3))
    np.testing.assert_allclose(
        np.asarray(Y.relu_resnet(2.5 * x, w, V, U)), 2.5 * np.asarray(Y.relu_resnet(x, w, V, U)), rtol=1e-13
    )


# ------------------------------------------------------------- the blocks' Lipschitz bound


@pytest.mark.parametrize("L,rho,scale", [(1, 0.5, 1.0), (3, 1.7, 0.1), (8, 2.0, 30.0)])
def test_blocks_are_in_the_balls_and_rho_over_L_lipschitz_with_phi_zero_zero(L, rho, scale):
    d, m = 3, 2
    a, b = scale * _normal(L, (L, d, m)), scale * _normal(L + 1, (L, m, d))
    V, U = Y.block_matrices(a, b, rho)
    r = math.sqrt(rho / L)
    assert np.all(np.linalg.norm(np.asarray(V), axis=(1, 2)) < r)
    assert np.all(np.linalg.norm(np.asarray(U), axis=(1, 2)) < r)
    assert np.all(np.asarray(Y.block_lipschitz(V, U)) < rho / L)
    # empirical Lipschitz quotient of phi^l on random pairs, and phi^l(0) = 0
    h1, h2 = _normal(20, (200, d)) * 3.0, _normal(21, (200, d)) * 3.0
    for l in range(L):
        phi = lambda h: jnp.tanh(h @ U[l].T) @ V[l].T
        q = np.linalg.norm(np.asarray(phi(h1) - phi(h2)), axis=1) / np.linalg.norm(np.asarray(h1 - h2), axis=1)
        assert q.max() <= float(Y.block_lipschitz(V, U)[l]) * (1 + 1e-12)
        np.testing.assert_array_equal(np.asarray(phi(jnp.zeros((1, d)))), 0.0)


def test_the_residual_displacement_is_bounded_by_the_depth_factor():
    L, rho = 5, 1.5
    a, b = 10.0 * _normal(30, (L, 2, 3)), 10.0 * _normal(31, (L, 3, 2))  # near the ball's edge
    V, U = Y.block_matrices(a, b, rho)
    x = _normal(32, (50, 2)) * 4.0
    disp = np.linalg.norm(np.asarray(Y.near_identity_features(x, V, U) - x), axis=1)
    ratio = disp / np.linalg.norm(np.asarray(x), axis=1)
    assert ratio.max() <= float(Y.depth_factor(rho, L))
    assert ratio.max() > 0.1 * float(Y.depth_factor(rho, L))  # not vacuous


@pytest.mark.parametrize("L,rho", [(1, 0.5), (4, 1.5), (32, 2.0)])
def test_the_depth_factor_is_attained_in_the_limit(L, rho):
    """The displacement bound is sharp: with d = m = 1, blocks at the edge of the balls
    (V_l U_l -> rho/L) and x -> 0 (tanh(u) ~ u), h_L = (1 + rho/L)^L x. A wrong (smaller)
    factor fails here; the random cases above do not come close to it."""
    a = jnp.full((L, 1, 1), 1e5)
    V, U = Y.block_matrices(a, a, rho)
    x = jnp.full((1, 1), 1e-5)
    ratio = float(jnp.abs(Y.near_identity_features(x, V, U) - x)[0, 0] / 1e-5)
    factor = float(Y.depth_factor(rho, L))
    assert factor * (1 - 1e-6) <= ratio <= factor


def test_depth_factor_increases_with_depth_to_e_to_the_rho_minus_one():
    rho = 1.3
    values = [float(Y.depth_factor(rho, L)) for L in (1, 2, 4, 16, 256, 10**6)]
    assert values[0] == pytest.approx(rho, rel=1e-15)
    assert all(u < v for u, v in zip(values, values[1:]))
    assert values[-1] <= math.expm1(rho) and values[-1] == pytest.approx(math.expm1(rho), rel=1e-5)


def test_near_identity_constant_formula():
    x = np.array([[3.0, 4.0], [0.0, 1.0]])  # mean norm 3
    t = np.array([0.0, 2.0])
    c_L, c_free = Y.near_identity_constant(0.5, 4, 1.5, t, x)
    assert float(c_L) == pytest.approx(1.5 * ((1 + 0.5 / 4) ** 4 - 1) * 2 * 3, rel=1e-14)
    assert float(c_free) == pytest.approx(1.5 * math.expm1(0.5) * 2 * 3, rel=1e-14)


# ------------------------------------------------------------------ projection onto F_L


def test_projection_onto_the_class_is_feasible_idempotent_and_a_projection():
    L = 4
    w, V, U = 3.0 * _normal(40, (3,)), _normal(41, (L, 3, 2)), 0.01 * _normal(42, (L, 2, 3))
    pw, pV, pU = Y.project_onto_class(w, V, U)
    r = 1 / math.sqrt(L)
    assert float(jnp.linalg.norm(pw)) == pytest.approx(1.0, rel=1e-15)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(pV), axis=(1, 2)), r, rtol=1e-15)
    np.testing.assert_array_equal(np.asarray(pU), np.asarray(U))  # already inside: unchanged
    again = Y.project_onto_class(pw, pV, pU)
    for p, q in zip(again, (pw, pV, pU)):
        np.testing.assert_allclose(np.asarray(p), np.asarray(q), rtol=1e-15)
    # the projection inequality <z - Pz, y - Pz> <= 0 for feasible y (here: V's balls)
    for s in range(5):
        yV = Y.project_onto_class(w, _normal(50 + s, (L, 3, 2)), U)[1]
        inner = jnp.sum((V - pV) * (yV - pV), axis=(1, 2))
        assert np.all(np.asarray(inner) <= 1e-14)


def test_projection_with_a_custom_radius():
    V = _normal(60, (2, 3, 3))
    _, pV, _ = Y.project_onto_class(jnp.zeros(3), V, V, block_radius=0.0)
    np.testing.assert_array_equal(np.asarray(pV), 0.0)


# ----------------------------------------------------------------- losses and the solver


@pytest.mark.parametrize("code,delta", [(0, 1.0), (1, 0.7)])
def test_losses_pass_check_grads_at_generic_points(code, delta):
    y = jnp.array([1.0, -1.0, 1.0]) if code == 0 else jnp.array([0.3, -2.0, 1.1])
    p = jnp.array([0.45, 0.2, 3.0])  # Huber: |p - y| = 0.15, 2.2, 1.9 (away from the kinks at +-delta)
    check_grads(lambda q: jnp.sum(Y.loss_value(q, y, code, delta)), (p,), order=2, modes=["fwd", "rev"])


@pytest.mark.parametrize("code,delta", [(0, 1.0), (1, 0.7)])
def test_losses_are_convex_and_lipschitz_with_the_stated_constant(code, delta):
    p = jnp.linspace(-40.0, 40.0, 8001)
    for yv in ((-1.0, 1.0) if code == 0 else (-1.3, 0.0, 2.0)):
        y = jnp.full_like(p, yv)
        d1 = jax.vmap(jax.grad(lambda q, t: Y.loss_value(q, t, code, delta)))(p, y)
        d2 = jax.vmap(jax.grad(jax.grad(lambda q, t: Y.loss_value(q, t, code, delta))))(p, y)
        assert float(jnp.max(jnp.abs(d1))) <= float(Y.loss_lipschitz(code, delta)) * (1 + 1e-15)
        assert float(jnp.max(jnp.abs(d1))) >= 0.99 * float(Y.loss_lipschitz(code, delta))  # the constant is sharp
        assert float(jnp.min(d2)) >= 0.0


@pytest.mark.parametrize("code", [0, 1])
def test_linear_solver_agrees_with_an_independent_solver(code):
    """Damped Newton against optax's L-BFGS (an independent method) on the same risk."""
    inst = NEAR.generate(jax.random.PRNGKey(5), **NEAR.params[code])
    x, y, delta = inst["x"], inst["y"], inst["delta"]
    t, r, g = Y.solve_linear_risk(x, y, code, delta)
    f = lambda s: Y.linear_risk(s, x, y, code, delta)
    opt = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(f)

    @jax.jit
    def run(s):
        def step(carry, _):
            s, state = carry
            value, grad = value_and_grad(s, state=state)
            updates, state = opt.update(grad, state, s, value=value, grad=grad, value_fn=f)
            return (optax.apply_updates(s, updates), state), None

        (s, _), _ = jax.lax.scan(step, (s, opt.init(s)), None, length=300)
        return s

    ref = run(jnp.zeros(x.shape[1]))
    assert float(r) <= float(f(ref)) + 1e-12
    assert float(r) == pytest.approx(float(f(ref)), rel=1e-9)
    np.testing.assert_allclose(np.asarray(t), np.asarray(ref), rtol=1e-4, atol=1e-6)
    assert float(g) < 1e-10


# ------------------------------------------------------------------------- the risk bound


def _instance(code, seed=0):
    return NEAR.generate(jax.random.PRNGKey(seed), **NEAR.params[code])


@pytest.mark.parametrize("code", [0, 1])
def test_the_claim_holds_at_the_critical_points_found(code):
    ev = NEAR.check_instance(_instance(code, seed=2))
    assert verdict(ev) == HOLDS
    assert float(ev.measured["n_critical"]) >= 1  # the finders did find critical points
    # < 1 in exact arithmetic; the finder drives ||A_l|| up (blocks at the edge of the balls),
    # where it is 1 up to rounding, which the theorem allows (Lip <= rho/L)
    assert float(ev.measured["max_block_lipschitz_over_rho_by_L"]) <= 1.0 + 1e-12


def test_the_certified_form_holds_at_arbitrary_points_and_t():
    inst = _instance(0, seed=3)
    x, y, rho, delta = inst["x"], inst["y"], inst["rho"], inst["delta"]
    L = inst["a_starts"].shape[1]
    for s in range(5):
        w, a, b = 2 * _normal(70 + s, (2,)), 3 * _normal(80 + s, (L, 2, 2)), 3 * _normal(90 + s, (L, 2, 2))
        t = 2 * _normal(100 + s, (2,))
        g_w = jax.grad(Y.near_identity_risk)(w, a, b, x, y, rho, 0, delta)
        lhs = Y.near_identity_risk(w, a, b, x, y, rho, 0, delta) - jnp.linalg.norm(g_w) * jnp.linalg.norm(t - w)
        c_L, _ = Y.near_identity_constant(rho, L, 1.0, t, x)
        assert float(lhs) <= float(Y.linear_risk(t, x, y, 0, delta) + c_L)


@pytest.mark.parametrize("code", [0, 1])
def test_w_stationary_points_need_a_positive_constant_and_stay_within_it(code):
    """The adversarial probe finds blocks whose w-stationary risk EXCEEDS R_lin (so the
    claim with C = 0 would be refuted: the check can fail), but never by more than C."""
    inst = _instance(code, seed=0)
    ratio, _ = Y.w_stationary_probe(
        inst["x"], inst["y"], inst["rho"], inst["loss_code"], inst["delta"],
        0.3 * inst["a_starts"][0], 0.3 * inst["b_starts"][0], 100,
    )
    assert 0.0 < float(ratio) <= 1.0


def test_a_false_constant_is_refuted_by_the_same_comparison():
    """With C replaced by a tenth of the excess the probe found, the comparison the claim
    makes fails: it is not vacuous."""
    from verify.claims.base import compare

    inst = _instance(1, seed=0)
    args = (inst["x"], inst["y"], inst["rho"], inst["loss_code"], inst["delta"])
    ratio, risk = Y.w_stationary_probe(*args, 0.3 * inst["a_starts"][0], 0.3 * inst["b_starts"][0], 100)
    _, r_lin, _ = Y.solve_linear_risk(inst["x"], inst["y"], inst["loss_code"], inst["delta"])
    wrong_c = 0.1 * (risk - r_lin)
    ev = compare(risk, r_lin + wrong_c, "upper", 1e-9, scale=1.0)
    assert verdict(ev) == "refuted"


def test_permuting_hidden_units_leaves_the_risk_unchanged():
    inst = _instance(0, seed=6)
    x, y, rho, delta = inst["x"], inst["y"], inst["rho"], inst["delta"]
    w, a, b = inst["w_starts"][0], inst["a_starts"][0], inst["b_starts"][0]
    perm = jnp.array([1, 0])
    r1 = Y.near_identity_risk(w, a, b, x, y, rho, 0, delta)
    r2 = Y.near_identity_risk(w, a[:, :, perm], b[:, perm, :], x, y, rho, 0, delta)
    assert float(r2) == pytest.approx(float(r1), rel=1e-14)


def test_permuting_the_examples_leaves_the_verdict_and_the_constants_unchanged():
    inst = {k: np.asarray(v) for k, v in _instance(1, seed=7).items()}
    perm = np.random.default_rng(0).permutation(inst["x"].shape[0])
    shuffled = dict(inst, x=inst["x"][perm], y=inst["y"][perm])
    e1, e2 = NEAR.check_instance(inst), NEAR.check_instance(shuffled)
    assert verdict(e1) == verdict(e2) == HOLDS
    for k in ("R_lin", "C", "C_depth_free", "t_star_norm"):
        assert float(e2.measured[k]) == pytest.approx(float(e1.measured[k]), rel=1e-10)


# ----------------------------------------------------------------------- Rademacher


def _all_signs(n):
    return jnp.asarray(list(itertools.product((-1.0, 1.0), repeat=n)))


def test_linear_class_estimate_is_exact_sign_by_sign_and_in_expectation():
    """block_radius = 0: F is {w^T x : ||w|| <= 1}, whose sup for sigma is ||X^T sigma|| / n;
    over all 2^n sign vectors its mean is the exact empirical Rademacher complexity."""
    n, d, L, m, R = 7, 3, 2, 2, 2
    x = _normal(110, (n, d)) * 2.0
    sigma = _all_signs(n)
    K = sigma.shape[0]
    w0 = _normal(111, (K, R, d))
    V0, U0 = _normal(112, (K, R, L, d, m)), _normal(113, (K, R, L, m, d))
    S, lin = Y.rademacher_sup_estimates(x, sigma, w0, V0, U0, 20, 0.0)
    exact = np.array([np.linalg.norm(np.asarray(x).T @ np.asarray(s)) / n for s in sigma])
    np.testing.assert_allclose(np.asarray(S), exact, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(lin), exact, rtol=1e-13)
    # d = 1: E|sum sigma_i x_i| / n by enumeration, a second closed form
    x1 = _normal(114, (n, 1))
    S1, _ = Y.rademacher_sup_estimates(x1, sigma, w0[..., :1], V0[..., :1, :], U0[..., :1], 5, 0.0)
    assert float(jnp.mean(S1)) == pytest.approx(float(jnp.mean(jnp.abs(sigma @ x1[:, 0]))) / n, rel=1e-13)


def test_lower_estimate_is_between_the_linear_class_and_the_bounds():
    x = _normal(120, (12, 3))
    est = Y.rademacher_lower_estimate(jax.random.PRNGKey(0), x, 3, width=3, n_sigma=16, restarts=2, steps=60)
    assert np.all(np.asarray(est["per_sigma"]) >= 0)
    assert float(est["estimate"]) > float(est["linear"])  # the ReLU blocks add something
    assert float(est["upper"]) <= float(est["bound"])
    assert float(est["lower"]) <= float(est["estimate"]) <= float(est["upper"])
    assert float(est["std_error"]) > 0
    cap = float(Y.rademacher_function_bound(x, 3))
    assert float(jnp.max(est["per_sigma"])) <= cap


def test_estimate_scales_with_the_data():
    x = _normal(121, (10, 3))
    key = jax.random.PRNGKey(1)
    e1 = Y.rademacher_lower_estimate(key, x, 2, width=2, n_sigma=8, restarts=2, steps=40)
    e2 = Y.rademacher_lower_estimate(key, 3.0 * x, 2, width=2, n_sigma=8, restarts=2, steps=40)
    # Adam's steps are not scale-equivariant, so the ascent paths differ slightly; the
    # linear floor and the bound scale exactly.
    assert float(e2["linear"]) == pytest.approx(3.0 * float(e1["linear"]), rel=1e-13)
    assert float(e2["bound"]) == pytest.approx(3.0 * float(e1["bound"]), rel=1e-13)
    assert float(e2["estimate"]) == pytest.approx(3.0 * float(e1["estimate"]), rel=0.1)


def test_rademacher_by_depth_uses_the_same_signs_and_stays_below_the_bound():
    x = _normal(122, (10, 3))
    out = Y.rademacher_by_depth(jax.random.PRNGKey(2), x, [1, 4], width=2, n_sigma=8, restarts=2, steps=40)
    assert [float(r["L"]) for r in out] == [1.0, 4.0]
    assert float(out[0]["linear"]) == float(out[1]["linear"])  # same sign vectors
    for r in out:
        assert float(r["linear"]) <= float(r["estimate"]) <= float(r["bound"])


def test_the_rademacher_claim_holds_on_generated_instances():
    for p in RAD.params:
        ev = RAD.check_instance(RAD.generate(jax.random.PRNGKey(4), **p))
        assert verdict(ev) == HOLDS
        assert float(ev.measured["estimate_over_linear"]) > 1.0


# --------------------------------------------------------------------------- bad input


def _raises(fn, message):
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        fn()


@pytest.mark.parametrize("name,reason", [
    ("square", "not Lipschitz"), ("hinge", "not differentiable"), ("absolute", "not differentiable"),
    ("sigmoid", "not convex"), ("ramp", "neither convex nor differentiable"),
])
def test_losses_that_break_a_hypothesis_are_refused_with_the_reason(name, reason):
    _raises(lambda: Y.validate_loss(name), "loss must be convex, Lipschitz and differentiable in p")
    _raises(lambda: Y.validate_loss(name), f"got {name!r}")
    _raises(lambda: Y.validate_loss(name), reason)
    _raises(lambda: NEAR.generate(jax.random.PRNGKey(0), loss=name), f"got {name!r}")


def test_unknown_loss_and_bad_delta():
    _raises(lambda: Y.validate_loss("cauchy"), "loss must be one of ['huber', 'logistic']; got 'cauchy'")
    _raises(lambda: Y.validate_loss(len), "loss must be the name of a loss")
    _raises(lambda: Y.validate_loss("huber", delta=0.0), "delta must be a finite number > 0 (the Huber threshold); got 0.0")
    assert Y.validate_loss("huber", 0.5) == (1, 0.5)
    assert Y.validate_loss("logistic") == (0, 1.0)


def _bad(base, **changes):
    inst = {k: np.asarray(v) for k, v in base.items()}
    inst.update({k: np.asarray(v, dtype=np.float64) for k, v in changes.items()})
    return inst


@pytest.mark.parametrize("change,message", [
    (lambda i: {"y": i["y"][:-1]}, "y must have shape (n,) = (12,) to match x of shape (12, 2); got shape (11,)"),
    (lambda i: {"x": i["x"][:, :1]}, "w_starts must have shape (S, d) = (S, 1)"),
    (lambda i: {"a_starts": i["a_starts"][:, :0], "b_starts": i["b_starts"][:, :0]},
     "a_starts must have shape (S, L, d, m) = (S, L, 2, m) with L >= 1 blocks and width m >= 1; got shape (4, 0, 2, 2)"),
    (lambda i: {"a_starts": i["a_starts"][..., :0], "b_starts": i["b_starts"][:, :, :0]},
     "with L >= 1 blocks and width m >= 1; got shape (4, 3, 2, 0)"),
    (lambda i: {"b_starts": i["b_starts"][:, :2]}, "b_starts must have shape (S, L, m, d) = (4, 3, 2, 2) to match a_starts"),
    (lambda i: {"w_starts": i["w_starts"][:3]}, "w_starts and a_starts must hold the same number of starts; got 3 and 4"),
    (lambda i: {"rho": 0.0}, "rho must be > 0 (the blocks are rho/L-Lipschitz); got 0.0"),
    (lambda i: {"rho": np.ones(2)}, "rho must be a scalar; got shape (2,)"),
    (lambda i: {"loss_code": 2.0}, "loss_code must be one of [0.0, 1.0]"),
    (lambda i: {"delta": -1.0}, "delta must be > 0 (the Huber threshold and Lipschitz constant); got -1.0"),
    (lambda i: {"y": 0.5 * i["y"]}, "y must hold labels in {-1, +1} for the logistic loss (loss_code 0)"),
    (lambda i: {"x": np.ones(3)}, "x must have shape (n, d) with n, d >= 1; got shape (3,)"),
])
def test_near_identity_bad_instances(change, message):
    base = _instance(0)
    _raises(lambda: NEAR.check_instance(_bad(base, **change(base))), message)


def test_near_identity_missing_array_and_bad_structure():
    base = {k: v for k, v in _instance(0).items() if k != "rho"}
    _raises(lambda: NEAR.check_instance(base), "instance must hold 'rho'")
    _raises(lambda: NEAR.generate(jax.random.PRNGKey(0), L=0), "L (the number of residual blocks) must be an integer >= 1; got 0")
    _raises(lambda: NEAR.generate(jax.random.PRNGKey(0), m=0), "m (the width of each block) must be an integer >= 1; got 0")
    _raises(lambda: NEAR.generate(jax.random.PRNGKey(0), n=4, d=2), "n must be >= 2 d + 1 = 5 for the logistic instances")


def test_all_violations_are_reported_at_once():
    base = _instance(0)
    with pytest.raises(InvalidInstanceError) as info:
        NEAR.check_instance(_bad(base, rho=-1.0, delta=0.0))
    assert "rho must be > 0" in str(info.value) and "delta must be > 0" in str(info.value)


@pytest.mark.parametrize("change,message", [
    (lambda i: {"sigma": i["sigma"][:, :-1]}, "sigma must have shape (K, n) = (K, 16) with K >= 2 sign vectors; got shape (32, 15)"),
    (lambda i: {"sigma": 0.5 * i["sigma"]}, "sigma must hold signs -1 and +1; got 512 other values, e.g. "),
    (lambda i: {"w0": i["w0"][..., :3]}, "w0 must have shape (K, R, d) = (32, R, 4) with R >= 1 restarts; got shape (32, 3, 3)"),
    (lambda i: {"V0": i["V0"][:, :, :0], "U0": i["U0"][:, :, :0]},
     "V0 must have shape (K, R, L, d, m) = (32, R, L, 4, m) with L >= 1 blocks and width m >= 1"),
    (lambda i: {"V0": i["V0"][..., :0]}, "with L >= 1 blocks and width m >= 1, K and R as in w0 (32, 3, 4); got shape (32, 3, 2, 4, 0)"),
    (lambda i: {"U0": i["U0"][:, :, :1]}, "U0 must have shape (K, R, L, m, d) = (32, 3, 2, 4, 4) to match V0"),
    (lambda i: {"x": np.ones((16, 4, 1))}, "x must have shape (n, d) with n, d >= 1; got shape (16, 4, 1)"),
])
def test_rademacher_bad_instances(change, message):
    base = RAD.generate(jax.random.PRNGKey(0), **RAD.params[0])
    _raises(lambda: RAD.check_instance(_bad(base, **change(base))), message)


def test_rademacher_functions_reject_bad_arguments():
    x, key = _normal(130, (5, 2)), jax.random.PRNGKey(0)
    _raises(lambda: Y.rademacher_lower_estimate(key, x, 0), "L (the number of residual blocks) must be an integer >= 1; got 0")
    _raises(lambda: Y.rademacher_lower_estimate(key, x, 2, width=0), "width (the hidden width of each block) must be an integer >= 1; got 0")
    _raises(lambda: Y.rademacher_lower_estimate(key, x, 2, n_sigma=1), "n_sigma must be >= 2")
    _raises(lambda: Y.rademacher_lower_estimate(key, x[0], 2), "x must have shape (n, d) with n, d >= 1; got shape (2,)")
    _raises(lambda: Y.rademacher_lower_estimate(key, x, 2, block_radius=-1.0), "block_radius must be >= 0; got -1.0")
    _raises(lambda: Y.rademacher_by_depth(key, x, []), "depths must hold at least one depth L >= 1")
    _raises(lambda: Y.rademacher_by_depth(key, x, [2, 0]), "depths (each one a number of residual blocks) must be an integer >= 1; got 0")
    _raises(lambda: RAD.generate(key, L=0), "L (the number of residual blocks) must be an integer >= 1; got 0")
    _raises(lambda: RAD.generate(key, m=0), "m (the width of each block) must be an integer >= 1; got 0")


def test_claims_have_documentation_and_cite_the_seed():
    for claim in (NEAR, RAD):
        doc = type(claim).__doc__
        assert "References" in doc and "shared/seeds/004_b91220a50cbb67a9.txt" in doc
        assert "shared/seeds/004_b91220a50cbb67a9.txt" in claim.source
