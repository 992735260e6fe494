"""Unit tests of the deep linear network claims (`verify.claims.deep_linear`).

Expected types come from the math (module docstring of `verify.claims.deep_linear`): the
constructed points are critical with known losses, the origin of a depth-2 network has
the indefinite Hessian block -<Y, dW_2 dW_1 X>, and at depth L >= 3 the loss along
`escape_direction` is exactly f(x) - c t^L + O(t^{2L}). Helpers are jitted once per
architecture (compile time dominates).
"""

import functools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import verify.claims.deep_linear as dl
from verify import HOLDS, REFUTED, get_claim, verdict
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, find_critical_points
from verify.tolerances import TOLERANCES

DEPTH2, DEPTH3, DEPTH4 = dl.DIMS
CLAIM = get_claim("mf/deep-linear")
SOSP = get_claim("mf/deep-linear-sosp")


def _instance(dims, seed=0):
    return {k: np.asarray(v) for k, v in CLAIM.generate(jax.random.PRNGKey(seed), dims=dims).items()}


@functools.cache
def _classifier(dims):
    return jax.jit(lambda X, Y, x: dl.classify_point(X, Y, dims, x))


@functools.cache
def _points(dims):
    q = min(min(dims[1:-1]), dims[-1])
    return jax.jit(lambda X, Y: jnp.stack([dl.kawaguchi_point(X, Y, dims, r) for r in range(q + 1)]))


def test_loss_passes_check_grads():
    inst = _instance(DEPTH3)
    x = jax.random.normal(jax.random.PRNGKey(1), (dl.n_parameters(DEPTH3),))
    check_grads(jax.jit(lambda v: dl.network_loss(v, inst["X"], inst["Y"], DEPTH3)), (x,), order=2)


def test_flatten_round_trip_and_product_order():
    layers = [jnp.arange(6.0).reshape(2, 3), jnp.arange(4.0).reshape(2, 2) + 1, jnp.eye(2)]
    x = dl.flatten_layers(layers)
    back = dl.unflatten_layers(x, DEPTH3)
    for a, b in zip(layers, back):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dl.end_to_end(layers), layers[2] @ layers[1] @ layers[0])


def _als_minimum(X, Y, q, starts=10, iters=400, seed=0):
    """Brute force: min ||A B X - Y||^2 / 2 over A (d_y x q), B (q x d_x) by alternating exact
    least squares (each half-step solves its problem exactly) from random starts."""
    rng = np.random.default_rng(seed)
    x_pinv = np.linalg.pinv(X)
    best = np.inf
    for _ in range(starts):
        b = rng.standard_normal((q, X.shape[0]))
        for _ in range(iters):
            a = Y @ np.linalg.pinv(b @ X)
            b = np.linalg.pinv(a) @ Y @ x_pinv
        best = min(best, 0.5 * np.sum((a @ b @ X - Y) ** 2))
    return best


@pytest.mark.parametrize("dims", [DEPTH2, DEPTH3, (3, 1, 2, 2)], ids=str)
def test_closed_form_optimum_matches_brute_force(dims):
    """f* against alternating least squares over rank-q end-to-end maps (q = 2, 2, 1), and
    f* <= the loss of 2000 random rank-q maps (a lower bound that is attained)."""
    inst = _instance(dims if dims != (3, 1, 2, 2) else DEPTH3, seed=4)
    X, Y = inst["X"], inst["Y"]
    q = min(min(dims[1:-1]), dims[-1])
    f_star = float(dl.optimal_loss(X, Y, dims))
    brute = _als_minimum(X, Y, q)
    assert brute == pytest.approx(f_star, rel=1e-9)
    rng = np.random.default_rng(1)
    w = dl.least_squares(X, Y).w
    for _ in range(2000):
        a = np.asarray(w) @ rng.standard_normal((X.shape[0], q))
        b = rng.standard_normal((q, X.shape[0]))
        assert 0.5 * np.sum((a @ b @ X - Y) ** 2) >= f_star * (1 - 1e-12)


