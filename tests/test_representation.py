"""Unit tests of the universal-approximation claim (`verify.claims.representation`)."""

import re

import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import verify.claims.representation as rp
from verify import HOLDS, get_claim, verdict
from verify.errors import InvalidInstanceError

CLAIM = get_claim("repr/universal-approximation")


@pytest.fixture(scope="module")
def instance():
    return CLAIM.generate(jax.random.PRNGKey(0))


def _brute_force_count(rel, mask, n_dirs=20000):
    """min over n_dirs equally spaced directions: an upper bound on the exact minimum."""
    th = np.linspace(0.0, 2 * np.pi, n_dirs, endpoint=False)
    n = np.stack([np.cos(th), np.sin(th)], 1)
    return int(np.min(((n @ np.asarray(rel).T) >= 0) @ np.asarray(mask, dtype=np.int64)))


def test_named_activations():
    z = jnp.linspace(-6.0, 6.0, 101)
    tanh = rp.activation_function(rp.named_activation("tanh"))
    logistic = rp.activation_function(rp.named_activation("logistic"))
    np.testing.assert_allclose(tanh(z), jnp.tanh(z), rtol=0, atol=1e-15)
    np.testing.assert_allclose(logistic(z), jax.nn.sigmoid(z), rtol=0, atol=0)


@pytest.mark.parametrize(
    "name, message",
    [
        ("relu", "activation must be bounded and non-constant (Hornik 1991 needs both); 'relu' is unbounded"),
        ("identity", "activation must be bounded and non-constant (Hornik 1991 needs both); 'identity' is unbounded"),
        ("constant", "activation must be bounded and non-constant (Hornik 1991 needs both); 'constant' is constant"),
        ("swish", "activation must be one of ['logistic', 'tanh', 'both']; got 'swish'"),
    ],
)
def test_inadmissible_activation_names(name, message):
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        CLAIM.generate(jax.random.PRNGKey(0), activation=name)


@pytest.mark.parametrize("name, value, message", [
    ("max_width", 0, "max_width must be an integer >= 2; got 0"),
    ("max_width", 1, "max_width must be an integer >= 2; got 1"),
    ("max_width", 2.5, "max_width must be an integer >= 2; got 2.5"),
    ("pool", 8, "pool must be an integer >= 16; got 8"),
])
def test_bad_structural_parameters(name, value, message):
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        CLAIM.generate(jax.random.PRNGKey(0), **{name: value})


def test_bad_instances(instance):
    def bad(**changes):
        return {**instance, **{k: jnp.asarray(np.asarray(v, np.float64)) for k, v in changes.items()}}

    with pytest.raises(InvalidInstanceError, match=re.escape(
        "activation (alpha, beta, gamma) must make phi(z) = alpha * sigmoid(beta * z) + gamma "
        "non-constant (Hornik 1991); got alpha = 0, beta = 1"
    )):
        CLAIM.check_instance(bad(activation=[0.0, 1.0, 0.5]))
    widths_message = (
        "widths must be 1, 2, ..., M with M >= 2 (every width up to the largest: the greedy "
        "fit adds one unit at a time); got "
    )
    with pytest.raises(InvalidInstanceError, match=re.escape(widths_message + "(0, 1, 2)")):
        CLAIM.check_instance(bad(widths=[0.0, 1.0, 2.0]))
    with pytest.raises(InvalidInstanceError, match=re.escape(widths_message + "(1, 2, 4)")):
        CLAIM.check_instance(bad(widths=[1.0, 2.0, 4.0]))
    with pytest.raises(InvalidInstanceError, match=re.escape(widths_message + "(1,)")):
        CLAIM.check_instance(bad(widths=[1.0]))
    with pytest.raises(InvalidInstanceError, match=re.escape("W_pool must have at least 16 rows (one candidate unit per width); got 8")):
        CLAIM.check_instance(bad(W_pool=np.asarray(instance["W_pool"])[:8], b_pool=np.asarray(instance["b_pool"])[:8]))
    shifted = np.asarray(instance["x_fit"]) + 0.5
    with pytest.raises(InvalidInstanceError, match=re.escape(
        "x_fit must lie in the unit square [0, 1]^2 (the theorem's domain); found coordinates in"
    )):
        CLAIM.check_instance(bad(x_fit=shifted))
    with pytest.raises(InvalidInstanceError, match=re.escape(
        "circle (c1, c2, r) must be a disc inside the unit square (r > 0 and r <= c_i <= 1 - r); got (0.1, 0.5, 0.3)"
    )):
        CLAIM.check_instance(bad(circle=[0.1, 0.5, 0.3]))
    with pytest.raises(InvalidInstanceError, match=re.escape("b_pool must have shape (256,) to match W_pool; got (15,)")):
        CLAIM.check_instance(bad(b_pool=np.zeros(15)))
    nan_data = np.array(instance["x_fit"], copy=True)
    nan_data[3, 1] = np.nan
    with pytest.raises(InvalidInstanceError, match=re.escape("found NaN or inf in x_fit (1 non-finite entries)")):
        CLAIM.check_instance(bad(x_fit=nan_data))


