"""Ball-arithmetic certificates (`verify.landscape.certify`) on functions with known critical points."""

import dataclasses
import re

import numpy as np
import pytest
from flint import arb, arb_mat

from verify.landscape import certify
from verify.landscape.certify import Reason


def quadratic():
    """f = v^T A v / 2 - b^T v with A = [[2, 1/2], [1/2, 1]]: the minimum A^{-1} b."""
    a = [[2.0, 0.5], [0.5, 1.0]]
    b = [1.0, -1.0]
    grad = lambda v: [sum(a[j][k] * v[k] for k in range(2)) - b[j] for j in range(2)]
    hess = lambda v: a
    return grad, hess, np.linalg.solve(a, b)


def quartic(sign=1.0):
    """f = (x^2 - 1)^2 + sign (y^2 - 4)^2 / 16 + (x - 1)(y - 2): a critical point at (1, 2)
    exactly, with Hessian [[8, 1], [1, 2 sign]] there (a minimum for sign 1, a saddle for -1)."""
    grad = lambda v: [4 * v[0] * (v[0] ** 2 - 1) + (v[1] - 2),
                      sign * v[1] * (v[1] ** 2 - 4) / 4 + (v[0] - 1)]
    hess = lambda v: [[12 * v[0] ** 2 - 4, arb(1)], [arb(1), sign * (3 * v[1] ** 2 - 4) / 4]]
    return grad, hess, np.array([1.0, 2.0])


@pytest.mark.parametrize("function", [quadratic, quartic])
def test_a_known_minimum_is_certified(function):
    grad, hess, centre = function()
    cert = certify.certify_minimum(grad, hess, centre, 1e-7)
    assert cert.certified and cert.reason is Reason.CERTIFIED
    assert cert.unique_critical and cert.positive_definite
    assert cert.gershgorin_margin > 0
    assert cert.prec == certify.DEFAULT_PRECISIONS[0]
    # The Krawczyk image lies inside the box, and the gradient at the centre encloses 0
    # (the quartic's centre is the exact critical point).
    assert all(arb(c, 1e-7).contains(k) for c, k in zip(centre, cert.image))
    if function is quartic:
        assert all(g.contains(0) for g in cert.gradient)
        assert cert.hessian[0][0].contains(8) and cert.hessian[1][1].contains(2)


def test_the_enclosures_are_rigorous_where_floats_round():
    """The quadratic's minimiser A^{-1} b is not a float64 number; the box around its
    rounded value still holds it, and the gradient at the centre is a tiny ball around a
    non-zero value (the rounding), not zero."""
    grad, hess, centre = quadratic()
    cert = certify.certify_minimum(grad, hess, centre, 1e-12)
    assert cert.certified
    assert all(abs(float(g.mid())) < 1e-15 for g in cert.gradient)


def test_a_point_off_the_minimum_is_not_certified():
    grad, hess, centre = quartic()
    cert = certify.certify_minimum(grad, hess, centre + np.array([1e-3, 0.0]), 1e-7)
    assert not cert.certified and not cert.unique_critical
    assert cert.reason is Reason.NOT_CONTRACTED
    assert cert.prec == certify.DEFAULT_PRECISIONS[-1]  # every precision was tried


def test_a_saddle_is_a_unique_critical_point_but_not_a_minimum():
    grad, hess, centre = quartic(sign=-1.0)
    cert = certify.certify_minimum(grad, hess, centre, 1e-7)
    assert cert.unique_critical and not cert.positive_definite and not cert.certified
    assert cert.reason is Reason.NOT_POSITIVE_DEFINITE
    assert cert.gershgorin_margin < 0
    critical = certify.certify_critical_point(grad, hess, centre, 1e-7)
    assert critical.certified and critical.positive_definite is None
    assert np.isnan(critical.gershgorin_margin)