@pytest.mark.parametrize("dims", dl.DIMS, ids=str)
def test_kawaguchi_points_are_critical_with_the_closed_form_loss(dims):
    inst = _instance(dims, seed=2)
    X, Y = inst["X"], inst["Y"]
    ls = dl.least_squares(X, Y)
    points = _points(dims)(X, Y)
    scale = float(dl.problem_scales(X, Y, dims)[0]) * float(dl.problem_scales(X, Y, dims)[2])
    for r, x in enumerate(points):
        expected = 0.5 * (float(ls.residual) + float(jnp.sum(ls.eigenvalues[r:])))
        assert float(dl.network_loss(x, X, Y, dims)) == pytest.approx(expected, rel=1e-12)
        grad = jax.grad(dl.network_loss)(x, X, Y, dims)
        assert float(jnp.linalg.norm(grad)) <= 1e-12 * scale
    q = len(points) - 1
    assert float(dl.network_loss(points[q], X, Y, dims)) == pytest.approx(float(dl.optimal_loss(X, Y, dims)), rel=1e-12)


@pytest.mark.parametrize("dims", [DEPTH3, DEPTH4], ids=str)
@pytest.mark.parametrize("r", [0, 1])
def test_bad_saddle_is_a_degenerate_saddle_not_a_minimum(dims, r):
    """Kawaguchi Corollary 2.4: for depth >= 3, kawaguchi_point(r < q) is a saddle whose Hessian
    has no negative eigenvalue; the classifier must call it DEGENERATE_SADDLE (descent on
    every sphere of the higher-order test), never LOCAL_MINIMUM."""
    inst = _instance(dims, seed=3)
    X, Y = inst["X"], inst["Y"]
    x = _points(dims)(X, Y)[r]
    c = _classifier(dims)(X, Y, x)
    assert int(c.point_type) == PointType.DEGENERATE_SADDLE
    assert float(c.lambda_min) >= -TOLERANCES["eig_zero"] * float(c.hess_scale)
    assert float(c.sphere_drop) < -TOLERANCES["sphere_drop"]
    assert float(c.loss) > float(dl.optimal_loss(X, Y, dims)) * (1 + 1e-6)


@pytest.mark.parametrize("dims", dl.DIMS, ids=str)
def test_loss_along_the_escape_direction_falls_like_t_to_the_depth(dims):
    """f(x + t v) - f(x) = -c t^L + O(t^{2L}): halving t divides the drop by 2^L."""
    inst = _instance(dims, seed=3)
    X, Y = inst["X"], inst["Y"]
    L = len(dims) - 1
    x = _points(dims)(X, Y)[1]
    v = dl.escape_direction(X, Y, dims, 1)
    t = 1e-2 * float(dl.problem_scales(X, Y, dims)[2])
    f0 = float(dl.network_loss(x, X, Y, dims))
    drops = np.asarray(dl.loss_along_line(X, Y, dims, x, v, jnp.asarray([t, t / 2]))) - f0
    assert drops[0] < 0 and drops[1] < 0
    assert drops[0] / drops[1] == pytest.approx(2.0**L, rel=1e-3)


@pytest.mark.parametrize("r", [0, 1])
def test_depth_2_saddles_are_strict(r):
    """Baldi & Hornik; Kawaguchi Corollary 2.4 for H = 1: the origin (r = 0) and the rank-1
    point have a negative Hessian eigenvalue."""
    inst = _instance(DEPTH2, seed=3)
    X, Y = inst["X"], inst["Y"]
    c = _classifier(DEPTH2)(X, Y, _points(DEPTH2)(X, Y)[r])
    assert int(c.point_type) == PointType.STRICT_SADDLE
    assert float(c.lambda_min) < -1e-3 * float(c.hess_scale)


