"""Hardt & Ma, section 2: the landscape of the linear residual network (seed 002, section 2).

The model, its risk f and the set B_tau are in `verify.claims.hardt_ma.model`. Claims here:

* `CriticalPointsGlobal` (``hardt-ma/critical-points-global``): [1] Theorem 2.2 (the seed's
  Theorem 1), every critical point in B_tau, tau < 1, is a global minimum; also checked in
  the quantitative form given by the derived gradient bound.
* Three readings of the gradient lower bound ||grad f(A)||_F^2 >= mu (f(A) - f_opt) on B_tau,
  which differ only in mu:

  - `GradientLowerBoundInPaper` (``hardt-ma/gradient-lower-bound-paper``), [1] eq. (2.3) as
    printed: mu = 4 l (1 - tau)^(l-1) sigma_min(Sigma)^2. Refuted.
  - `GradientLowerBoundAsPrinted` (``hardt-ma/gradient-lower-bound``), the seed's eq. (6) as
    printed: mu = 4 l (1 - tau)^(2l-2) sigma_min(Sigma)^2. Refuted.
  - `GradientLowerBound` (``hardt-ma/gradient-lower-bound-derived``), what the derivation
    supports (`gradient_lower_bound`): mu = 4 l (1 - tau)^(2l-2) sigma_min(Sigma). Holds.

  The seed's eq. (6) is the paper's eq. (2.3) with the exponent 2l - 2 of (1 - tau) where
  the paper prints l - 1; both have sigma_min(Sigma)^2, which is not invariant under
  rescaling x and fails once sigma_min(Sigma) > 1. The paper's exponent l - 1 fails on its own too: at
  d = 1, l = 2, Sigma = 1 and A_1 = A_2 = -tau (on the boundary of B_tau),
  ||grad f||^2 = 8 (1 - tau)^2 (f - f_opt), below the printed 8 (1 - tau) (f - f_opt) for
  every tau in (0, 1). The derived bound is tight there, and at A = 0 when Sigma = c I.
* `GradientDescentInBall` (``hardt-ma/gd-in-ball``): linear convergence of gradient descent
  while its iterates stay in B_tau (the text after [1] Theorem 2.2; the seed around eq. (6)).
* `NonConvex` (``hardt-ma/nonconvex``): problem (1) is convex, problem (2) is not.

References:
  [1] M. Hardt, T. Ma. Identity Matters in Deep Learning. ICLR 2017, arXiv:1611.04231v3:
      Theorem 2.2 (critical points in B_tau are global) and eq. (2.3) in the text after it
      (the gradient lower bound).
  [2] G. Li. Identity Matters in Deep Learning (literature review, ELE538B, 2018), the seed
      ``shared/seeds/002_56c6572621e81ca1.txt``: section 2, Theorem 1, equation (6).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from verify.claims.base import (
    REFUTED,
    Claim,
    Evidence,
    MarginCase,
    all_of,
    compare,
    min_over,
    register,
    tolerance_margin,
)
from verify.claims.hardt_ma.model import (
    SEED_002,
    blocks_in_ball,
    flat_excess_risk,
    max_block_norm,
    problem_scales,
    random_covariance,
    residual_product,
    sigma_min,
    validate_problem,
)
from verify.errors import InvalidInstanceError
from verify.landscape import (
    PointType,
    extreme_eigenvalues,
    hessian,
    is_critical,
    lambda_max,
    search_and_classify,
    type_counts,
)
from verify.tolerances import TOLERANCES

__all__ = [
    "gradient_lower_bound",
    "gradient_lower_bound_as_printed",
    "gradient_lower_bound_in_paper",
    "gradient_descent_trajectory",
    "GRADIENT_PARAMS",
    "STARTS",
    "FINDER_STEPS",
    "GD_STEPS",
    "GD_RATE_TOL",
    "PROBES",
    "CriticalPointsGlobal",
    "GradientLowerBound",
    "GradientLowerBoundAsPrinted",
    "GradientLowerBoundInPaper",
    "GradientDescentInBall",
    "NonConvex",
]


# ------------------------------------------------------------------ the gradient bounds


def gradient_lower_bound(l: int, tau, covariance) -> jax.Array:
    """mu = 4 l (1 - tau)^(2l - 2) sigma_min(Sigma): the constant the proof supports in
    ||grad f(A)||_F^2 >= mu (f(A) - f_opt) on B_tau.

    Derivation (the gradient formula behind [1] eq. (2.3)): with E = P - R, the gradient in
    A_i is 2 (I+A_l)...(I+A_{i+1})^T E Sigma ((I+A_{i-1})...(I+A_1))^T. Each factor I + A_j
    has sigma_min >= 1 - tau on B_tau, so ||grad_i||_F >= 2 (1 - tau)^(l-1) ||E Sigma||_F, and
    ||E Sigma||_F^2 = tr(E Sigma^2 E^T) >= sigma_min(Sigma) tr(E Sigma E^T)
    = sigma_min(Sigma) (f - f_opt). Summing over the l blocks gives mu. Tight: equality at
    A = 0 when Sigma is a multiple of I, and at A_1 = ... = A_l = -tau I when d = 1.
    """
    return 4.0 * l * (1.0 - tau) ** (2 * l - 2) * sigma_min(covariance)


def gradient_lower_bound_as_printed(l: int, tau, covariance) -> jax.Array:
    """4 l (1 - tau)^(2l - 2) sigma_min(Sigma)^2: the constant of the seed's equation (6).

    It differs from `gradient_lower_bound` by a factor sigma_min(Sigma), and is not
    invariant under rescaling x: replacing Sigma by c Sigma multiplies both sides of
    ||grad f||^2 >= mu (f - f_opt) by c^2 in the correct bound, but the right-hand side by
    c^3 here, so it fails for sigma_min(Sigma) large enough (at A = 0, Sigma = c I, any
    R != I, as soon as c > 1)."""
    return 4.0 * l * (1.0 - tau) ** (2 * l - 2) * sigma_min(covariance) ** 2


def gradient_lower_bound_in_paper(l: int, tau, covariance) -> jax.Array:
    """4 l (1 - tau)^(l - 1) sigma_min(Sigma)^2: the constant of [1] eq. (2.3) as printed.

    Two departures from `gradient_lower_bound`: sigma_min(Sigma)^2 for sigma_min(Sigma) (as
    in the seed's eq. (6), `gradient_lower_bound_as_printed`) and the exponent l - 1 for
    2l - 2. Either alone makes it false: the first for sigma_min(Sigma) > 1, the second for
    l >= 2, tau > 0 on the boundary of B_tau (module docstring)."""
    return 4.0 * l * (1.0 - tau) ** (l - 1) * sigma_min(covariance) ** 2


def _gradient_bound_evidence(instance, constant_fn):
    blocks, tau, sigma = instance["A"], instance["tau"], instance["Sigma"]
    l = blocks.shape[0]
    risk = flat_excess_risk(instance)
    x = blocks.reshape(-1)
    excess = risk(x)
    grad_sq = jnp.sum(jax.grad(risk)(x) ** 2)
    mu = constant_fn(l, tau, sigma)
    rhs = mu * excess
    # Both sides are sums of products of O(l d^2) terms of the same sign: rounding is a few
    # ulps of each; TOLERANCES["identity"] (1e-10) relative to the right-hand side.
    return compare(
        grad_sq, rhs, "lower", TOLERANCES["identity"],
        jnp.maximum(rhs, jnp.finfo(jnp.float64).tiny), name="grad_norm_sq",
        excess_risk=excess, mu=mu, sigma_min_Sigma=sigma_min(sigma),
        block_norm=max_block_norm(blocks), tau=tau,
        ratio=grad_sq / jnp.maximum(excess, jnp.finfo(jnp.float64).tiny),
    )


GRADIENT_PARAMS = (
    {"d": 1, "l": 1}, {"d": 2, "l": 2}, {"d": 3, "l": 4}, {"d": 8, "l": 8}, {"d": 32, "l": 32},
)


def _gradient_instance(r, sigma, tau, blocks):
    return {"R": jnp.asarray(r, jnp.float64), "Sigma": jnp.asarray(sigma, jnp.float64),
            "tau": jnp.asarray(tau, jnp.float64), "A": jnp.asarray(blocks, jnp.float64)}


#: A = 0, Sigma = 2.5 I, R = I + a fixed 3 x 3 matrix: grad f = 2 E Sigma in every block, so
#: ||grad f||^2 = 4 l c^2 ||E||_F^2 and f - f_opt = c ||E||_F^2 (the derived bound with equality).
_AT_ZERO = _gradient_instance(
    np.eye(3) + np.array([[0.3, -0.2, 0.1], [0.5, 0.4, -0.6], [0.0, 0.7, 0.2]]),
    2.5 * np.eye(3), 0.0, np.zeros((4, 3, 3)),
)
#: d = 1, l = 2, Sigma = 1, A_1 = A_2 = -1/2 (tau = 1/2, on the boundary), R = 2:
#: ||grad f||^2 = 8 (1 - tau)^2 (f - f_opt) exactly (both factors I + A_i have norm 1 - tau).
_ON_BOUNDARY = _gradient_instance([[2.0]], [[1.0]], 0.5, np.full((2, 1, 1), -0.5))
#: d = l = 1, tau = 0, A = 0, Sigma = (2), R = (2): ||grad f||^2 = 4 s^2 (R - 1)^2 = 16 and
#: f - f_opt = s (R - 1)^2 = 2; a printed constant with sigma_min(Sigma)^2 asks for 32.
_SMALLEST = _gradient_instance([[2.0]], [[2.0]], 0.0, np.zeros((1, 1, 1)))

#: Rounding of ||grad f||^2 and of mu (f - f_opt): a few ulps each, i.e. ~1e-6 tolerance
#: units of TOLERANCES["identity"] (1e-10); 1e-3 leaves three orders of margin.
_BOUND_ATOL = 1e-3


def gradient_bound_certificate(instance, exponent: int, power: int, prec: int = 128):
    """Certify ``||grad f(A)||_F^2 < 4 l (1 - tau)^exponent sigma_min(Sigma)^power (f(A) - f_opt)``
    at the stored arrays in ball arithmetic, with the hypotheses tau < 1, Sigma positive
    definite and every ||A_i||_2 <= tau proved too.

    f - f_opt and the gradient are the traced JAX programs (`flat_excess_risk`, `jax.grad`)
    interpreted on arb balls (`verify.landscape.balls`); sigma_min(Sigma) and each
    ``||A_i||_2^2 = lambda_max(A_i^T A_i)`` are enclosed by `hessian_spectrum` (Gershgorin
    and Ostrowski around a float64 eigendecomposition), ``||A_i||_2 <= tau`` as
    ``lambda_max((A_i / tau)^T (A_i / tau)) <= 1``.
    """
    from flint import arb, arb_mat, ctx

    from verify.landscape import balls
    from verify.landscape.certify import certify_violation, hessian_spectrum, interval_ball

    r, sigma, tau, blocks = (np.asarray(instance[k], np.float64) for k in ("R", "Sigma", "tau", "A"))
    l = blocks.shape[0]
    risk = flat_excess_risk({"R": jnp.asarray(r), "Sigma": jnp.asarray(sigma)})
    x = blocks.reshape(-1)
    with ctx.workprec(prec):
        excess = balls.evaluate(risk, x, prec=prec)[()]
        grad = balls.evaluate(jax.grad(risk), x, prec=prec)
        grad_sq = sum((g * g for g in grad.reshape(-1)), arb(0))
        s = interval_ball(*hessian_spectrum(arb_mat(sigma.tolist())).lambda_min)
        t = arb(float(tau))
        mu = 4 * l * (1 - t) ** exponent * s**power
        rhs = mu * excess
        in_ball = {}
        for i, block in enumerate(blocks, start=1):
            if tau > 0:
                # 1 - ||A_i / tau||_2^2 = 1 - lambda_max(B^T B), B = A_i / tau in balls: scaled to
                # order 1, so that a tau near the underflow threshold is decided too
                b = arb_mat(block.tolist()) * (1 / t)
                slack = 1 - interval_ball(*hessian_spectrum(b.transpose() * b).lambda_max)
            else:  # tau = 0: B_tau is A_i = 0, decided exactly on the float entries
                slack = -arb(float(np.max(np.abs(block), initial=0.0)))
            in_ball[f"||A_{i}||_2 <= tau"] = (slack, "nonnegative")
        return certify_violation(
            grad_sq, rhs, "lower", prec=prec,
            hypotheses={"tau < 1": (1 - t, "positive"),
                        "Sigma positive definite": (s, "positive"),
                        **in_ball},
            numbers={"excess_risk": excess, "sigma_min_Sigma": s, "mu": mu},
        )


class _GradientBoundBase(Claim):
    kind = "pointwise"
    params = GRADIENT_PARAMS
    #: mu = 4 l (1 - tau)^exponent(l) sigma_min(Sigma)^SIGMA_POWER, for the certificate
    SIGMA_POWER = 1

    @staticmethod
    def tau_exponent(l: int) -> int:
        return 2 * l - 2

    def certificate(self, instance):
        l = np.shape(instance["A"])[0]
        return gradient_bound_certificate(instance, self.tau_exponent(l), self.SIGMA_POWER)

    def generate(self, key, d=2, l=2):
        kr, ks, kt, ka, kz = jax.random.split(key, 5)
        tau = jax.random.uniform(kt, (), maxval=0.95)
        # half the instances at A = 0 (where the bound is tight), half spread over B_tau
        at_zero = jax.random.bernoulli(kz)
        blocks = jnp.where(at_zero, 0.0, blocks_in_ball(ka, l, d, tau))
        return {
            "R": jax.random.normal(kr, (d, d)) / jnp.sqrt(d) + jnp.eye(d),
            "Sigma": random_covariance(ks, d),
            "tau": tau,
            "A": blocks,
        }

    def validate(self, instance):
        super().validate(instance)
        validate_problem(instance, "A")


@register
class GradientLowerBound(_GradientBoundBase):
    """The gradient lower bound on B_tau that the argument behind Hardt & Ma's eq. (2.3) supports.

    Setting: the linear residual network risk f (`verify.claims.hardt_ma.model`) with Sigma
    positive definite, any R in R^{d x d}, depth l >= 1, and A in B_tau with tau in [0, 1).

    Claim (lower bound, tight at A = 0 for Sigma = c I and, for d = 1, at A_i = -tau):
      ||grad f(A)||_F^2 >= 4 l (1 - tau)^(2l-2) sigma_min(Sigma) (f(A) - f_opt).
    This is the seed's equation (6) with sigma_min(Sigma) in place of sigma_min(Sigma)^2, and
    [1] eq. (2.3) with, in addition, the exponent 2l - 2 in place of l - 1: see
    `gradient_lower_bound` for the derivation, and `GradientLowerBoundAsPrinted` and
    `GradientLowerBoundInPaper` for the two printed statements, both false.

    Check: evaluate both sides at the instance's A (autodiff gradient of the closed-form
    risk). Instances: R = I + G with G Gaussian / sqrt(d), Sigma with eigenvalues
    log-uniform in [0.1, 10], tau uniform in [0, 0.95], A = 0 or random in B_tau.

    Margin: 1 - (mu (f - f_opt) - ||grad f||_F^2) / (1e-10 mu (f - f_opt))
    (TOLERANCES["identity"]): 1 where the bound is attained with equality, far above 1 where
    it has slack.

    References: [1] Hardt & Ma, eq. (2.3) in the text after Theorem 2.2 (arXiv:1611.04231v3);
    [2] seed 002 (`shared/seeds/002_56c6572621e81ca1.txt`), section 2, equation (6).
    """

    id = "hardt-ma/gradient-lower-bound-derived"
    source = f"Hardt & Ma, eq. (2.3), as its derivation supports; review eq. (6) ({SEED_002})"
    statement = (
        "Inside B_tau (tau < 1), ||grad f(A)||_F^2 >= 4 l (1-tau)^(2l-2) sigma_min(Sigma) "
        "(f(A) - f_opt): the review's equation (6) with sigma_min(Sigma) instead of "
        "sigma_min(Sigma)^2 (the reading the derivation supports; the paper's eq. (2.3) also "
        "prints the exponent l - 1)."
    )

    def check(self, instance):
        return _gradient_bound_evidence(instance, gradient_lower_bound)

    def margin_cases(self):
        return (
            MarginCase("A = 0, Sigma = 2.5 I, d = 3, l = 4: attained with equality", _AT_ZERO, 1.0,
                       _BOUND_ATOL),
            MarginCase("d = 1, l = 2, Sigma = 1, A_i = -tau = -1/2: attained with equality",
                       _ON_BOUNDARY, 1.0, _BOUND_ATOL),
        )


@register
class GradientLowerBoundAsPrinted(_GradientBoundBase):
    """The seed's equation (6), as printed: false when sigma_min(Sigma) > 1.

    Setting: as `GradientLowerBound`.

    Claim (lower bound, as printed in the seed):
      ||grad f(A)||_F^2 >= 4 l (1 - tau)^(2l-2) sigma_min(Sigma)^2 (f(A) - f_opt).
    It transcribes [1] eq. (2.3) with the exponent 2l - 2 (the paper prints l - 1; that
    statement is `GradientLowerBoundInPaper`). Not scale-invariant (see
    `gradient_lower_bound_as_printed`); the toolkit refutes it. The smallest counterexample:
    d = l = 1, tau = 0, A = 0, Sigma = (s) with s > 1, any R != 1:
    ||grad f||^2 = 4 s^2 (R - 1)^2 < 4 s^3 (R - 1)^2.

    Check: as `GradientLowerBound`, with the printed constant. Expected verdict: refuted.

    Margin: as `GradientLowerBound`'s, with this mu: 1 where attained (d = 1, l = 2,
    Sigma = 1, A_i = -tau), 1 - (1 - 1/s) / 1e-10 at the smallest counterexample.

    References: [2] seed 002 (`shared/seeds/002_56c6572621e81ca1.txt`), equation (6);
    [1] Hardt & Ma, eq. (2.3) (arXiv:1611.04231v3).
    """

    id = "hardt-ma/gradient-lower-bound"
    SIGMA_POWER = 2
    source = f"Review of Hardt & Ma, equation (6), as printed ({SEED_002})"
    statement = (
        "Inside B_tau (tau < 1), ||grad f(A)||_F^2 >= 4 l (1-tau)^(2l-2) sigma_min(Sigma)^2 "
        "(f(A) - f_opt), exactly as the seed prints it (false: see "
        "hardt-ma/gradient-lower-bound-derived)."
    )
    expected = REFUTED

    def check(self, instance):
        return _gradient_bound_evidence(instance, gradient_lower_bound_as_printed)

    def margin_cases(self):
        return (
            MarginCase("d = 1, l = 2, Sigma = 1, A_i = -tau = -1/2: attained with equality",
                       _ON_BOUNDARY, 1.0, _BOUND_ATOL),
            MarginCase("d = l = 1, A = 0, Sigma = (2), R = (2): 16 against 32", _SMALLEST,
                       1.0 - 0.5 / TOLERANCES["identity"], _BOUND_ATOL),
        )


@register
class GradientLowerBoundInPaper(_GradientBoundBase):
    """Hardt & Ma's eq. (2.3), as printed: false, through sigma_min(Sigma)^2 and through (1 - tau)^(l-1).

    Setting: as `GradientLowerBound` (the paper writes C_opt for f_opt).

    Claim (lower bound, as printed in [1], in the text after Theorem 2.2):
      ||grad f(A)||_F^2 >= 4 l (1 - tau)^(l-1) sigma_min(Sigma)^2 (f(A) - C_opt).
    Compared with the other two readings (module docstring): the seed's eq. (6)
    (`GradientLowerBoundAsPrinted`) has (1 - tau)^(2l-2); the bound the derivation supports
    (`GradientLowerBound`) has (1 - tau)^(2l-2) and sigma_min(Sigma). Each departure alone
    breaks it: the smallest counterexample (a property test shrinks to it) is d = l = 1,
    A = 0, Sigma = (s), s > 1, as for eq. (6); with Sigma = I, where sigma_min^2 =
    sigma_min, it still fails at d = 1, l = 2, A_1 = A_2 = -tau, tau > 0:
    ||grad f||^2 = 8 (1 - tau)^2 (f - C_opt) < 8 (1 - tau) (f - C_opt).

    Check: as `GradientLowerBound`, with the printed constant. Expected verdict: refuted.

    Margin: as `GradientLowerBound`'s, with this mu: 1 - tau / 1e-10 at d = 1, l = 2,
    Sigma = 1, A_i = -tau; 1 - (1 - 1/s) / 1e-10 at d = l = 1, A = 0, Sigma = (s).

    References: [1] M. Hardt, T. Ma, Identity Matters in Deep Learning, ICLR 2017,
    arXiv:1611.04231v3, eq. (2.3); [2] seed 002 (`shared/seeds/002_56c6572621e81ca1.txt`),
    equation (6), which transcribes it.
    """

    id = "hardt-ma/gradient-lower-bound-paper"
    SIGMA_POWER = 2

    @staticmethod
    def tau_exponent(l: int) -> int:
        return l - 1

    source = f"Hardt & Ma, eq. (2.3) (after Theorem 2.2), as printed; review eq. (6) ({SEED_002})"
    statement = (
        "Inside B_tau (tau < 1), ||grad f(A)||_F^2 >= 4 l (1-tau)^(l-1) sigma_min(Sigma)^2 "
        "(f(A) - C_opt), exactly as the paper prints eq. (2.3) (false: see "
        "hardt-ma/gradient-lower-bound-derived)."
    )
    expected = REFUTED

    def check(self, instance):
        return _gradient_bound_evidence(instance, gradient_lower_bound_in_paper)

    def margin_cases(self):
        tol = TOLERANCES["identity"]
        return (
            MarginCase("d = 1, l = 2, Sigma = 1, A_i = -tau = -1/2: (1 - tau)^2 against 1 - tau",
                       _ON_BOUNDARY, 1.0 - 0.5 / tol, _BOUND_ATOL),
            MarginCase("d = l = 1, A = 0, Sigma = (2), R = (2): 16 against 32", _SMALLEST,
                       1.0 - 0.5 / tol, _BOUND_ATOL),
        )


# ------------------------------------------------------------ critical points in B_tau

#: Starts of the critical-point search per instance, and steps per start.
STARTS = 16
FINDER_STEPS = 200


@register
class CriticalPointsGlobal(Claim):
    """Inside B_tau, tau < 1, every critical point of the linear residual risk is global.

    Setting: f(A) = E||y - (I + A_l)...(I + A_1) x||^2 with y = R x + zeta
    (`verify.claims.hardt_ma.model`), Sigma = E[x x^T] positive definite, l >= 1 blocks of
    size d x d, and B_tau = {A : max_i ||A_i||_2 <= tau} with tau < 1.

    Claim ([1] Theorem 2.2, seed Theorem 1): every critical point of f in B_tau is a global
    minimum: f(A) = f_opt. Checked in two forms:
      (a) critical => global: at every critical point found inside B_tau,
          f - f_opt <= loss_equal * loss scale (upper bound);
      (b) the quantitative form that survives rounding: at every point of B_tau visited
          (the starts and the end points inside B_tau),
          f(A) - f_opt <= ||grad f(A)||_F^2 / mu + loss_equal * loss scale,
          mu = 4 l (1 - tau)^(2l-2) sigma_min(Sigma) (`gradient_lower_bound`, the derived
          form of [1] eq. (2.3); vacuous when mu = 0, i.e. tau = 1 and l >= 2).
    A point found by the finder is counted as inside B_tau when ||A|| <= tau + grad_critical
    * max(||A||, 1): it is within that relative distance of the critical point it
    approximates, which may lie on the boundary.

    Check: `STARTS` starts drawn in B_tau with ||A_i|| in [tau/2, tau] (near the boundary,
    where a non-global critical point would sit), half of them to the saddle-seeking
    Levenberg-Marquardt finder, half to saddle-free Newton then a Levenberg-Marquardt
    polish (`verify.landscape.search_and_classify`). R is drawn, with probability
    1/2 each, as a product (I + A*_l)...(I + A*_1) with A* in B_tau, so that global minima
    lie in B_tau and (a) is not vacuous, or as a Gaussian matrix (entries N(0, 4/d), either
    sign of det R), for which the theorem says B_tau holds no critical point unless P = R
    is reachable there; Sigma has eigenvalues log-uniform in [0.1, 10]; tau uniform in
    [0.1, 0.95]. At tau = 1 the statement fails (a non-global critical point with every
    I + A_i singular lies on the boundary); `tests/test_hardt_ma.py` shows the search finds it.

    Margin: the smallest over (a) of 1 - (f - f_opt) / (loss_equal loss scale) and over (b)
    of 1 - (f - f_opt - ||grad f||^2 / mu) / (loss_equal loss scale) (loss_equal = 1e-9);
    1 at a global minimum found exactly, and where the derived bound is attained (l = 1,
    d = 1, where it is an identity).

    References: [1] Hardt & Ma, Theorem 2.2 (arXiv:1611.04231v3); [2] seed 002
    (`shared/seeds/002_56c6572621e81ca1.txt`), section 2, Theorem 1.
    """

    id = "hardt-ma/critical-points-global"
    source = f"Hardt & Ma, Theorem 2.2; review Theorem 1 ({SEED_002})"
    statement = (
        "For tau < 1, every critical point A of f(A) = E||y - (I+A_l)...(I+A_1)x||^2 "
        "(Sigma positive definite) with max_i ||A_i|| <= tau is a global minimum; also "
        "checked as f(A) - f_opt <= ||grad f(A)||^2 / (4 l (1-tau)^(2l-2) sigma_min(Sigma)) "
        "on B_tau."
    )
    kind = "landscape"
    params = ({"d": 1, "l": 2}, {"d": 2, "l": 2}, {"d": 2, "l": 3}, {"d": 3, "l": 3})

    def generate(self, key, d=2, l=2):
        ks, kt, ka, kb, kr, kc = jax.random.split(key, 6)
        tau = jax.random.uniform(kt, (), minval=0.1, maxval=0.95)
        starts = jax.vmap(lambda k: blocks_in_ball(k, l, d, tau, low=0.5))(
            jax.random.split(kb, STARTS)
        )
        reachable = residual_product(blocks_in_ball(ka, l, d, tau))
        arbitrary = jax.random.normal(kr, (d, d)) * 2.0 / jnp.sqrt(d)
        return {
            "R": jnp.where(jax.random.bernoulli(kc), reachable, arbitrary),
            "Sigma": random_covariance(ks, d),
            "tau": tau,
            "starts": starts,
        }

    def validate(self, instance):
        super().validate(instance)
        d = validate_problem(instance)
        s = np.shape(instance["starts"])
        if len(s) != 4 or s[2:] != (d, d) or s[0] < 1 or s[1] < 1:
            raise InvalidInstanceError(
                f"starts must have shape (k, l, {d}, {d}) with k, l >= 1; got shape {s}"
            )
        # Part (b) is checked at the starts: the bound it uses holds on B_tau only.
        norms = np.linalg.norm(np.asarray(instance["starts"], np.float64), ord=2, axis=(-2, -1))
        tau = float(instance["tau"])
        if np.max(norms) > tau * (1.0 + 1e-12) + 1e-300:
            k = int(np.argmax(np.max(norms, axis=1)))
            raise InvalidInstanceError(
                f"starts must lie in B_tau (max_i ||A_i||_2 <= tau = {tau!r}); start {k} has "
                f"max_i ||A_i||_2 = {float(np.max(norms[k]))!r}"
            )

    def check(self, instance):
        return _critical_points_evidence(instance)

    def margin_cases(self):
        # l = 1, d = 1: f - f_opt = s (R - 1 - a)^2 and ||grad f||^2 = 4 s^2 (R - 1 - a)^2, so
        # (b) is an identity at every point (rounding only: ~1e-7 units of loss_equal), and
        # the only critical point, a = R - 1 = 0.5, is global and inside B_0.9.
        inst = {"R": jnp.array([[1.5]]), "Sigma": jnp.array([[2.0]]), "tau": jnp.asarray(0.9),
                "starts": jnp.array([-0.9, -0.3, 0.2, 0.8]).reshape(4, 1, 1, 1)}
        return (MarginCase("d = l = 1: the derived bound is an identity; the critical point is global",
                           inst, 1.0, 1e-3),)


def _critical_points_evidence(instance):
    r, sigma, tau, starts = instance["R"], instance["Sigma"], instance["tau"], instance["starts"]
    k, l, d = starts.shape[0], starts.shape[1], starts.shape[2]
    risk = flat_excess_risk(instance)
    curvature, loss_scale = problem_scales(r, sigma)
    points, c = search_and_classify(
        risk, starts.reshape(k, -1), FINDER_STEPS,
        curvature_floor=curvature, loss_floor=loss_scale,
    )
    mu = gradient_lower_bound(l, tau, sigma)
    positive_mu = mu > 0
    tol = TOLERANCES["loss_equal"]

    def at(x):
        excess = risk(x)
        grad_sq = jnp.sum(jax.grad(risk)(x) ** 2)
        bound = grad_sq / jnp.where(positive_mu, mu, 1.0)
        return max_block_norm(x.reshape(l, d, d)), excess, tolerance_margin((excess - bound) / loss_scale, tol)

    end_norm, end_excess, end_quant = jax.vmap(at)(points)
    _, _, start_quant = jax.vmap(at)(starts.reshape(k, -1))
    inside = end_norm <= tau + TOLERANCES["grad_critical"] * jnp.maximum(end_norm, 1.0)
    critical_inside = is_critical(c) & inside
    gap = end_excess / loss_scale
    global_margin = min_over(critical_inside, tolerance_margin(gap, tol))
    # (b) is vacuous where mu = 0 (tau = 1, outside the hypotheses).
    quant_margin = jnp.minimum(min_over(positive_mu, start_quant), min_over(inside & positive_mu, end_quant))
    # A point inside B_tau that is neither clearly critical nor clearly not could be a
    # non-global critical point: the instance is then inconclusive, not a pass.
    undecided_inside = inside & (c.point_type == PointType.INCONCLUSIVE)
    return Evidence(
        margin=jnp.minimum(global_margin, quant_margin),
        conclusive=~jnp.any(undecided_inside),
        measured={
            **type_counts(c),
            "n_critical_inside": jnp.sum(critical_inside).astype(jnp.float64),
            "n_outside": jnp.sum(~inside).astype(jnp.float64),
            "max_gap_at_critical_inside": jnp.max(jnp.where(critical_inside, gap, 0.0)),
            "max_norm_at_critical_inside": jnp.max(jnp.where(critical_inside, end_norm, 0.0)),
            "global_margin": global_margin,
            "quantitative_margin": quant_margin,
            "mu": mu,
            "tau": tau,
        },
    )


# ------------------------------------------------------------------ gradient descent

GD_STEPS = 300

#: Steps are checked while the excess risk is above this fraction of the initial one; below
#: it, rounding of f (a few ulps of the terms of tr(E Sigma E^T)) dominates the ratio.
_ABOVE_ROUNDING = 1e-9

#: Tolerance of the per-step rate f(A_{t+1}) - f_opt <= rate (f(A_t) - f_opt), in rate units.
#: Each excess risk comes from E = R - P, whose entries carry an absolute error of about
#: l d eps ||P||; on the checked steps ||E|| >= ~3e-5 ||E_0|| (excess above _ABOVE_ROUNDING
#: of the initial one), so each excess, and the ratio, is accurate to ~l d eps ||P|| /
#: (3e-5 ||E_0||) <~ 1e-9 for the sizes swept (l d <= 64, ||P|| / ||E_0|| <~ 10); 1e-6 leaves
#: three orders above that.
GD_RATE_TOL = 1e-6


@register
class GradientDescentInBall(Claim):
    """Gradient descent converges linearly to f_opt while its iterates stay in B_tau.

    Setting: the linear residual risk f (`verify.claims.hardt_ma.model`), Sigma positive
    definite, tau < 1, gradient descent A_{t+1} = A_t - eta grad f(A_t) (optax.sgd) from A_0
    in B_tau, eta = 1 / lambda_max(Hessian of f at A_0).

    Claim (upper bound, per step; the seed's "gradient descent is guaranteed to converge to
    the global minimum, provided that iterates stay inside B_tau", made quantitative with
    the gradient bound of `GradientLowerBound`): at every step t with A_t and A_{t+1} in
    B_tau and a sufficient decrease f(A_{t+1}) <= f(A_t) - (eta/2) ||grad f(A_t)||^2,
        f(A_{t+1}) - f_opt <= (1 - eta mu / 2) (f(A_t) - f_opt),
    mu = 4 l (1 - tau)^(2l-2) sigma_min(Sigma). (Sufficient decrease and the gradient
    bound give it in one line; the decrease condition holds for eta <= 1/beta when f is
    beta-smooth on the segment, and is measured, not assumed.) Steps where either
    condition fails are counted and not checked; an instance whose iterates leave B_tau
    is reported (`left_ball`), as the theorem says nothing there.

    Check: the per-step contraction against the predicted 1 - eta mu / 2, on steps whose
    excess risk is above 1e-9 of the initial one (below that, rounding of f dominates the
    ratio). Measured: the observed geometric rate over the checked steps and the predicted
    rate. R = (I + A*_l)...(I + A*_1) with A* in B_{tau/2}, A_0 in B_{tau/2}, tau uniform in
    [0.3, 0.9].

    Margin: the smallest over the checked steps of 1 - (ratio - (1 - eta mu / 2)) / GD_RATE_TOL
    (ratio = (f(A_{t+1}) - f_opt) / (f(A_t) - f_opt); GD_RATE_TOL = 1e-6): 1 where a step
    contracts exactly at the predicted rate (d = l = 1 with eta = 1 / (2 sigma): one step
    reaches f_opt and the predicted rate is 0).

    References: [1] Hardt & Ma, section 2, the text after Theorem 2.2 and eq. (2.3)
    (arXiv:1611.04231v3); [2] seed 002 (`shared/seeds/002_56c6572621e81ca1.txt`), section 2,
    text around equation (6).
    """

    id = "hardt-ma/gd-in-ball"
    source = f"Hardt & Ma, section 2 (eq. (2.3) and the text after Theorem 2.2); review eq. (6) ({SEED_002})"
    statement = (
        "Gradient descent on f from A_0 in B_tau converges to f_opt, at the linear rate "
        "1 - eta mu / 2 per step (mu from the gradient lower bound) while the iterates stay "
        "in B_tau and each step decreases f by at least (eta/2)||grad f||^2."
    )
    kind = "landscape"
    params = ({"d": 2, "l": 2}, {"d": 3, "l": 4}, {"d": 8, "l": 8})

    def generate(self, key, d=2, l=2):
        ks, kt, ka, kb = jax.random.split(key, 4)
        tau = jax.random.uniform(kt, (), minval=0.3, maxval=0.9)
        return {
            "R": residual_product(blocks_in_ball(ka, l, d, tau / 2)),
            "Sigma": random_covariance(ks, d),
            "tau": tau,
            "A0": blocks_in_ball(kb, l, d, tau / 2),
        }

    def validate(self, instance):
        super().validate(instance)
        validate_problem(instance, "A0")

    def check(self, instance):
        return _gd_evidence(instance)

    def margin_cases(self):
        # f(a) = 2 (1.5 - 1 - a)^2: Hessian 4, eta = 1/4, mu = 4 * 2 = 8, predicted rate
        # 1 - eta mu / 2 = 0; from a = 0 one step lands on a = 0.5 (inside B_0.6) exactly, so
        # the one checked step has ratio 0: the rate is attained, with no rounding.
        inst = {"R": jnp.array([[1.5]]), "Sigma": jnp.array([[2.0]]), "tau": jnp.asarray(0.6),
                "A0": jnp.zeros((1, 1, 1))}
        return (MarginCase("d = l = 1, Sigma = (2): one exact step, ratio = predicted rate = 0",
                           inst, 1.0, 1e-9),)


def gradient_descent_trajectory(risk, x0, learning_rate, steps=GD_STEPS):
    """Iterates x_0..x_steps of gradient descent (optax.sgd) on `risk` from `x0`."""
    opt = optax.sgd(learning_rate)

    def step(carry, _):
        x, state = carry
        updates, state = opt.update(jax.grad(risk)(x), state, x)
        x = optax.apply_updates(x, updates)
        return (x, state), x

    _, xs = jax.lax.scan(step, (x0, opt.init(x0)), None, length=steps)
    return jnp.concatenate([x0[None], xs])


def _gd_evidence(instance):
    sigma, tau, a0 = instance["Sigma"], instance["tau"], instance["A0"]
    l, d = a0.shape[0], a0.shape[1]
    risk = flat_excess_risk(instance)
    x0 = a0.reshape(-1)
    lam_max = lambda_max(risk, x0).value
    eta = 1.0 / lam_max
    xs = gradient_descent_trajectory(risk, x0, eta)
    excess = jax.vmap(risk)(xs)
    grad_sq = jax.vmap(lambda x: jnp.sum(jax.grad(risk)(x) ** 2))(xs)
    inside = jax.vmap(lambda x: max_block_norm(x.reshape(l, d, d)))(xs) <= tau
    mu = gradient_lower_bound(l, tau, sigma)
    predicted = 1.0 - eta * mu / 2.0
    before, after = excess[:-1], excess[1:]
    decrease = after <= before - 0.5 * eta * grad_sq[:-1]
    above_rounding = before > _ABOVE_ROUNDING * excess[0]
    checked = inside[:-1] & inside[1:] & decrease & above_rounding
    ratio = after / jnp.where(before > 0, before, 1.0)
    margin = min_over(checked, tolerance_margin(ratio - predicted, GD_RATE_TOL))
    n_checked = jnp.sum(checked)
    log_ratio = jnp.where(checked, jnp.log(jnp.where(ratio > 0, ratio, 1.0)), 0.0)
    observed = jnp.exp(jnp.sum(log_ratio) / jnp.maximum(n_checked, 1))
    return Evidence(
        margin=margin,
        conclusive=n_checked > 0,
        measured={
            "eta": eta,
            "mu": mu,
            "predicted_rate": predicted,
            "observed_rate": observed,
            "n_checked_steps": n_checked.astype(jnp.float64),
            "n_steps_without_sufficient_decrease": jnp.sum(~decrease).astype(jnp.float64),
            "left_ball": jnp.any(~inside).astype(jnp.float64),
            "initial_excess": excess[0],
            "final_excess": excess[-1],
        },
    )


# ------------------------------------------------------------------ non-convexity

#: Random points at which the Hessian of f is probed for negative curvature.
PROBES = 8


@register
class NonConvex(Claim):
    """The residual parameterisation makes a convex problem non-convex (depth l >= 2).

    Setting: problem (1) g(A) = E||y - A x||^2 over A in R^{d x d}, and problem (2), the
    risk f of the linear residual network with l >= 2 blocks (`verify.claims.hardt_ma.model`);
    Sigma positive definite, any R.

    Claim (seed 002, section 2): g is convex and f is not. Checked as
      (a) lambda_min(Hessian of g) = 2 sigma_min(Sigma) > 0 (identity: the Hessian is
          2 Sigma (x) I, so g is in fact strongly convex);
      (b) f has negative curvature: lambda_min(Hessian of f at A) < -eig_zero ||H||_2 at
          some A among `PROBES` random points with ||A_i||_2 uniform in [0, 1.5]
          (an existence claim).
    Why it holds: at A_i = -I for all i the product P is a zero of order l, and the
    second-order term -2 tr(R Sigma (E_2 E_1)^T) of f is indefinite when l = 2 and R != 0;
    nearby random points see the same curvature. For l >= 2 and R = 0, f = tr(P Sigma P^T)
    is still non-convex (d = 1, l = 2: (u v)^2 has Hessian eigenvalue -2 at (1, 1)).

    Check: dense Hessians up to `verify.landscape.spectrum.DENSE_LIMIT` parameters,
    matrix-free (LOBPCG on Hessian-vector products) beyond.

    Margin: the smaller of (a) 1 - |lambda_min(g) - 2 sigma_min(Sigma)| / (1e-10 * 2
    sigma_max(Sigma)) and (b) -1 - lambda_min / (eig_zero ||H||_2) at the best probe, the
    negative of the second-order margin (`verify.claims._common.curvature_margin`): 0 at
    lambda_min = -eig_zero ||H||_2, -1 where the best probe is flat (lambda_min = 0),
    1 / eig_zero - 1 where lambda_min = -||H||_2.

    References: [2] seed 002 (`shared/seeds/002_56c6572621e81ca1.txt`), section 2, text
    after equation (2); [1] Hardt & Ma, section 2 (arXiv:1611.04231v3).
    """

    id = "hardt-ma/nonconvex"
    source = f"Review of Hardt & Ma, section 2, after equation (2) ({SEED_002})"
    statement = (
        "Problem (1), min_A E||y - A x||^2, is convex, while problem (2), the linear "
        "residual network risk with l >= 2 blocks, is not: its Hessian has a negative "
        "eigenvalue somewhere."
    )
    kind = "existence"
    # Depth and width 32 (32,768 parameters, matrix-free spectrum) run in bench/, not in the
    # default sweep: eight matrix-free spectra per instance are too slow for it.
    params = ({"d": 1, "l": 2}, {"d": 2, "l": 2}, {"d": 3, "l": 4}, {"d": 8, "l": 8})

    def generate(self, key, d=2, l=2):
        kr, ks, kp = jax.random.split(key, 3)
        probes = jax.vmap(lambda k: blocks_in_ball(k, l, d, 1.5))(jax.random.split(kp, PROBES))
        return {
            "R": jax.random.normal(kr, (d, d)) / jnp.sqrt(d) + jnp.eye(d),
            "Sigma": random_covariance(ks, d),
            "probes": probes,
        }

    def validate(self, instance):
        super().validate(instance)
        d = validate_problem(instance)
        s = np.shape(instance["probes"])
        if len(s) != 4 or s[2:] != (d, d) or s[0] < 1 or s[1] < 2:
            raise InvalidInstanceError(
                f"probes must have shape (k, l, {d}, {d}) with k >= 1 and l >= 2 (the claim "
                f"is about depth l >= 2); got shape {s}"
            )

    def check(self, instance):
        r, sigma, probes = instance["R"], instance["Sigma"], instance["probes"]
        k = probes.shape[0]
        risk = flat_excess_risk(instance)
        d = r.shape[0]

        def curvature(x):
            lo, hi = extreme_eigenvalues(risk, x)
            norm = jnp.maximum(jnp.abs(lo.value), jnp.abs(hi.value))
            norm = jnp.maximum(norm, jnp.finfo(jnp.float64).tiny)
            return lo.value / norm, lo.error / norm

        rel_min, rel_err = jax.lax.map(curvature, probes.reshape(k, -1))
        best = jnp.argmin(rel_min)
        # Existence: margin >= 0 iff some probe has lambda_min <= -eig_zero * ||H||_2; the
        # violation is measured from -2 eig_zero so that the edge -eig_zero reads 0.
        nonconvex = Evidence(
            margin=tolerance_margin(rel_min[best] + 2.0 * TOLERANCES["eig_zero"], TOLERANCES["eig_zero"]),
            conclusive=jnp.asarray(True),
            measured={
                "lambda_min_relative_best_probe": rel_min[best],
                "lobpcg_error_relative": rel_err[best],
                "n_probes_with_negative_curvature": jnp.sum(
                    rel_min < -TOLERANCES["eig_zero"]
                ).astype(jnp.float64),
            },
        )
        # Problem (1): g(A) = tr((R - A) Sigma (R - A)^T) + const, Hessian 2 Sigma (x) I.
        g = lambda a: jnp.sum(((r - a.reshape(d, d)) @ sigma) * (r - a.reshape(d, d)))
        g_eigs = jnp.linalg.eigvalsh(hessian(g, jnp.zeros(d * d)))
        convex = compare(
            g_eigs[0], 2.0 * sigma_min(sigma), "identity", TOLERANCES["identity"],
            2.0 * jnp.linalg.eigvalsh(sigma)[-1], name="lambda_min_problem_1",
        )
        return all_of(nonconvex, convex)

    def margin_cases(self):
        # d = 1, l = 2, f(a) = s (R - (1 + a_1)(1 + a_2))^2, Sigma = (1) (so (a) is exact: 1).
        # At a_1 = a_2 = -1 the Hessian is [[0, -2R], [-2R, 0]]: lambda_min = -||H||_2, and
        # (b) reads 1 / eig_zero - 1, so the margin is (a)'s 1. At a_1 = a_2 = 1/2 with
        # R = (3/2)^2 the Hessian is 2 (3/2)^2 [[1, 1], [1, 1]]: lambda_min = 0, (b) reads -1.
        saddle = {"R": jnp.array([[1.0]]), "Sigma": jnp.array([[1.0]]),
                  "probes": -jnp.ones((2, 2, 1, 1))}
        flat = {"R": jnp.array([[2.25]]), "Sigma": jnp.array([[1.0]]),
                "probes": 0.5 * jnp.ones((2, 2, 1, 1))}
        return (
            MarginCase("d = 1, l = 2, probes at A_i = -1: lambda_min = -||H||; convex part exact",
                       saddle, 1.0, 1e-3),
            # lambda_min of a 2 x 2 eigvalsh is 0 within ~eps ||H||, i.e. ~1e-10 units of eig_zero.
            MarginCase("d = 1, l = 2, probes at a global minimum with lambda_min = 0: flat, -1",
                       flat, -1.0, 1e-6),
        )