def test_singular_hessians_are_not_certified_positive_definite():
    # PSD and singular: Gershgorin's row margin is exactly 0, which is not > 0.
    margins = certify.gershgorin_margins([[arb(1), arb(1)], [arb(1), arb(1)]])
    assert not all(m > 0 for m in margins)
    assert max(float(m.upper()) for m in margins) <= 1e-15
    # A degenerate minimum (f = x^4 + y^2 at 0): the Hessian at the centre is singular.
    # (v * v, not v ** 2: python-flint's power of a ball around 0 is NaN.)
    grad = lambda v: [4 * v[0] * v[0] * v[0], 2 * v[1]]
    hess = lambda v: [[12 * v[0] * v[0], arb(0)], [arb(0), arb(2)]]
    cert = certify.certify_minimum(grad, hess, [0.0, 0.0], 1e-7)
    assert not cert.certified and cert.reason is Reason.SINGULAR


def test_gershgorin_is_sufficient_not_necessary():
    """[[1, 2], [2, 5]] is positive definite (eigenvalues 3 +- 2 sqrt 2 > 0) but not
    diagonally dominant: Gershgorin does not prove it; [[1, 0.9], [0.9, 1]] it does."""
    assert not all(m > 0 for m in certify.gershgorin_margins([[1, 2], [2, 5]]))
    margins = certify.gershgorin_margins(arb_mat([[1, 0.9], [0.9, 1]]))
    assert all(m > 0 for m in margins)
    assert float(margins[0].lower()) == pytest.approx(0.1, abs=1e-12)


def test_retries_at_a_higher_precision_recover_from_cancellation():
    """g(x) = (x + 2^200) - 2^200 - 1: at 128 bits the ball of x + 2^200 is ~2^72 wide and
    the test fails; with enough bits the cancellation is exact and the minimum x = 1 (of
    f = (x - 1)^2 / 2) is certified."""
    big = arb(2) ** 200
    grad = lambda v: [(v[0] + big) - big - 1]
    hess = lambda v: [[arb(1)]]
    assert not certify.certify_minimum(grad, hess, [1.0], 1e-7, precisions=(128,)).certified
    cert = certify.certify_minimum(grad, hess, [1.0], 1e-7)
    assert cert.certified and cert.prec > 128


def test_a_non_finite_enclosure_is_reported():
    grad = lambda v: [v[0] - 1]
    hess = lambda v: [[v[0].log()]]  # log of a ball around 0: not finite
    cert = certify.certify_minimum(grad, hess, [0.0], 1e-3)
    assert not cert.certified and cert.reason is Reason.NOT_FINITE