def test_global_minimum_is_a_local_minimum_modulo_the_symmetry():
    inst = _instance(DEPTH3, seed=3)
    X, Y = inst["X"], inst["Y"]
    c = _classifier(DEPTH3)(X, Y, _points(DEPTH3)(X, Y)[2])
    assert int(c.point_type) == PointType.LOCAL_MINIMUM
    assert int(c.n_symmetry) == 8  # GL(2) x GL(2)


@pytest.mark.parametrize("dims", [DEPTH3, DEPTH4], ids=str)
def test_rescaled_bad_saddle_is_still_a_degenerate_saddle(dims):
    """Metamorphic: W_1 -> 3 W_1, W_L -> W_L / 3 is a symmetry; the type must not change."""
    inst = _instance(dims, seed=3)
    X, Y = inst["X"], inst["Y"]
    x = dl.rescale_layers(_points(dims)(X, Y)[1], dims, 1, len(dims) - 1, 3.0)
    c = _classifier(dims)(X, Y, x)
    assert int(c.point_type) == PointType.DEGENERATE_SADDLE


def test_the_finder_lands_on_bad_saddles_and_calls_them_saddles():
    """The engine finds saddles without negative curvature by itself: Levenberg-Marquardt from
    starts within 1e-3 (relative) of the rank-1 bad saddle of a depth-3 network converges to
    critical points of the same, non-global, loss; balanced and classified, they are saddles
    (DEGENERATE_SADDLE where no negative curvature is seen), never local minima."""
    inst = _instance(DEPTH3, seed=0)
    X, Y = inst["X"], inst["Y"]
    layer = float(dl.problem_scales(X, Y, DEPTH3)[2]) / np.sqrt(3)
    saddle = _points(DEPTH3)(X, Y)[1]
    starts = saddle + 1e-3 * layer * jax.random.normal(jax.random.PRNGKey(1), (6, saddle.shape[0]))
    loss = lambda v: dl.network_loss(v, X, Y, DEPTH3)  # noqa: E731
    found = jax.jit(lambda s: find_critical_points(loss, s, 200).x)(starts)
    f_saddle = float(loss(saddle))
    types = []
    for x in found:
        c = _classifier(DEPTH3)(X, Y, dl.balance_layers(x, DEPTH3, 1e-3 * layer))
        assert float(c.loss) == pytest.approx(f_saddle, rel=1e-9)
        types.append(int(c.point_type))
    assert PointType.DEGENERATE_SADDLE in types
    assert set(types) <= {PointType.DEGENERATE_SADDLE, PointType.STRICT_SADDLE}


def test_ball_descent_sees_no_descent_at_a_global_minimum():
    inst = _instance(DEPTH3, seed=3)
    X, Y = inst["X"], inst["Y"]
    x = _points(DEPTH3)(X, Y)[2]
    drop = dl.ball_descent(lambda v: dl.network_loss(v, X, Y, DEPTH3), x, 1e-2, jnp.ones_like(x))
    assert float(drop) >= -1e-12 * float(dl.network_loss(jnp.zeros_like(x), X, Y, DEPTH3))


def test_balance_layers_keeps_the_loss_and_equalises_norms():
    inst = _instance(DEPTH4, seed=1)
    X, Y = inst["X"], inst["Y"]
    x = dl.rescale_layers(_points(DEPTH4)(X, Y)[2], DEPTH4, 2, 3, 50.0)
    b = dl.balance_layers(x, DEPTH4, 1e-6)
    norms = [float(jnp.linalg.norm(w)) for w in dl.unflatten_layers(b, DEPTH4)]
    assert max(norms) == pytest.approx(min(norms), rel=1e-12)
    assert float(dl.network_loss(b, X, Y, DEPTH4)) == pytest.approx(float(dl.network_loss(x, X, Y, DEPTH4)), rel=1e-12)


# ------------------------------------------------------------------------ the claims