def test_min_halfplane_count_is_exact_against_brute_force():
    key = jax.random.PRNGKey(5)
    for i in range(4):
        rel = jax.random.normal(jax.random.fold_in(key, i), (60, 2))
        mask = jax.random.bernoulli(jax.random.fold_in(key, 100 + i), 0.6, (60,))
        exact = int(jax.jit(rp.min_halfplane_count)(rel, mask))
        assert exact == _brute_force_count(rel, mask)
    # Points all on one side of a line through the origin: depth 0.
    rel = jnp.stack([jnp.linspace(0.1, 1.0, 10), jnp.linspace(-1.0, 1.0, 10)], 1)
    assert int(rp.min_halfplane_count(rel, jnp.ones(10, bool))) == 0
    assert int(rp.min_halfplane_count(rel, jnp.zeros(10, bool))) == 0


def test_linear_bound_is_tight_for_a_disc_in_the_corner():
    """The population bound (2 - pi/2) r^2 is attained by the diagonal line through the
    centre of a disc in the corner; on a fine grid the exact sample bound approaches it."""
    r = 0.3
    x = rp.jittered_grid(jax.random.PRNGKey(1), 160)
    lower, least_squares, constant = jax.jit(rp.linear_classifier_bounds)(x, jnp.array([r, r, r]))
    population = float(rp.population_linear_bound(r))
    assert float(lower) == pytest.approx(population, rel=0.05)
    assert float(lower) <= float(least_squares) and float(lower) <= float(constant)


def test_network_loss_passes_check_grads(instance):
    x, a = instance["x_fit"][:8], instance["activation"]
    y = rp.smooth_target(x, instance["phases"])
    params = {"W": instance["W_pool"][:3], "b": instance["b_pool"][:3], "v": jnp.array([0.3, -0.2, 0.5]), "c": jnp.asarray(0.1)}
    flat, unravel = jax.flatten_util.ravel_pytree(params)
    loss = jax.jit(lambda v: jnp.mean((rp.network(unravel(v), x, a) - y) ** 2))
    check_grads(loss, (flat,), order=2, modes=["fwd", "rev"])


def test_greedy_fit_is_exact_least_squares_and_nested(instance):
    """Each error is the least-squares error over the units chosen so far (checked against
    lstsq on those columns), so the sequence cannot increase."""
    x, a = instance["x_fit"], instance["activation"]
    y = rp.circle_target(x, instance["circle"])
    fit = jax.jit(lambda y: rp.greedy_fit(x, y, instance["W_pool"], instance["b_pool"], a, 16))
    errors, params = fit(y)
    errors = np.asarray(errors)
    assert np.all(np.diff(errors) <= 0)
    assert errors[0] <= float(jnp.std(y))  # width 1 contains the constants
    phi = rp.activation_function(a)
    h = np.asarray(phi(x @ params["W"].T + params["b"]))
    for k in (1, 4, 16):
        cols = np.concatenate([h[:, :k], np.ones((h.shape[0], 1))], axis=1)
        coef = np.linalg.lstsq(cols, np.asarray(y), rcond=None)[0]
        rmse = np.sqrt(np.mean((cols @ coef - np.asarray(y)) ** 2))
        assert errors[k - 1] == pytest.approx(rmse, rel=1e-10)
    # The returned widest network realises the last error.
    rmse = float(jnp.sqrt(jnp.mean((rp.network(params, x, a) - y) ** 2)))
    assert rmse == pytest.approx(errors[-1], rel=1e-10)


def test_greedy_fit_first_unit_is_the_best_single_unit(instance):
    """Width 1: the greedy choice is the best unit of the pool, by brute force."""
    x, a = instance["x_fit"], instance["activation"]
    y = np.asarray(rp.smooth_target(x, instance["phases"]))
    errors, _ = jax.jit(lambda: rp.greedy_fit(x, jnp.asarray(y), instance["W_pool"], instance["b_pool"], a, 2))()
    h = np.asarray(rp.activation_function(a)(x @ instance["W_pool"].T + instance["b_pool"]))
    best = min(
        np.sqrt(np.mean((c @ np.linalg.lstsq(c, y, rcond=None)[0] - y) ** 2))
        for c in (np.stack([h[:, j], np.ones(len(y))], 1) for j in range(h.shape[1]))
    )
    assert float(errors[0]) == pytest.approx(best, rel=1e-10)


def test_claim_holds_at_fixed_parameters(instance):
    ev = CLAIM.check_instance(instance)
    assert verdict(ev) == HOLDS
    m = {k: np.asarray(v) for k, v in ev.measured.items()}
    for name in ("circle", "smooth"):
        assert m[f"rmse_{name}"].shape == (rp.MAX_WIDTH,)
        assert float(m[f"ratio_to_width_one_{name}"]) <= rp.RATIO_TO_WIDTH_ONE[name]
        assert float(m[f"ratio_to_constant_{name}"]) <= rp.RATIO_TO_CONSTANT[name]
    assert float(m["linear_lower_bound"]) >= float(m["linear_claimed_share"]) > 0
    assert float(m["linear_lower_bound"]) <= float(m["linear_least_squares_error"])
    # The widest network classifies the circle better than any linear classifier can.
    assert float(m["network_classification_error"]) < float(m["linear_lower_bound"])