def test_the_certificate_is_immutable_and_reasons_say_why():
    grad, hess, centre = quadratic()
    cert = certify.certify_minimum(grad, hess, centre, 1e-7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cert.certified = False
    assert "smaller radius" in Reason.NOT_CONTRACTED.value
    assert cert.radius == (1e-7, 1e-7) and cert.centre == tuple(centre)


def test_arb_box_and_per_coordinate_radii():
    box = certify.arb_box([1.0, -2.0], [0.5, 0.0])
    assert box[0].contains(arb(1.4)) and not box[0].contains(arb(1.6))
    assert box[1] == arb(-2.0)
    grad, hess, centre = quartic()
    assert certify.certify_minimum(grad, hess, centre, [1e-7, 1e-9]).certified


@pytest.mark.parametrize("kwargs, message", [
    (dict(centre=[np.nan, 0.0], radius=1e-7), "centre must be a finite vector of shape (d,) with d >= 1; got [nan, 0.0]"),
    (dict(centre=[1.0, 2.0], radius=0.0), "radius must be a finite number > 0, or 2 of them (one per coordinate); got 0.0"),
    (dict(centre=[1.0, 2.0], radius=[1e-7]), "radius must be a finite number > 0, or 2 of them (one per coordinate); got [1e-07]"),
    (dict(centre=[1.0, 2.0], radius=1e-7, precisions=()), "precisions must be a non-empty sequence of integers >= 2 (bits); got ()"),
])
def test_bad_arguments(kwargs, message):
    grad, hess, _ = quartic()
    with pytest.raises(ValueError, match=re.escape(message)):
        certify.certify_minimum(grad, hess, **kwargs)


def test_callables_of_the_wrong_shape():
    _, hess, centre = quartic()
    with pytest.raises(ValueError, match=re.escape("gradient must return 2 arb balls (one per coordinate); got 1")):
        certify.certify_minimum(lambda v: [v[0]], hess, centre, 1e-7)
    grad, _, _ = quartic()
    with pytest.raises(ValueError, match=re.escape("hessian must return a 2 x 2 matrix of arb balls")):
        certify.certify_minimum(grad, lambda v: [[arb(1)]], centre, 1e-7)


# --------------------------------------------------------------- the Hessian's spectrum


def test_hessian_spectrum_encloses_known_eigenvalues_and_inertia():
    """[[2, 1], [1, -3]]: eigenvalues (-1 -+ sqrt 29) / 2, one of each sign."""
    spec = certify.hessian_spectrum([[arb(2), arb(1)], [arb(1), arb(-3)]])
    lo, hi = (-1 - np.sqrt(29)) / 2, (-1 + np.sqrt(29)) / 2
    assert (spec.n_negative, spec.n_positive, spec.n_undecided) == (1, 1, 0)
    assert spec.lambda_min[0] <= lo <= spec.lambda_min[1] and spec.lambda_max[0] <= hi <= spec.lambda_max[1]
    assert spec.lambda_min[1] - spec.lambda_min[0] < 1e-13  # tight: only rounding
    assert spec.has_negative and not spec.positive_definite


def test_hessian_spectrum_over_a_ball_matrix_holds_for_every_member():
    """Balls of radius 0.1 around [[1, 0.5], [0.5, 1]]: sampled members' eigenvalues lie in
    the intervals, and every member is positive definite."""
    rows = [[arb(1, 0.1), arb(0.5, 0.1)], [arb(0.5, 0.1), arb(1, 0.1)]]
    spec = certify.hessian_spectrum(rows)
    assert spec.positive_definite
    rng = np.random.default_rng(0)
    for _ in range(200):
        e = rng.uniform(-0.1, 0.1, (2, 2))
        m = np.array([[1, 0.5], [0.5, 1]]) + (e + e.T) / 2
        w = np.linalg.eigvalsh(m)
        assert spec.lambda_min[0] <= w[0] <= spec.lambda_min[1] and spec.lambda_max[0] <= w[1] <= spec.lambda_max[1]


def test_a_singular_hessian_has_an_undecided_eigenvalue():
    """diag(1, 0) with radius 1e-9: the zero eigenvalue's sign is not decided (never a guess)."""
    spec = certify.hessian_spectrum([[arb(1), arb(0)], [arb(0), arb(0, 1e-9)]])
    assert (spec.n_negative, spec.n_positive, spec.n_undecided) == (0, 1, 1)
    assert spec.lambda_min[0] < 0 < spec.lambda_min[1]


def test_hessian_spectrum_errors():
    with pytest.raises(ValueError, match="hessian must be a square d x d matrix of arb balls with d >= 1; got 2 rows"):
        certify.hessian_spectrum([[arb(1), arb(0)], [arb(0)]])
    with pytest.raises(ValueError, match="hessian must be finite"):
        certify.hessian_spectrum([[arb(1), arb(0)], [arb(0), arb("inf")]])


# --------------------------------------------------------------- certify_point on JAX losses


def jax_quartic(sign):
    """The `quartic` above as a JAX loss: a critical point at (1, 2) exactly, Hessian
    [[8, 1], [1, 2 sign]] there."""
    import jax.numpy as jnp

    def f(v):
        return (v[0] ** 2 - 1) ** 2 + sign * (v[1] ** 2 - 4) ** 2 / 16 + (v[0] - 1) * (v[1] - 2)

    return f


def test_certify_point_minimum_and_saddle_with_loss_enclosure():
    m = certify.certify_point(jax_quartic(1.0), [1.0, 2.0])
    assert m.status == "strict local minimum" and m.certified
    assert m.spectrum.n_positive == 2 and m.loss[0] <= 0.0 <= m.loss[1]
    assert m.spectrum.lambda_min[0] <= 5 - np.sqrt(10) <= m.spectrum.lambda_min[1] + 1e-6
    s = certify.certify_point(jax_quartic(-1.0), [1.0, 2.0])
    assert s.status == "strict saddle" and s.certified
    assert s.spectrum.n_negative == 1 and s.spectrum.lambda_min[1] < 0


def test_certify_point_rejects_wrong_critical_points():
    """A point 1e-3 off the minimum, and a point on a plateau, are not certified: the box
    the point is allowed (1e-6 of its size) holds no critical point."""
    import jax

    off = certify.certify_point(jax_quartic(1.0), [1.001, 2.0])
    assert off.status == "uncertified: no critical point proved" and not off.certified
    assert "Newton step" in off.reason
    plateau = lambda v: (0.3 - jax.nn.sigmoid(v[0])) ** 2 + v[1] ** 2
    p = certify.certify_point(plateau, [-16.0, 0.0])
    assert p.status == "uncertified: no critical point proved" and not p.certified


def test_certify_point_degenerate_and_not_evaluable():
    import jax.numpy as jnp

    d = certify.certify_point(lambda v: v[0] ** 4 + v[1] ** 2, [0.0, 0.0])
    assert d.status == "uncertified: degenerate" and not d.certified
    u = certify.certify_point(lambda v: jnp.sum(jnp.cumsum(v) ** 2), [0.0, 0.0])
    assert u.status == "uncertified: not evaluable" and "cumsum" in u.reason
    with pytest.raises(ValueError, match=re.escape("x must be a finite vector of shape (d,) with d >= 1; got shape (2, 1)")):
        certify.certify_point(lambda v: jnp.sum(v ** 2), np.zeros((2, 1)))


def test_statistical_test_block_names_the_test_its_rate_and_numbers():
    block = certify.statistical_test("Wilson", {"false_alarm": np.float64(1e-6), "runs": 128.0,
                                                "trap_upper": np.float64(0.157), "profile": np.ones(3)})
    assert block == {"name": "Wilson", "false_alarm_rate": 1e-6, "numbers": {"runs": 128.0, "trap_upper": 0.157}}
    cert = certify.RefutationCertificate("float64 only", "statistical test", "why", test=block)
    assert cert.to_json()["test"] == block
    assert "test" not in certify.RefutationCertificate("certified", "m").to_json()
    with pytest.raises(ValueError, match="measured must hold 'false_alarm'"):
        certify.statistical_test("Wilson", {"runs": 128.0})


@pytest.mark.parametrize("claim_id", ["du/random-init-trap", "init/isometry", "init/scalar-resnet",
                                      "init/balduzzi-scaling", "yun/rademacher", "liu/population-loss"])
def test_every_statistical_claim_reports_its_test(claim_id):
    """The certificate of a statistical claim carries its test: name, rate, numbers (the
    check's own measured numbers, recomputed when not given)."""
    from verify import get_claim
    from verify.search import make_instance

    claim = get_claim(claim_id)
    inst = {k: np.asarray(v) for k, v in make_instance(claim, 0, 0).items()}
    measured = claim.check_instance(inst).measured
    test = claim.certify_refutation(inst, measured).test
    assert test["name"] == claim.test_name != "a Monte Carlo test (see the claim's docstring)"
    assert test["false_alarm_rate"] == pytest.approx(float(measured["false_alarm"]))
    assert 0 < test["false_alarm_rate"] < 1e-3
    assert test["numbers"] and all(np.isfinite(v) for v in test["numbers"].values())