def test_claim_holds_at_depth_3_and_is_invariant_under_layer_and_data_rescaling():
    """Metamorphic: scaling W_1 by 10 and W_3 by 1/10 in every start, or the data by
    (X, Y) -> (a X, b Y) with the starts by (b/a)^(1/3), is the same problem."""
    inst = _instance(DEPTH3, seed=6)
    ev = CLAIM.check_instance(inst)
    assert verdict(ev) == HOLDS
    assert float(ev.measured["constructed_saddles_of_expected_type"]) == 2
    moved = dict(inst, starts_1=10.0 * inst["starts_1"], starts_3=inst["starts_3"] / 10.0)
    assert verdict(CLAIM.check_instance(moved)) == HOLDS
    a, b = 1e-3, 1e2
    c = (b / a) ** (1.0 / 3.0)
    scaled = {"X": a * inst["X"], "Y": b * inst["Y"]} | {
        k: c * inst[k] for k in ("starts_1", "starts_2", "starts_3")
    }
    ev2 = CLAIM.check_instance(scaled)
    assert verdict(ev2) == HOLDS
    assert float(ev2.measured["f_star"]) == pytest.approx(b**2 * float(ev.measured["f_star"]), rel=1e-9)


def test_seed_wording_is_refuted_at_depth_3_and_holds_at_depth_2():
    """Seed 000: "any SOSP for the deep linear network ... is global-minima". The origin and
    the rank-1 point of a depth-3 network are SOSPs above f*; at depth 2 they are strict."""
    deep = SOSP.check_instance({k: v[:4] if k.startswith("starts") else v for k, v in _instance(DEPTH3).items()})
    assert verdict(deep) == REFUTED
    assert float(deep.measured["n_non_global_sosp"]) >= 2
    assert float(deep.measured["lambda_min_at_worst_sosp"]) >= -TOLERANCES["eig_zero"]
    shallow = SOSP.check_instance({k: v[:4] if k.startswith("starts") else v for k, v in _instance(DEPTH2).items()})
    assert verdict(shallow) == HOLDS
    assert SOSP.expected == REFUTED


# ------------------------------------------------------------------------ bad input


def _good(dims=DEPTH3):
    return _instance(dims)


def test_mismatched_y():
    inst = _good() | {"Y": np.ones((2, 4))}
    with pytest.raises(InvalidInstanceError, match=re.escape("Y must have shape (d_y, 5) to match X of shape (3, 5); got (2, 4)")):
        CLAIM.check_instance(inst)


def test_starts_that_do_not_chain():
    inst = _good() | {"starts_2": np.ones((8, 2, 3))}
    with pytest.raises(InvalidInstanceError, match=re.escape("starts_2 must have shape (k, d_2, d_1) = (8, 2, 2) (k >= 1 as in starts_1); got (8, 2, 3)")):
        CLAIM.check_instance(inst)


def test_last_layer_must_end_at_d_y():
    inst = _good() | {"starts_3": np.ones((8, 3, 2))}
    with pytest.raises(InvalidInstanceError, match=re.escape("starts_3 must have shape (k, d_3, d_2) = (8, 2, 2)")):
        CLAIM.check_instance(inst)


def test_missing_layers():
    inst = {k: v for k, v in _good().items() if k in ("X", "Y", "starts_1")}
    with pytest.raises(InvalidInstanceError, match=re.escape("instance must hold X, Y and starts_1, ..., starts_L for L >= 2 layers; got X, Y, starts_1")):
        CLAIM.check_instance(inst)


def test_rank_deficient_x():
    inst = _good()
    X = inst["X"].copy()
    X[2] = X[0] + X[1]
    with pytest.raises(InvalidInstanceError, match=re.escape("X X^T must be of full rank 3 (Kawaguchi Theorem 2.3); sigma_min(X) / sigma_max(X) is")):
        CLAIM.check_instance(inst | {"X": X})


def test_rank_deficient_xy():
    inst = _good() | {"Y": np.zeros((2, 5))}
    with pytest.raises(InvalidInstanceError, match=re.escape("X Y^T must be of full rank 2 (Kawaguchi Theorem 2.3); its smallest singular value over its largest is 0 (at least 1e-06 needed)")):
        CLAIM.check_instance(inst)


