"""Ball arithmetic by jaxpr interpretation (`verify.landscape.balls`): enclosures of the seed
losses, their gradients and Hessians against float64, a cancellation float64 gets wrong,
boxes against sampled points, the errors, and certificates fed by the interpreter."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flint import arb, ctx

from verify.landscape import balls, certify
from verify.landscape.certify import Reason

from verify.claims.auer import LOSSES, TRANSFERS, single_neuron_error
from verify.claims.deep_linear.model import network_loss
from verify.claims.hardt_ma.model import flat_excess_risk
from verify.claims.liu.model import population_loss
from verify.claims.matrix_factorisation.model import factorisation_loss, rank_one_loss, sigmoid_loss
from verify.claims import yun

#: float64 evaluation of these small programs (at most a few dozen operations per output,
#: terms of size at most the largest output) is off by a small multiple of eps ~ 2.2e-16
#: times that size; 1e-10 of it leaves a factor 1e5 of margin and still catches any wrong
#: primitive rule (an error of order one). The ball itself, at 128 bits, is ~1e-35 wide.
REL_TOL = 1e-10
#: At 128 bits the balls of these programs are far narrower than float64's rounding: a
#: wider ball means the enclosure lost its point (the comparison would pass vacuously).
MAX_RADIUS = 1e-25


# ------------------------------------------------------------------------------ seed losses


def _auer(transfer, loss):
    rng = np.random.default_rng(10 * transfer + loss)
    x, y = rng.normal(size=(5, 2)), rng.uniform(0.2, 0.8, size=5)
    return (lambda w: single_neuron_error(w, x, y, transfer, loss)), rng.normal(size=2)


def _hardt_ma():
    rng = np.random.default_rng(1)
    b = rng.normal(size=(2, 2))
    instance = {"R": np.eye(2) + 0.3 * rng.normal(size=(2, 2)), "Sigma": b @ b.T + np.eye(2)}
    return flat_excess_risk(instance), 0.2 * rng.normal(size=3 * 4)  # l = 3 blocks, d = 2


def _deep_linear():
    rng = np.random.default_rng(2)
    dims = (2, 3, 2)
    x, y = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    return (lambda v: network_loss(v, x, y, dims)), rng.normal(size=12)


def _factorisation():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    return (lambda v: factorisation_loss(v, a, 2)), rng.normal(size=12)


def _rank_one():
    rng = np.random.default_rng(4)
    b = rng.normal(size=(3, 3))
    return (lambda u: rank_one_loss(u, b @ b.T)), rng.normal(size=3)


def _sigmoid():
    return sigmoid_loss, np.array([0.7])


def _liu():
    rng = np.random.default_rng(5)
    v_star = rng.normal(size=3)
    v_star /= np.linalg.norm(v_star)
    a_star = rng.normal(size=2)
    loss = lambda z: population_loss(z[:3], z[3:], v_star, a_star)  # arccos with a custom JVP
    return loss, 0.3 * rng.normal(size=5)


def _yun(loss, activation):
    arch = yun.Architecture.make(2, 2)
    params = yun.init_params(jax.random.PRNGKey(6), arch, 0.8)
    theta, unflatten = yun.flatten_params(params)
    x, y = yun.make_data(jax.random.PRNGKey(7), 2, 4, loss)
    # the float codes instances store: both branches are computed and one selected (where)
    code, codes = yun.loss_code(loss), yun.activation_codes(activation, arch.depth)
    return (lambda t: yun.empirical_risk(unflatten(t), x, y, code, codes)), np.asarray(theta)


SEED_LOSSES = {
    **{f"auer-{t}-{l}": (lambda i=i, j=j: _auer(i, j))
       for i, t in enumerate(TRANSFERS) for j, l in enumerate(LOSSES)},
    "hardt-ma": _hardt_ma,
    "deep-linear": _deep_linear,
    "factorisation": _factorisation,
    "rank-one": _rank_one,
    "sigmoid-activation": _sigmoid,
    "liu": _liu,
    "yun-square-tanh": lambda: _yun("square", "tanh"),
    "yun-logistic-softplus": lambda: _yun("logistic", "softplus"),
}


def _float64(loss):
    """(f, g, H) in float64, one compiled program."""
    return jax.jit(lambda x: (loss(x), jax.grad(loss)(x), jax.hessian(loss)(x)))


def _assert_encloses(ball, value, what):
    value = np.asarray(value, np.float64)
    ball = np.asarray(ball, dtype=object).reshape(value.shape)
    scale = max(1.0, float(np.max(np.abs(value), initial=0.0)))
    for index in np.ndindex(value.shape):
        b, v = ball[index], float(value[index])
        assert b.is_finite(), (what, index, b)
        gap = abs(float(b.mid()) - v) - float(b.rad())
        assert gap <= REL_TOL * scale, f"{what}{list(index)}: {b.str(20)} misses float64 {v!r} by {gap:.3g}"


@pytest.mark.parametrize("name", sorted(SEED_LOSSES))
def test_seed_losses_enclose_float64(name):
    loss, x = SEED_LOSSES[name]()
    f, g, h = balls.loss_gradient_hessian(loss, x)
    f64 = _float64(loss)(x)
    for what, ball, value in zip(("loss", "gradient", "hessian"), (f, g, h), f64):
        _assert_encloses(ball, value, f"{name} {what}")
    assert max(float(b.rad()) for b in [f, *g, *(v for row in h for v in row)]) < MAX_RADIUS


# ------------------------------------------------------------------------------ exact where float64 is not


def test_cancellation_float64_loses_and_the_ball_keeps():
    fun = lambda x: (x[0] + x[1]) - x[1]
    x = np.array([1.0, 1e17])
    assert float(fun(x)) == 0.0  # 1e17 + 1 rounds to 1e17 (the spacing there is 16)
    (ball,) = [balls.evaluate(fun, x, prec=128)[()]]
    assert ball.contains(1) and not ball.contains(0), ball


def test_gradient_of_a_cancelling_difference():
    # d/dx (log1p(x) - x) = 1/(1 + x) - 1 = -x/(1 + x): float64 subtracts two numbers within
    # 1e-10 of each other and keeps ~6 digits; the ball of the traced gradient keeps all.
    loss = lambda v: jnp.log1p(v[0]) - v[0]
    x = 1e-10
    with ctx.workprec(128):  # arb_gradient runs at the caller's precision, as certify sets it
        exact = -arb(x) / (1 + arb(x))
        (g,) = balls.arb_gradient(loss)([arb(x)])
    assert g.overlaps(exact) and float(g.rad()) < 1e-30, g  # ~95 of the 128 bits survive
    f64 = float(jax.grad(loss)(np.array([x]))[0])
    assert abs(f64 - float(exact.mid())) > 1e-9 * abs(float(exact.mid()))  # float64 is off
    assert not g.contains(f64)


def test_one_minus_cos_at_tiny_x():
    f = balls.evaluate(lambda x: 1.0 - jnp.cos(x), 1e-9)[()]
    assert float(jnp.asarray(1.0 - jnp.cos(1e-9))) == 0.0
    assert f.overlaps(arb(1e-9) ** 2 / 2 - arb(1e-9) ** 4 / 24) and f > 0


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("fun,name", [(lambda x: jnp.cumsum(x)[-1], "cumsum"),
                                      (lambda x: jax.lax.sort(x)[0], "sort")])
def test_unsupported_primitive_is_named(fun, name):
    with pytest.raises(balls.UnsupportedPrimitiveError, match=f"primitive '{name}'.*supported: "):
        balls.evaluate(fun, np.array([1.0, 2.0]))


def test_where_on_a_ball_across_the_branch_point():
    fun = lambda x: jnp.where(x > 0, x, -x)
    with pytest.raises(balls.UndecidedComparisonError, match=r"'gt' on the balls \[.*\] and 0") as err:
        balls.evaluate(fun, arb(0, 0.1))
    assert err.value.primitive == "gt"
    out = balls.evaluate(fun, arb(-1, 0.1))[()]
    assert out.contains(arb(1, 0.1)) and out > 0


def test_non_finite_results_are_balls_not_errors():
    out = balls.evaluate(lambda x: jnp.log(x) + 1.0 / x, arb(0, 0.5))[()]
    assert not out.is_finite()


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"args\[0\] must be finite"):
        balls.evaluate(jnp.sin, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="prec must be an integer >= 2"):
        balls.evaluate(jnp.sin, 1.0, prec=1)
    with pytest.raises(TypeError, match=r"args\[0\] must hold arb balls or finite real numbers"):
        balls.evaluate(jnp.sin, ["a"])


# ------------------------------------------------------------------------------ boxes


@pytest.mark.parametrize("name", ["auer-logistic-pseudo-huber", "liu", "deep-linear", "hardt-ma"])
def test_box_encloses_sampled_points(name):
    loss, x = SEED_LOSSES[name]()
    radius = 1e-3
    box = [arb(float(c), radius) for c in x]
    f, g, h = balls.loss_gradient_hessian(loss, box)
    f64 = _float64(loss)
    rng = np.random.default_rng(8)
    for _ in range(8):
        # inside the box with room for the rounding of c + r u (|u| <= 0.9, not 1)
        point = x + radius * rng.uniform(-0.9, 0.9, size=x.shape)
        for what, ball, value in zip(("loss", "gradient", "hessian"), (f, g, h), f64(point)):
            _assert_encloses(ball, value, f"{name} {what} at {point.tolist()}")


# ------------------------------------------------------------------------------ conventions


def test_outputs_keep_the_pytree_and_shapes():
    out = balls.evaluate(lambda a, b: {"sum": jnp.sum(a), "outer": jnp.outer(a, b), "n": jnp.argmax(a)},
                         np.array([1.0, 3.0]), [[arb(2)], [arb(5)]][0] + [arb(5)])
    assert out["sum"].shape == () and out["sum"][()] == 4
    assert out["outer"].shape == (2, 2) and out["outer"][1, 1] == 15
    assert out["n"].dtype.kind == "i" and int(out["n"]) == 1


def test_dot_general_with_batch_dimensions_matches_numpy():
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 5))
    fun = lambda a, b: jnp.einsum("bij,bjk->bki", a, b)
    _assert_encloses(balls.evaluate(fun, a, b), np.einsum("bij,bjk->bki", a, b), "einsum")


def test_control_flow_and_powers():
    def fun(x):
        y = jax.lax.fori_loop(0, 3, lambda i, c: c * x, 1.0)  # a scan: x^3
        z = jax.lax.cond(x[()] > 0, lambda: x ** 0.5, lambda: -x)  # sqrt via pow
        return y + z + (-x) ** 3 + jnp.abs(x) + jnp.maximum(x, 2.0)
    # x^3 + sqrt(x) - x^3 + x + 2 at x = 1.5, every step exact or a correctly rounded ball
    out = balls.evaluate(fun, 1.5)[()]
    assert out.overlaps(arb(1.5).sqrt() + 3.5) and float(out.rad()) < 1e-30


def _zoo(x, m):
    """Many primitives at once (one compiled float64 reference): elementwise functions,
    reductions and their derivatives, shapes, integer index arithmetic, loops."""
    i = jnp.arange(6) % 4 // 2  # integer rem and div: run exactly outside ball arithmetic
    unary = (jnp.exp, jnp.expm1, jnp.log1p, jnp.tanh, jax.nn.sigmoid, jnp.sin, jnp.cos, jnp.tan,
             jnp.arctan, jnp.arcsin, jnp.arccos, jnp.sinh, jnp.cosh, jnp.arcsinh, jnp.exp2,
             jax.scipy.special.erf, jnp.sqrt, jax.lax.rsqrt, jnp.log, jnp.sign, jnp.floor, jnp.ceil)
    return {
        "unary": jnp.stack([f(x[3]) for f in unary]),
        "powers": jnp.stack([x[3] ** 2.5, (-x[4]) ** 3.0, x[3] ** -2, jnp.power(x[3], 3),
                             jnp.arctan2(x[3], -x[4]), x[3] ** x[4]]),
        "where": jnp.sum(jnp.where(i == 1, x, -x)),
        "while": jax.lax.while_loop(lambda c: c[0] < 10.0, lambda c: (c[0] * 1.5 + x[0], c[1] + 1),
                                    (x[1], 0))[0],
        "dynamic_slice": jax.lax.dynamic_slice(x, (2,), (3,)),
        "dynamic_update_slice": jax.lax.dynamic_update_slice(x, x[:2] * 2, (3,)),
        "pad": jax.lax.pad(x, 0.5, ((1, -2, 1),)),
        "reduce": jnp.concatenate([jnp.max(m, axis=(0, 1))[None], jnp.min(m, axis=1), jnp.prod(x[:3])[None]]),
        "argmax": jnp.argmax(m, axis=1),
        "argmin": jnp.argmin(x),
        "max_grad": jax.grad(lambda z: jnp.max(z))(x),
        "clip_grad": jax.grad(lambda z: jnp.sum(jnp.clip(z, -0.5, 0.5)))(x),
        "softplus_grad": jax.grad(lambda z: jnp.sum(jax.nn.softplus(z) + jax.nn.relu(z) + jnp.logaddexp(z, 1.0)))(x),
        "shapes": jnp.concatenate([x, m.ravel()]).reshape(3, -1).T[::-1],
        "split": jnp.split(x, [2, 4])[1],
    }


def test_primitives_against_float64():
    x = np.array([0.3, 0.7, -0.4, 0.45, 0.2, 1.1])
    m = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
    reference, got = jax.jit(_zoo)(x, m), balls.evaluate(_zoo, x, m)
    for name, value in reference.items():
        if got[name].dtype == object:
            _assert_encloses(got[name], value, name)
        else:
            np.testing.assert_array_equal(got[name], np.asarray(value), err_msg=name)


def test_integer_power_of_a_ball_across_zero_is_finite():
    out = balls.evaluate(lambda x: x ** 2 + jnp.square(x), arb(0, 0.5))[()]
    assert out.is_finite() and out.contains(0) and out.contains(0.5)


# ------------------------------------------------------------------------------ certificates


def _quartic():
    """f = |x|^4 / 4 + x^T A x / 2 - b^T x: strictly convex, one minimum, found in float64."""
    a = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, -0.25], [0.0, -0.25, 1.5]])
    b = np.array([1.0, -2.0, 0.5])
    loss = lambda x: 0.25 * jnp.sum(x ** 4) + 0.5 * x @ (a @ x) - b @ x
    grad, hess = jax.jit(jax.grad(loss)), jax.jit(jax.hessian(loss))
    x = np.zeros(3)
    for _ in range(30):  # Newton in float64
        x = x - np.linalg.solve(np.asarray(hess(x)), np.asarray(grad(x)))
    return loss, x


def test_certify_minimum_from_the_traced_derivatives():
    loss, x = _quartic()
    grad, hess = balls.arb_gradient(loss), balls.arb_hessian(loss)
    cert = certify.certify_minimum(grad, hess, x, 1e-6)
    assert cert.certified and cert.reason is Reason.CERTIFIED, cert.reason
    off = certify.certify_minimum(grad, hess, x + 1e-3, 1e-6)
    assert not off.certified and off.reason is Reason.NOT_CONTRACTED
