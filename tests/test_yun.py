"""Unit tests of `verify.claims.yun` (Yun, Sra & Jadbabaie, seed 004): the ResNet's forward pass
against a hand-written loop, derivatives against finite differences, R_lin against NumPy and
its certificate, the two conditions, matrix-free against dense curvature, the claims on a few
instances, and bad input."""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from verify import HOLDS, InvalidInstanceError, get_claim, verdict
from verify.claims import yun
from verify.tolerances import TOLERANCES

DICHOTOMY, SINGLE = get_claim("yun/dichotomy"), get_claim("yun/single-block")


def _problem(seed=0, d=3, depth=2, loss="square", samples=12, scale=0.8, m=1, k=2, n=2):
    arch = yun.Architecture.make(d, depth, m, k, n)
    kp, kd = jax.random.split(jax.random.PRNGKey(seed))
    params = yun.init_params(kp, arch, scale)
    x, y = yun.make_data(kd, d, samples, loss)
    return arch, params, x, y


def _numpy_forward(params, x, activations):
    """The poster's recursion, one sample at a time, in NumPy."""
    act = {"tanh": np.tanh, "softplus": lambda s: np.log1p(np.exp(-np.abs(s))) + np.maximum(s, 0)}
    p = {k: np.asarray(v) for k, v in params.items()}
    depth = len(activations)
    out_f, out_h = [], []
    for xi in np.asarray(x):
        h = xi.copy()
        for l in range(1, depth + 1):
            s = h if l == 1 else p[f"U{l}"] @ h
            phi = p[f"A{l}"] @ act[activations[l - 1]](p[f"B{l}"] @ s + p[f"b{l}"])
            h = h + p[f"V{l}"] @ phi
        out_h.append(h)
        out_f.append(p["w"] @ h)
    return np.array(out_f), np.array(out_h)


# ------------------------------------------------------------------ the model