def test_repeated_eigenvalues_of_sigma():
    """X = [I 0] and Y = [I 0] give Sigma = I_2: two equal eigenvalues."""
    X = np.eye(3, 5)
    Y = np.eye(2, 5)
    inst = _good() | {"X": X, "Y": Y}
    with pytest.raises(InvalidInstanceError, match=re.escape("Sigma = Y X^T (X X^T)^-1 X Y^T must have 2 distinct eigenvalues (Kawaguchi Theorem 2.3); lambda_1 = 1 and lambda_2 = 1 differ by")):
        CLAIM.check_instance(inst)


def test_too_few_examples_for_x_xt_of_full_rank():
    inst = {"X": np.eye(3, 2), "Y": np.eye(2, 2), "starts_1": np.ones((2, 2, 3)), "starts_2": np.ones((2, 2, 2))}
    with pytest.raises(InvalidInstanceError, match=re.escape("X X^T must be of full rank d_x = 3, which needs m >= d_x examples; got m = 2")):
        CLAIM.check_instance(inst)


def test_numerically_singular_sigma_is_rejected_with_its_reason():
    """X = [I 0] and Y = [diag(1, 1e-3) 0]: X Y^T passes full_rank (1e-3 >= 1e-6), but
    Sigma = diag(1, 1e-6) has lambda_2 / lambda_1 = 1e-6 < eigengap. Not a broken hypothesis
    (Sigma is positive definite) but its numerical form, and the message says so."""
    X = np.eye(3, 5)
    Y = np.diag([1.0, 1e-3]) @ np.eye(2, 5)
    with pytest.raises(InvalidInstanceError, match=re.escape("Sigma = Y X^T (X X^T)^-1 X Y^T is numerically singular: lambda_2 = 1e-06 is 1e-06 of lambda_1, at least 0.001 needed (X X^T and X Y^T of full rank make Sigma positive definite")):
        CLAIM.check_instance(_good() | {"X": X, "Y": Y})


def test_every_broken_hypothesis_is_named_at_once():
    """d_y > d_x and X X^T singular (m < d_x) in one instance: both in one message."""
    X, Y = np.eye(3, 2), np.eye(4, 2)
    with pytest.raises(InvalidInstanceError, match=re.escape("d_y <= d_x is a hypothesis of Kawaguchi's Theorem 2.3; got d_y = 4, d_x = 3; X X^T must be of full rank d_x = 3, which needs m >= d_x examples; got m = 2")):
        dl.validate_data(X, Y)


@pytest.mark.parametrize("dims", dl.DIMS, ids=str)
def test_generated_data_meets_each_hypothesis(dims):
    """The generator's family lies inside the hypotheses (and their numerical form): d_y <= d_x,
    X X^T and X Y^T of full rank, Sigma with distinct eigenvalues, on several seeds."""
    for seed in range(5):
        inst = _instance(dims, seed=seed)
        X, Y = inst["X"], inst["Y"]
        assert Y.shape[0] <= X.shape[0]
        assert np.linalg.matrix_rank(X @ X.T) == X.shape[0]
        assert np.linalg.matrix_rank(X @ Y.T) == Y.shape[0]
        sigma = Y @ X.T @ np.linalg.solve(X @ X.T, X @ Y.T)
        lam = np.linalg.eigvalsh(0.5 * (sigma + sigma.T))  # ascending
        assert np.min(np.diff(lam)) > 0 and lam[0] > 0
        dl.validate_data(X, Y)


def test_generator_keeps_sigma_gaps_for_wider_outputs():
    """d_y = 5 and 14: the spread of Sigma's eigenvalues is compressed so that every gap
    stays at least eigengap (validate_data accepts every draw)."""
    for dims in ((5, 3, 5), (14, 2, 2, 14)):
        for seed in range(3):
            inst = CLAIM.generate(jax.random.PRNGKey(seed), dims=dims)
            dl.validate_data(inst["X"], inst["Y"])


@pytest.mark.parametrize(
    "dims, message",
    [
        ((2, 2, 3), "dims: d_y <= d_x is a hypothesis of Kawaguchi's Theorem 2.3; got d_y = 3, d_x = 2"),
        ((15, 2, 15), "dims: the generator cannot guarantee Sigma's eigenvalue gaps of at least 0.001 of lambda_1 for d_y = 15 (it can for d_y <= 14)"),
        ((3, 0, 2), "dims[1] (a layer width) must be an integer >= 1; got 0"),
        ((3, 2), "dims must be (d_x, d_1, ..., d_H, d_y) with at least one hidden layer; got (3, 2)"),
    ],
)
def test_generator_refuses_dims_outside_the_hypotheses(dims, message):
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        CLAIM.generate(jax.random.PRNGKey(0), dims=dims)


def test_output_wider_than_input():
    inst = {"X": np.eye(2, 4), "Y": np.eye(3, 4), "starts_1": np.ones((2, 2, 2)), "starts_2": np.ones((2, 3, 2))}
    with pytest.raises(InvalidInstanceError, match=re.escape("d_y <= d_x is a hypothesis of Kawaguchi's Theorem 2.3; got d_y = 3, d_x = 2")):
        CLAIM.check_instance(inst)


def test_non_finite_data():
    inst = _good()
    X = inst["X"].copy()
    X[0, 0] = np.inf
    with pytest.raises(InvalidInstanceError, match=re.escape("instance arrays must be finite; found NaN or inf in X (1 non-finite entries)")):
        CLAIM.check_instance(inst | {"X": X})


def test_helper_arguments():
    inst = _good()
    with pytest.raises(ValueError, match=re.escape("r must be an integer in [0, q] = [0, 2] for dims (3, 2, 2, 2); got 3")):
        dl.kawaguchi_point(inst["X"], inst["Y"], DEPTH3, 3)
    with pytest.raises(ValueError, match=re.escape("r must be an integer in [0, q) = [0, 2) for dims (3, 2, 2, 2); got 2")):
        dl.escape_direction(inst["X"], inst["Y"], DEPTH3, 2)
    with pytest.raises(ValueError, match=re.escape("i and j must be different layers; got i = j = 2")):
        dl.rescale_layers(jnp.zeros(14), DEPTH3, 2, 2, 3.0)


def test_deep_linear_sosp_refutation_is_certified():
    """The origin of a depth-3 network: gradient and Hessian exactly 0 in ball arithmetic
    (an SOSP), and the constructed global minimum has a certified lower loss."""
    from verify import make_instance

    claim = get_claim("mf/deep-linear-sosp")
    cert = claim.certify_refutation(make_instance(claim, 0, 0))
    assert cert.status == "certified", cert.reason
    assert cert.enclosures["hypothesis Hessian PSD (lambda_min >= 0)"] == (0.0, 0.0)
    assert cert.enclosures["violation"][0] > 0


def test_a_strict_saddle_is_not_a_certified_sosp():
    """certify_worse_critical_point at the origin of (1 - uv)^2: the gradient is exactly 0,
    but the Hessian [[0, -2], [-2, 0]] has the eigenvalue -2, so the point is no SOSP and the
    refutation of "every SOSP is global" it would give is inconclusive."""
    from verify.landscape.certify import certify_worse_critical_point

    loss = lambda v: (1.0 - v[0] * v[1]) ** 2  # noqa: E731
    cert = certify_worse_critical_point(loss, np.array([0.0, 0.0]), np.array([1.0, 1.0]))
    assert cert.status == "inconclusive" and "Hessian PSD" in cert.reason
    lo, hi = cert.enclosures["lambda_min"]
    assert lo <= -2.0 <= hi
    # as a first-order statement ("every critical point is global") it is certified
    first = certify_worse_critical_point(loss, np.array([0.0, 0.0]), np.array([1.0, 1.0]), second_order=False)
    assert first.status == "certified"