@pytest.mark.parametrize("depth,acts", [(1, ("tanh",)), (2, ("softplus", "tanh")), (3, ("tanh", "tanh", "softplus"))])
def test_forward_pass_matches_a_hand_written_loop(depth, acts):
    arch, params, x, _ = _problem(depth, d=4, depth=depth, m=2, k=3, n=2)
    f, h = yun.resnet_forward(params, x, acts)
    f_ref, h_ref = _numpy_forward(params, x, acts)
    np.testing.assert_allclose(np.asarray(h), h_ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(np.asarray(f), f_ref, rtol=1e-13, atol=1e-13)
    theta, unflatten = yun.flatten_params(params)
    assert theta.shape == (arch.size,) and theta.dtype == jnp.float64
    back = unflatten(theta)
    assert all(np.array_equal(back[k], params[k]) for k in params)


def test_zero_residual_branches_give_the_linear_predictor():
    _, params, x, _ = _problem(3, depth=3)
    params = {k: (jnp.zeros_like(v) if k.startswith("A") else v) for k, v in params.items()}
    f, h = yun.resnet_forward(params, x)
    np.testing.assert_array_equal(np.asarray(h), np.asarray(x))
    np.testing.assert_allclose(np.asarray(f), np.asarray(x @ params["w"]), rtol=1e-15)


def test_permuting_hidden_units_leaves_the_risk_unchanged():
    """Metamorphic: phi^l(s) = A sigma(B s + b) is invariant under a permutation of its
    hidden units (rows of B, b, columns of A)."""
    _, params, x, y = _problem(4, depth=2, k=3)
    perm = np.array([2, 0, 1])
    moved = dict(params, B2=params["B2"][perm], b2=params["b2"][perm], A2=params["A2"][:, perm])
    r0 = yun.empirical_risk(params, x, y, "square", ("tanh", "softplus"))
    r1 = yun.empirical_risk(moved, x, y, "square", ("tanh", "softplus"))
    assert float(r1) == pytest.approx(float(r0), rel=1e-14)


@pytest.mark.parametrize("loss", yun.LOSSES)
def test_risk_passes_check_grads_order_two(loss):
    _, params, x, y = _problem(5, depth=2, loss=loss)
    theta, unflatten = yun.flatten_params(params)
    risk = jax.jit(lambda th: yun.empirical_risk(unflatten(th), x, y, loss, ("tanh", "softplus")))
    check_grads(risk, (theta,), order=2, modes=["fwd", "rev"])


@pytest.mark.parametrize("loss", yun.LOSSES)
def test_gradient_matches_central_finite_differences(loss):
    _, params, x, y = _problem(6, depth=3, loss=loss)
    theta, unflatten = yun.flatten_params(params)
    risk = jax.jit(lambda th: yun.empirical_risk(unflatten(th), x, y, loss, "softplus"))
    g = np.asarray(jax.grad(risk)(theta))
    eps = 1e-6
    eye = np.eye(theta.shape[0])
    fd = np.array([(float(risk(theta + eps * e)) - float(risk(theta - eps * e))) / (2 * eps) for e in eye])
    # central differences: error O(eps^2 f''') + O(ulp(f) / eps) ~ 1e-10
    np.testing.assert_allclose(g, fd, atol=1e-8 * max(1.0, np.max(np.abs(g))))


def test_loss_derivatives_match_autodiff():
    p = jnp.linspace(-4, 4, 9)
    for loss in yun.LOSSES:
        y = jnp.where(jnp.arange(9) % 2 == 0, 1.0, -1.0)
        d1 = jax.vmap(jax.grad(lambda q, t: yun.per_sample_loss(q, t, loss)))(p, y)
        d2 = jax.vmap(jax.grad(jax.grad(lambda q, t: yun.per_sample_loss(q, t, loss))))(p, y)
        np.testing.assert_allclose(d1, yun.loss_derivative(p, y, loss), rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(d2, yun.loss_second_derivative(p, y, loss), rtol=1e-14, atol=1e-16)
        assert np.all(np.asarray(d2) > 0)  # convex in p


# ------------------------------------------------------------------ R_lin and its certificate


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_square_linear_fit_matches_numpy_lstsq(seed):
    _, _, x, y = _problem(seed, d=4, samples=15)
    fit = yun.linear_fit(x, y, "square")
    t_np = np.linalg.lstsq(np.asarray(x), np.asarray(y), rcond=None)[0]
    np.testing.assert_allclose(np.asarray(fit.t), t_np, rtol=1e-11, atol=1e-12)
    r_np = np.mean((np.asarray(x) @ t_np - np.asarray(y)) ** 2)
    assert float(fit.risk) == pytest.approx(r_np, rel=1e-13)
    assert 0.0 <= float(fit.gap) <= 1e-20 and np.isfinite(float(fit.radius))


def _numpy_logistic(x, y, iters=100):
    """Reference: plain Newton in NumPy on the mean logistic loss (well-posed data only)."""
    x, y = np.asarray(x), np.asarray(y)
    t = np.zeros(x.shape[1])
    for _ in range(iters):
        z = y * (x @ t)
        s = 1.0 / (1.0 + np.exp(z))  # sigma(-z)
        g = -(x * (y * s)[:, None]).mean(0)
        h = (x * (s * (1 - s))[:, None]).T @ x / len(y)
        step = np.linalg.solve(h, g)
        a = 1.0
        f = lambda tt: np.mean(np.logaddexp(0.0, -y * (x @ tt)))
        while f(t - a * step) > f(t) and a > 1e-12:
            a /= 2
        t = t - a * step
    return t, np.mean(np.logaddexp(0.0, -y * (x @ t)))


@pytest.mark.parametrize("seed", [0, 3])
def test_logistic_linear_fit_matches_numpy_newton_and_is_certified(seed):
    _, _, x, y = _problem(seed, d=3, loss="logistic", samples=20)
    fit = yun.linear_fit(x, y, "logistic")
    t_np, r_np = _numpy_logistic(x, y)
    np.testing.assert_allclose(np.asarray(fit.t), t_np, rtol=1e-9, atol=1e-10)
    assert float(fit.risk) == pytest.approx(r_np, rel=1e-13)
    assert np.isfinite(float(fit.gap)) and float(fit.gap) <= 1e-20


def test_certificate_is_a_true_bound_away_from_the_optimum():
    """At perturbed t the certificate must still bound F(t) - F(t*) from above, and be close
    to it (strong convexity makes it tight to a factor of the condition number)."""
    _, _, x, y = _problem(7, d=3, loss="logistic", samples=20)
    best = yun.linear_fit(x, y, "logistic")
    risk = lambda t: float(jnp.mean(yun.per_sample_loss(x @ t, y, "logistic")))
    for j, size in enumerate([1e-4, 1e-2, 1e-1]):
        direction = jax.random.normal(jax.random.PRNGKey(j), (3,))
        t = best.t + size * direction / jnp.linalg.norm(direction)
        gap, mu, rho = yun.certified_gap(t, x, y, "logistic")
        true_gap = risk(t) - float(best.risk)
        assert np.isfinite(float(gap)), size
        assert true_gap <= float(gap) * (1 + 1e-9) + 1e-15, (size, true_gap, float(gap))
        assert float(gap) <= 100 * true_gap, (size, true_gap, float(gap))


def test_certificate_fails_on_separable_data():
    """Linearly separable data: R_lin = 0 is not attained; nothing may be certified."""
    x = jax.random.normal(jax.random.PRNGKey(0), (12, 2))
    y = jnp.where(x[:, 0] > 0, 1.0, -1.0)
    fit = yun.linear_fit(x, y, "logistic")
    assert float(fit.gap) == math.inf and float(fit.radius) == math.inf


def test_generated_logistic_data_are_not_separable():
    """The built-in pairs: for every direction t some sample has y t^T x < 0."""
    _, _, x, y = _problem(8, d=3, loss="logistic", samples=12)
    for j in range(50):
        t = jax.random.normal(jax.random.PRNGKey(j), (3,))
        assert float(jnp.min(y * (x @ t))) < 0


# ------------------------------------------------------------------ the conditions


def test_second_condition_structural_and_numerical():
    _, params, x, y = _problem(9, d=3, depth=3, m=1)
    cond = yun.hypothesis_conditions(params, x, y, "square")
    assert float(cond.row_space_gap) == 0.0 and bool(cond.second)  # sum m_l = 2 < 3
    # the null vector is orthogonal to every row of U_2, U_3
    for l in (2, 3):
        assert float(jnp.max(jnp.abs(params[f"U{l}"] @ cond.null_vector))) <= 1e-14
    _, full, x, y = _problem(9, d=2, depth=3, m=1)  # sum m_l = 2 = d_x: generically spans
    assert not bool(yun.hypothesis_conditions(full, x, y, "square").second)
    parallel = dict(full, U3=2.0 * full["U2"])  # same row twice: rank 1 < 2
    cond = yun.hypothesis_conditions(parallel, x, y, "square")
    assert float(cond.row_space_gap) <= 1e-15 and bool(cond.second)


def test_first_condition_fails_when_h_is_confined_to_a_plane():
    _, params, x, y = _problem(10, d=3, depth=2)
    x = x.at[:, 2].set(0.0)  # inputs in a plane, and branches that write into it only
    params = dict(params, V1=params["V1"].at[2].set(0.0), V2=params["V2"].at[2].set(0.0))
    cond = yun.hypothesis_conditions(params, x, y, "square")
    assert float(cond.full_rank_ratio) <= 1e-15 and not bool(cond.first)
    _, params, x, y = _problem(10, d=3, depth=2)
    assert bool(yun.hypothesis_conditions(params, x, y, "square").first)


def test_loss_codes_select_the_named_loss():
    """Instances store the loss as a code; the traced selection equals the named loss."""
    _, params, x, y = _problem(12, depth=2, loss="logistic")
    for name in yun.LOSSES:
        code = jnp.asarray(yun.loss_code(name))
        by_name = yun.empirical_risk(params, x, y, name)
        by_code = jax.jit(lambda c: yun.empirical_risk(params, x, y, c))(code)
        assert float(by_code) == pytest.approx(float(by_name), rel=1e-15)
        fit_name, fit_code = yun.linear_fit(x, y, name), jax.jit(lambda c: yun.linear_fit(x, y, c))(code)
        np.testing.assert_allclose(np.asarray(fit_code.t), np.asarray(fit_name.t), rtol=1e-12)


def test_promised_curvature_edge_cases():
    assert float(yun.promised_curvature(-1.0, 1.0, 1.0, 1.0)) == 0.0
    assert float(yun.promised_curvature(1.0, 1.0, 0.0, 1.0)) == math.inf
    # b = 1 / (2 * 3), kappa = b^2 / (A + b)
    b = 1.0 / 6.0
    assert float(yun.promised_curvature(1.0, 2.0, 3.0, 0.5)) == pytest.approx(b * b / (0.5 + b), rel=1e-15)


def test_single_block_bound_holds_at_random_points():
    """R - R_lin(t) <= bound at every point with w != 0, critical or not (exact inequality)."""
    for seed in range(6):
        loss = yun.LOSSES[seed % 2]
        _, params, x, y = _problem(seed, d=3, depth=1, loss=loss, scale=0.3 + 0.3 * seed)
        fit = yun.linear_fit(x, y, loss)
        bound = float(yun.single_block_bound(params, x, y, loss, fit.t))
        excess = float(yun.empirical_risk(params, x, y, loss) - fit.risk)
        assert excess <= bound + 1e-12, (seed, excess, bound)


def test_single_block_bound_is_sharp_at_the_linear_point():
    """At V_1 = 0, A_1 = 0, w = t* (the linear predictor as a ResNet) the point is critical,
    R = R_lin and the bound vanishes."""
    _, params, x, y = _problem(11, d=3, depth=1)
    fit = yun.linear_fit(x, y, "square")
    params = dict(params, V1=jnp.zeros_like(params["V1"]), A1=jnp.zeros_like(params["A1"]), w=fit.t)
    assert float(yun.single_block_bound(params, x, y, "square", fit.t)) <= 1e-14
    assert float(yun.empirical_risk(params, x, y, "square")) == pytest.approx(float(fit.risk), rel=1e-14)


# ------------------------------------------------------------------ matrix-free curvature


def test_matrix_free_lambda_min_agrees_with_dense():
    _, params, x, y = _problem(1, d=3, depth=3, k=3)
    dense = jax.jit(lambda p: yun.dichotomy_at(p, x, y, "square", method="dense"))(params)
    free = jax.jit(lambda p: yun.dichotomy_at(p, x, y, "square", method="matrix_free"))(params)
    tol = TOLERANCES["matfree_agree"]
    assert abs(float(dense.lambda_min) - float(free.lambda_min)) <= tol, (dense.lambda_min, free.lambda_min)
    assert float(free.lambda_min_error) <= tol
    assert float(dense.risk) == float(free.risk)


def test_matrix_free_on_a_thousand_parameters_agrees_with_dense():
    """Issue 7 point 6: a network of ~1,300 parameters, where `auto` picks the matrix-free
    method; the dense spectrum still runs here to compare."""
    arch = yun.Architecture.make(10, 4, m=4, k=12, n=8)
    assert arch.size > 1000
    kp, kd = jax.random.split(jax.random.PRNGKey(3))
    params = yun.init_params(kp, arch, 0.5)
    x, y = yun.make_data(kd, 10, 24, "logistic")
    free = jax.jit(lambda p: yun.dichotomy_at(p, x, y, "logistic", method="auto"))(params)
    dense = jax.jit(lambda p: yun.dichotomy_at(p, x, y, "logistic", method="dense"))(params)
    tol = TOLERANCES["matfree_agree"]
    assert abs(float(dense.lambda_min) - float(free.lambda_min)) <= tol
    assert np.isfinite(float(free.kappa)) and np.isfinite(float(free.excess))


# ------------------------------------------------------------------ the claims


def test_dichotomy_holds_and_counts_are_consistent():
    ev = DICHOTOMY.check_instance(DICHOTOMY.generate(jax.random.PRNGKey(1), **DICHOTOMY.params[0]))
    m = {k: float(v) for k, v in ev.measured.items()}
    assert verdict(ev) == HOLDS, m
    assert m["n_conditions_met"] >= 1  # not vacuous
    assert m["n_better_than_linear"] + m["n_strict_saddle"] >= m["n_conditions_met"]
    assert m["n_violations"] == 0
    assert m["n_critical"] + m["n_not_critical"] + m["n_inconclusive"] == yun.STARTS
    assert m["n_critical"] == m["n_conditions_met"] + m["n_condition_fails"]
    # the derivation's bound lambda_min <= -kappa where a point is worse than linear
    assert m["max_derivation_slack"] <= 1e-6, m


def test_single_block_holds_and_finds_both_kinds_of_critical_point():
    found_nonzero = found_zero_worse = 0
    for seed in range(3):
        inst = SINGLE.generate(jax.random.PRNGKey(seed), d=3, loss="square")
        ev = SINGLE.check_instance(inst)
        m = {k: float(v) for k, v in ev.measured.items()}
        assert verdict(ev) == HOLDS, m
        assert m["n_better_than_linear"] + m["n_within_bound_only"] == m["n_critical_w_nonzero"], m
        assert m["n_critical_w_nonzero"] + m["n_critical_w_zero"] == m["n_critical"]
        found_nonzero += m["n_better_than_linear"]
        found_zero_worse += m["n_critical_w_zero_worse_than_linear"]
    assert found_nonzero >= 1
    # critical points with w = 0 worse than linear exist: the hypothesis w* != 0 is needed
    assert found_zero_worse >= 1


# ------------------------------------------------------------------ bad input


def _instance():
    return {k: np.array(v) for k, v in DICHOTOMY.generate(jax.random.PRNGKey(0), **DICHOTOMY.params[0]).items()}


def test_unknown_loss_is_rejected_everywhere():
    msg = re.escape("loss must be one of ('square', 'logistic') (convex and twice differentiable in p); got 'hinge'")
    with pytest.raises(ValueError, match=msg):
        yun.per_sample_loss(jnp.zeros(2), jnp.ones(2), "hinge")
    with pytest.raises(ValueError, match=msg):
        yun.linear_fit(jnp.ones((4, 2)), jnp.ones(4), "hinge")
    with pytest.raises(ValueError, match=msg):
        DICHOTOMY.generate(jax.random.PRNGKey(0), loss="hinge")
    with pytest.raises(ValueError, match=msg):
        yun.make_data(jax.random.PRNGKey(0), 2, 8, "hinge")


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        ({"depth": 0}, "depth (L, the number of blocks) must be an integer >= 1; got 0"),
        ({"depth": 2, "m": 0}, "m_2 (a width) must be an integer >= 1; got 0"),
        ({"depth": 1, "k": 0}, "k_1 (a width) must be an integer >= 1; got 0"),
        ({"depth": 2, "n": -1}, "n_1 (a width) must be an integer >= 1; got -1"),
        ({"depth": 2, "k": 1.5}, "k_1 (a width) must be an integer >= 1; got 1.5"),
        ({"depth": True}, "depth (L, the number of blocks) must be an integer >= 1; got True"),
    ],
)
def test_bad_architecture(kwargs, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        yun.Architecture.make(3, **kwargs)


def test_bad_architecture_gathers_every_problem():
    with pytest.raises(ValueError, match=re.escape("d (the input dimension d_x) must be an integer >= 1; got 0; m_1 (a width) must be an integer >= 1; got 0; n_1 (a width) must be an integer >= 1; got 0")):
        yun.Architecture(0, (0,), (1,), (0,))


def test_mismatched_shapes_in_the_library_functions():
    _, params, x, y = _problem(0, d=3, depth=2)
    with pytest.raises(ValueError, match=re.escape("x must have shape (n, 3) (d_x from w); got shape (12, 4)")):
        yun.resnet_forward(params, jnp.ones((12, 4)))
    with pytest.raises(ValueError, match=re.escape("y must have shape (12,) to match x of shape (12, 3); got shape (11,)")):
        yun.empirical_risk(params, x, y[:11], "square")
    with pytest.raises(ValueError, match=re.escape("y must have shape (12,) to match x of shape (12, 3); got shape (12, 1)")):
        yun.linear_fit(x, y[:, None], "logistic")
    with pytest.raises(ValueError, match=re.escape("params must hold w and, per block")):
        yun.architecture_of({"w": np.ones(3)})


def test_mismatched_targets_and_data():
    inst = _instance() | {"y": np.ones(5)}
    with pytest.raises(InvalidInstanceError, match=re.escape("y must have shape (12,) to match x of shape (12, 3); got (5,)")):
        DICHOTOMY.check_instance(inst)


@pytest.mark.parametrize("code", [2.0, 0.5, np.array([0.0, 1.0])])
def test_unsupported_loss_code(code):
    inst = _instance() | {"loss": np.asarray(code)}
    msg = "loss must be a scalar code, 0 (square) or 1 (logistic), the supported losses that are convex and twice differentiable in p; got "
    with pytest.raises(InvalidInstanceError, match=re.escape(msg + repr(np.asarray(code).tolist()))):
        DICHOTOMY.check_instance(inst)


def test_labels_must_be_plus_minus_one():
    inst = _instance() | {"loss": np.asarray(1.0)}
    inst["y"] = np.where(inst["y"] > 0, 1.0, 0.5)
    with pytest.raises(InvalidInstanceError, match=re.escape("y must be +-1 labels for the logistic loss; got value 0.5")):
        DICHOTOMY.check_instance(inst)


def test_mismatched_parameter_shapes():
    inst = _instance()
    inst["starts_A2"] = np.ones((8, 3, 2))
    with pytest.raises(InvalidInstanceError, match=re.escape("A2 has shape (3, 2), expected (2, 2)")):
        DICHOTOMY.check_instance(inst)
    inst = _instance()
    inst["starts_w"] = np.ones((8, 4))
    with pytest.raises(InvalidInstanceError, match=re.escape("starts_*: params have inconsistent shapes")):
        DICHOTOMY.check_instance(inst)
    inst = _instance()
    del inst["starts_U2"]
    with pytest.raises(InvalidInstanceError, match=re.escape("params must hold w and, per block")):
        DICHOTOMY.check_instance(inst)


def test_bad_activation_code_and_wrong_depth():
    inst = _instance() | {"activation": np.array([0.0, 1.0, 7.0])}
    with pytest.raises(InvalidInstanceError, match=re.escape("activation must have shape (3,) with codes in {0: tanh, 1: softplus}; got [0.0, 1.0, 7.0]")):
        DICHOTOMY.check_instance(inst)
    inst = _instance() | {"activation": np.array([0.0, 1.0])}
    with pytest.raises(InvalidInstanceError, match=re.escape("activation must have shape (3,)")):
        DICHOTOMY.check_instance(inst)
    with pytest.raises(InvalidInstanceError, match=re.escape("the network must have depth L = 1; got L = 3")):
        SINGLE.check_instance(_instance())
    with pytest.raises(ValueError, match=re.escape("activation must be one of ('tanh', 'softplus'); got 'relu'")):
        yun.resnet_forward(yun.init_params(jax.random.PRNGKey(0), yun.Architecture.make(2, 1)), jnp.ones((3, 2)), "relu")


def test_nan_in_data_is_rejected():
    inst = _instance()
    inst["x"][0, 0] = np.nan
    with pytest.raises(InvalidInstanceError, match=re.escape("found NaN or inf in x (1 non-finite entries)")):
        DICHOTOMY.check_instance(inst)


def test_uncertified_linear_risk_makes_the_check_inconclusive():
    """Separable logistic data: R_lin is not attained, the certificate is inf, and the
    verdict must be inconclusive, never a pass."""
    inst = {k: np.array(v) for k, v in SINGLE.generate(jax.random.PRNGKey(0), d=3, loss="logistic").items()}
    inst["y"] = np.where(inst["x"][:, 0] > 0, 1.0, -1.0)
    ev = SINGLE.check_instance(inst)
    assert float(ev.measured["linear_gap_certified"]) == math.inf
    assert verdict(ev) == "inconclusive"
