"""Hardt & Ma, "Identity Matters in Deep Learning": linear residual networks (seed 002).

Setting of the linear part (seed 002, section 2): y = R x + zeta with x ~ D, Sigma = E[x x^T]
(positive definite), zeta independent of x with E[zeta] = 0 and E[zeta zeta^T] =
noise^2 I (the seed takes noise = 1). The deep linear residual network with l blocks
A = (A_1, ..., A_l), A_i in R^{d x d}, predicts (I + A_l) ... (I + A_1) x, and its population
risk has the closed form

    f(A) = E ||y - (I + A_l)...(I + A_1) x||^2 = tr((R - P) Sigma (R - P)^T) + noise^2 d,

with P = (I + A_l) ... (I + A_1) (`residual_product`). Its infimum over all A is
f_opt = noise^2 d, attained exactly where P = R. ||A|| = max_i ||A_i||_2 (`max_block_norm`)
and B_tau = {A : ||A|| <= tau}.

Claims (ids as in ``shared/CLAIMS.md``):

* `CriticalPointsGlobal` (``hardt-ma/critical-points-global``): Theorem 2.1, critical points
  in B_tau, tau < 1, are global (and the quantitative form through the gradient bound).
* `GradientLowerBoundAsPrinted` (``hardt-ma/gradient-lower-bound``): the seed's equation
  (6) as printed, with sigma_min(Sigma)^2: false, expected refuted.
* `GradientLowerBound` (``hardt-ma/gradient-lower-bound-derived``): the bound the proof of
  Lemma 2.3 supports, with sigma_min(Sigma).
* `GlobalMinimiserExists` (``hardt-ma/existence``): Theorem 2.2, in `_hardt_ma_existence`.
* `GradientDescentInBall` (``hardt-ma/gd-in-ball``): linear convergence of GD in B_tau.
* `NonConvex` (``hardt-ma/nonconvex``): problem (1) convex, problem (2) not.
* `ResnetMemorises` (``hardt-ma/expressivity``): Theorem 3.2, in `_hardt_ma_expressivity`.

References:
  [1] M. Hardt, T. Ma. Identity Matters in Deep Learning. ICLR 2017, arXiv:1611.04231v3:
      Theorem 2.1 (critical points in B_tau are global), Theorem 2.2 (existence of a
      global minimiser with small norm), Lemma 2.3 (gradient lower bound), Theorem 3.2
      (expressivity of ReLU residual networks).
  [2] G. Li. Identity Matters in Deep Learning (literature review, ELE538B, 2018), the
      seed ``shared/seeds/002_56c6572621e81ca1.txt``: Theorems 1-3, equation (6).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from verify.landscape import search_and_classify, type_counts
from verify.claims.base import REFUTED, Claim, Evidence, all_of, compare, register
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, extreme_eigenvalues, hessian, is_critical, lambda_max
from verify.tolerances import TOLERANCES

__all__ = [
    "SEED_002",
    "residual_product",
    "max_block_norm",
    "population_risk",
    "optimal_risk",
    "excess_risk",
    "validate_blocks",
    "validate_target",
    "validate_covariance",
    "validate_tau",
    "gradient_lower_bound",
    "gradient_lower_bound_as_printed",
    "CriticalPointsGlobal",
    "GradientLowerBound",
    "GradientLowerBoundAsPrinted",
    "GradientDescentInBall",
    "NonConvex",
]

SEED_002 = "shared/seeds/002_56c6572621e81ca1.txt"


def residual_product(blocks: jax.Array) -> jax.Array:
    """P = (I + A_l) ... (I + A_1) for `blocks` of shape (l, d, d) (A_1 first)."""
    d = blocks.shape[-1]

    def step(p, a):
        return p + a @ p, None

    p, _ = jax.lax.scan(step, jnp.eye(d, dtype=blocks.dtype), blocks)
    return p


def max_block_norm(blocks: jax.Array) -> jax.Array:
    """||A|| = max_i ||A_i||_2, the largest spectral norm of the blocks (seed 002, eq. (3))."""
    return jnp.max(jnp.linalg.norm(blocks, ord=2, axis=(-2, -1)))


def population_risk(blocks: jax.Array, target: jax.Array, covariance: jax.Array, noise=1.0) -> jax.Array:
    """f(A) = tr((R - P) Sigma (R - P)^T) + noise^2 d, the closed form of
    E||y - P x||^2 for y = R x + zeta (see the module docstring)."""
    e = target - residual_product(blocks)
    d = target.shape[0]
    return jnp.sum((e @ covariance) * e) + noise**2 * d


def optimal_risk(target: jax.Array, noise=1.0) -> jax.Array:
    """f_opt = noise^2 d: the infimum of f over all A, attained where P = R."""
    return jnp.asarray(noise, jnp.float64) ** 2 * target.shape[0]


def excess_risk(blocks: jax.Array, target: jax.Array, covariance: jax.Array) -> jax.Array:
    """f(A) - f_opt = tr((R - P) Sigma (R - P)^T), computed without the cancellation."""
    e = target - residual_product(blocks)
    return jnp.sum((e @ covariance) * e)


# -------------------------------------------------------------------- validation


def validate_blocks(name: str, blocks, d: int | None = None) -> None:
    """`blocks` must have shape (l, d, d) with l >= 1 (and d as given)."""
    shape = np.shape(blocks)
    if len(shape) != 3 or shape[0] < 1 or shape[1] != shape[2] or (d is not None and shape[1] != d):
        want = f"(l, {d}, {d})" if d is not None else "(l, d, d)"
        raise InvalidInstanceError(f"{name} must have shape {want} with l >= 1; got shape {shape}")


def validate_target(name: str, target, d: int | None = None) -> None:
    """`target` (R) must be a square d x d matrix."""
    shape = np.shape(target)
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1 or (d is not None and shape[0] != d):
        want = f"({d}, {d})" if d is not None else "(d, d)"
        raise InvalidInstanceError(f"{name} must be a square matrix of shape {want}; got shape {shape}")


def validate_covariance(name: str, covariance, d: int) -> None:
    """`covariance` (Sigma) must be d x d, symmetric and positive definite."""
    c = np.asarray(covariance, dtype=np.float64)
    if c.shape != (d, d):
        raise InvalidInstanceError(f"{name} must have shape ({d}, {d}); got shape {c.shape}")
    scale = max(float(np.max(np.abs(c))), np.finfo(np.float64).tiny)
    asym = float(np.max(np.abs(c - c.T))) / scale
    if asym > 1e-12:
        raise InvalidInstanceError(
            f"{name} must be symmetric; largest |Sigma - Sigma^T| / max|Sigma| is {asym:.3g}"
        )
    lam = np.linalg.eigvalsh(0.5 * (c + c.T))
    # Positive definite beyond rounding: eigvalsh is backward stable to ~d * eps * ||Sigma||.
    if lam[0] <= 1e-12 * max(abs(lam[-1]), np.finfo(np.float64).tiny):
        raise InvalidInstanceError(
            f"{name} must be positive definite (Theorem 1 needs sigma_min(Sigma) > 0); "
            f"smallest eigenvalue is {lam[0]:.3g} (largest {lam[-1]:.3g})"
        )


def validate_tau(name: str, tau, strict_below_one: bool = True) -> None:
    """`tau` must be a number in [0, 1) (Theorem 1 and equation (6) need tau < 1)."""
    t = np.asarray(tau, dtype=np.float64)
    if t.ndim != 0:
        raise InvalidInstanceError(f"{name} must be a scalar; got shape {t.shape}")
    if not (0.0 <= float(t) < 1.0) and strict_below_one:
        raise InvalidInstanceError(
            f"{name} must lie in [0, 1) (the theorem needs tau < 1); got {float(t)!r}"
        )


def _validate_problem(instance, blocks_name: str | None = None) -> int:
    """Shapes of R, Sigma (and blocks); Sigma symmetric positive definite; tau in [0, 1)."""
    validate_target("R", instance["R"])
    d = np.shape(instance["R"])[0]
    validate_covariance("Sigma", instance["Sigma"], d)
    if "tau" in instance:
        validate_tau("tau", instance["tau"])
    if blocks_name is not None:
        blocks = instance[blocks_name]
        validate_blocks(blocks_name, blocks, d)
        if "tau" in instance:
            norm = float(max_block_norm(jnp.asarray(blocks)))
            tau = float(instance["tau"])
            # ||A_i||_2 is computed by an SVD, backward stable to a few ulps.
            if norm > tau * (1.0 + 1e-12) + 1e-300:
                raise InvalidInstanceError(
                    f"{blocks_name} must lie in B_tau (max_i ||A_i||_2 <= tau = {tau!r}); "
                    f"got max_i ||A_i||_2 = {norm!r}"
                )
    return d


# ------------------------------------------------------------------ instance generators


def _covariance(key, d, low=0.1, high=10.0):
    """Sigma = Q diag(lambda) Q^T, Q Haar-orthogonal, lambda log-uniform in [low, high]: the
    scale of Sigma matters for equation (6), so it is drawn on both sides of 1."""
    kq, kl = jax.random.split(key)
    q, r = jnp.linalg.qr(jax.random.normal(kq, (d, d)))
    q = q * jnp.sign(jnp.diagonal(r))
    lam = jnp.exp(jax.random.uniform(kl, (d,), minval=jnp.log(low), maxval=jnp.log(high)))
    c = (q * lam) @ q.T
    return 0.5 * (c + c.T)


def _blocks_in_ball(key, l, d, tau, low=0.0):
    """l random blocks with ||A_i||_2 = tau * u_i, u_i uniform in [low, 1]."""
    kd, ku = jax.random.split(key)
    g = jax.random.normal(kd, (l, d, d))
    g = g / jnp.linalg.norm(g, ord=2, axis=(-2, -1))[:, None, None]
    u = jax.random.uniform(ku, (l,), minval=low, maxval=1.0)
    return g * (tau * u)[:, None, None]


# ------------------------------------------------------------------ the gradient bound


def _sigma_min(covariance):
    return jnp.linalg.eigvalsh(covariance)[0]


def gradient_lower_bound(l: int, tau, covariance) -> jax.Array:
    """mu = 4 l (1 - tau)^(2l - 2) sigma_min(Sigma): the constant of the bound the proof
    supports, ||grad f(A)||_F^2 >= mu (f(A) - f_opt) on B_tau.

    Derivation (the proof of [1] Lemma 2.3): with E = P - R, the gradient in A_i is
    2 (I+A_l)...(I+A_{i+1})^T E Sigma ((I+A_{i-1})...(I+A_1))^T. Each factor I + A_j has
    sigma_min >= 1 - tau on B_tau, so ||grad_i||_F >= 2 (1 - tau)^(l-1) ||E Sigma||_F, and
    ||E Sigma||_F^2 = tr(E Sigma^2 E^T) >= sigma_min(Sigma) tr(E Sigma E^T)
    = sigma_min(Sigma) (f - f_opt). Summing over the l blocks gives mu. Tight: equality at
    A = 0 when Sigma is a multiple of I.
    """
    return 4.0 * l * (1.0 - tau) ** (2 * l - 2) * _sigma_min(covariance)


def gradient_lower_bound_as_printed(l: int, tau, covariance) -> jax.Array:
    """4 l (1 - tau)^(2l - 2) sigma_min(Sigma)^2: the constant of equation (6) of the seed.

    It differs from `gradient_lower_bound` by a factor sigma_min(Sigma), and is not
    invariant under rescaling x: replacing Sigma by c Sigma multiplies both sides of
    ||grad f||^2 >= mu (f - f_opt) by c^2 in the correct bound, but the right-hand side by
    c^3 here, so it fails for sigma_min(Sigma) large enough (at A = 0, Sigma = c I, any
    R != I, as soon as c > 1)."""
    return 4.0 * l * (1.0 - tau) ** (2 * l - 2) * _sigma_min(covariance) ** 2


def _flat_risk(instance):
    """The excess risk as a function of the flat vector of blocks (for the instruments)."""
    r, sigma = instance["R"], instance["Sigma"]
    d = r.shape[0]
    return lambda x: excess_risk(x.reshape(-1, d, d), r, sigma)


def _gradient_bound_evidence(instance, constant_fn):
    blocks, tau, sigma = instance["A"], instance["tau"], instance["Sigma"]
    l = blocks.shape[0]
    risk = _flat_risk(instance)
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
        excess_risk=excess, mu=mu, sigma_min_Sigma=_sigma_min(sigma),
        block_norm=max_block_norm(blocks), tau=tau,
        ratio=grad_sq / jnp.maximum(excess, jnp.finfo(jnp.float64).tiny),
    )


GRADIENT_PARAMS = (
    {"d": 1, "l": 1}, {"d": 2, "l": 2}, {"d": 3, "l": 4}, {"d": 8, "l": 8}, {"d": 32, "l": 32},
)


class _GradientBoundBase(Claim):
    kind = "pointwise"
    params = GRADIENT_PARAMS

    def generate(self, key, d=2, l=2):
        kr, ks, kt, ka, kz = jax.random.split(key, 5)
        tau = jax.random.uniform(kt, (), maxval=0.95)
        # half the instances at A = 0 (where the bound is tight), half spread over B_tau
        at_zero = jax.random.bernoulli(kz)
        blocks = jnp.where(at_zero, 0.0, _blocks_in_ball(ka, l, d, tau))
        return {
            "R": jax.random.normal(kr, (d, d)) / jnp.sqrt(d) + jnp.eye(d),
            "Sigma": _covariance(ks, d),
            "tau": tau,
            "A": blocks,
        }

    def validate(self, instance):
        super().validate(instance)
        _validate_problem(instance, "A")


@register
class GradientLowerBound(_GradientBoundBase):
    """The gradient lower bound that the proof of Hardt & Ma's Lemma 2.3 supports.

    Setting: the linear residual network risk f (module docstring) with Sigma positive
    definite, any R in R^{d x d}, depth l >= 1, and A in B_tau with tau in [0, 1).

    Claim (lower bound, tight at A = 0 for Sigma = c I):
      ||grad f(A)||_F^2 >= 4 l (1 - tau)^(2l-2) sigma_min(Sigma) (f(A) - f_opt).
    This is the seed's equation (6) with sigma_min(Sigma) in place of sigma_min(Sigma)^2:
    see `gradient_lower_bound` for the derivation and `GradientLowerBoundAsPrinted` for the
    statement as printed, which is false.

    Check: evaluate both sides at the instance's A (autodiff gradient of the closed-form
    risk); margin = relative slack, tolerance TOLERANCES["identity"]. Instances: R = I + G
    with G Gaussian / sqrt(d), Sigma with eigenvalues log-uniform in [0.1, 10], tau uniform in
    [0, 0.95], A = 0 or random in B_tau.

    References: [1] Hardt & Ma, Lemma 2.3 (arXiv:1611.04231); [2] seed 002
    (`shared/seeds/002_56c6572621e81ca1.txt`), section 2, equation (6).
    """

    id = "hardt-ma/gradient-lower-bound-derived"
    source = f"Hardt & Ma, Lemma 2.3, as its proof supports; review eq. (6) ({SEED_002})"
    statement = (
        "Inside B_tau (tau < 1), ||grad f(A)||_F^2 >= 4 l (1-tau)^(2l-2) sigma_min(Sigma) "
        "(f(A) - f_opt): equation (6) with sigma_min(Sigma) instead of sigma_min(Sigma)^2 "
        "(the reading the proof supports)."
    )

    def check(self, instance):
        return _gradient_bound_evidence(instance, gradient_lower_bound)


@register
class GradientLowerBoundAsPrinted(_GradientBoundBase):
    """Equation (6) of the seed, as printed: false when sigma_min(Sigma) > 1.

    Setting: as `GradientLowerBound`.

    Claim (lower bound, as printed in the seed):
      ||grad f(A)||_F^2 >= 4 l (1 - tau)^(2l-2) sigma_min(Sigma)^2 (f(A) - f_opt).
    Not scale-invariant (see `gradient_lower_bound_as_printed`); the toolkit refutes it.
    The smallest counterexample: d = l = 1, tau = 0, A = 0, Sigma = (s) with s > 1, any
    R != 1: ||grad f||^2 = 4 s^2 (R - 1)^2 < 4 s^3 (R - 1)^2.

    Check: as `GradientLowerBound`, with the printed constant. Expected verdict: refuted.

    References: [2] seed 002 (`shared/seeds/002_56c6572621e81ca1.txt`), equation (6);
    [1] Hardt & Ma, Lemma 2.3 (arXiv:1611.04231).
    """

    id = "hardt-ma/gradient-lower-bound"
    source = f"Review of Hardt & Ma, equation (6), as printed ({SEED_002})"
    statement = (
        "Inside B_tau (tau < 1), ||grad f(A)||_F^2 >= 4 l (1-tau)^(2l-2) sigma_min(Sigma)^2 "
        "(f(A) - f_opt), exactly as the seed prints it (false: see "
        "hardt-ma/gradient-lower-bound-derived)."
    )
    expected = REFUTED

    def check(self, instance):
        return _gradient_bound_evidence(instance, gradient_lower_bound_as_printed)


# ------------------------------------------------------------ critical points in B_tau

#: Starts of the critical-point search per instance, and steps per start.
STARTS = 16
FINDER_STEPS = 200


def _problem_scales(r, sigma):
    """(curvature scale, loss scale) of an instance: ||Sigma||_2 and ||Sigma||_2 max(||R||_F^2, 1).
    f - f_opt = tr(E Sigma E^T) <= ||Sigma||_2 ||E||_F^2, and E = R - P is of the size of R."""
    sigma_max = jnp.linalg.eigvalsh(sigma)[-1]
    return sigma_max, sigma_max * jnp.maximum(jnp.sum(r**2), 1.0)


@register
class CriticalPointsGlobal(Claim):
    """Inside B_tau, tau < 1, every critical point of the linear residual risk is global.

    Setting: f(A) = E||y - (I + A_l)...(I + A_1) x||^2 with y = R x + zeta (module
    docstring), Sigma = E[x x^T] positive definite, l >= 1 blocks of size d x d, and
    B_tau = {A : max_i ||A_i||_2 <= tau} with tau < 1.

    Claim ([1] Theorem 2.1, seed Theorem 1): every critical point of f in B_tau is a global
    minimum: f(A) = f_opt. Checked in two forms:
      (a) critical => global: at every critical point found inside B_tau,
          f - f_opt <= loss_equal * loss scale (upper bound);
      (b) the quantitative form that survives rounding: at every point of B_tau visited
          (the starts and the end points inside B_tau),
          f(A) - f_opt <= ||grad f(A)||_F^2 / mu + loss_equal * loss scale,
          mu = 4 l (1 - tau)^(2l-2) sigma_min(Sigma) (`gradient_lower_bound`; vacuous when
          mu = 0, i.e. tau = 1 and l >= 2).
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

    References: [1] Hardt & Ma, Theorem 2.1 (arXiv:1611.04231); [2] seed 002
    (`shared/seeds/002_56c6572621e81ca1.txt`), section 2, Theorem 1.
    """

    id = "hardt-ma/critical-points-global"
    source = f"Hardt & Ma, Theorem 2.1; review Theorem 1 ({SEED_002})"
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
        starts = jax.vmap(lambda k: _blocks_in_ball(k, l, d, tau, low=0.5))(
            jax.random.split(kb, STARTS)
        )
        reachable = residual_product(_blocks_in_ball(ka, l, d, tau))
        arbitrary = jax.random.normal(kr, (d, d)) * 2.0 / jnp.sqrt(d)
        return {
            "R": jnp.where(jax.random.bernoulli(kc), reachable, arbitrary),
            "Sigma": _covariance(ks, d),
            "tau": tau,
            "starts": starts,
        }

    def validate(self, instance):
        super().validate(instance)
        d = np.shape(instance["R"])[0]
        _validate_problem(instance)
        s = np.shape(instance["starts"])
        if len(s) != 4 or s[2:] != (d, d) or s[0] < 1 or s[1] < 1:
            raise InvalidInstanceError(
                f"starts must have shape (k, l, {d}, {d}) with k, l >= 1; got shape {s}"
            )

    def check(self, instance):
        return _critical_points_evidence(instance)


def _critical_points_evidence(instance):
    r, sigma, tau, starts = instance["R"], instance["Sigma"], instance["tau"], instance["starts"]
    k, l, d = starts.shape[0], starts.shape[1], starts.shape[2]
    risk = _flat_risk(instance)
    curvature, loss_scale = _problem_scales(r, sigma)
    points, c = search_and_classify(
        risk, starts.reshape(k, -1), FINDER_STEPS,
        curvature_floor=curvature, loss_floor=loss_scale,
    )
    mu = gradient_lower_bound(l, tau, sigma)

    def at(x):
        blocks = x.reshape(l, d, d)
        norm = max_block_norm(blocks)
        excess = risk(x)
        grad_sq = jnp.sum(jax.grad(risk)(x) ** 2)
        bound = jnp.where(mu > 0, grad_sq / jnp.where(mu > 0, mu, 1.0), 0.0)
        quantitative = jnp.where(
            mu > 0, TOLERANCES["loss_equal"] - (excess - bound) / loss_scale, 1.0
        )
        return norm, excess, quantitative

    end_norm, end_excess, end_quant = jax.vmap(at)(points)
    _, _, start_quant = jax.vmap(at)(starts.reshape(k, -1))
    inside = end_norm <= tau + TOLERANCES["grad_critical"] * jnp.maximum(end_norm, 1.0)
    critical_inside = is_critical(c) & inside
    gap = end_excess / loss_scale
    global_margin = jnp.min(jnp.where(critical_inside, TOLERANCES["loss_equal"] - gap, 1.0))
    quant_margin = jnp.minimum(jnp.min(start_quant), jnp.min(jnp.where(inside, end_quant, 1.0)))
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


@register
class GradientDescentInBall(Claim):
    """Gradient descent converges linearly to f_opt while its iterates stay in B_tau.

    Setting: the linear residual risk f (module docstring), Sigma positive definite,
    tau < 1, gradient descent A_{t+1} = A_t - eta grad f(A_t) (optax.sgd) from A_0 in B_tau,
    eta = 1 / lambda_max(Hessian of f at A_0).

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
    excess risk is above 1e-9 of the initial one (below that, rounding of f, a few ulps of
    f_opt + excess, dominates the ratio). Measured: the observed geometric rate over the
    checked steps and the predicted rate. R = (I + A*_l)...(I + A*_1) with A* in B_{tau/2},
    A_0 in B_{tau/2}, tau uniform in [0.3, 0.9].

    References: [1] Hardt & Ma, section 2 (arXiv:1611.04231); [2] seed 002
    (`shared/seeds/002_56c6572621e81ca1.txt`), section 2, text around equation (6).
    """

    id = "hardt-ma/gd-in-ball"
    source = f"Hardt & Ma, section 2 (Lemma 2.3 and the remark after Theorem 2.2); review eq. (6) ({SEED_002})"
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
            "R": residual_product(_blocks_in_ball(ka, l, d, tau / 2)),
            "Sigma": _covariance(ks, d),
            "tau": tau,
            "A0": _blocks_in_ball(kb, l, d, tau / 2),
        }

    def validate(self, instance):
        super().validate(instance)
        _validate_problem(instance, "A0")

    def check(self, instance):
        return _gd_evidence(instance)


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
    risk = _flat_risk(instance)
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
    above_rounding = before > 1e-9 * excess[0]
    checked = inside[:-1] & inside[1:] & decrease & above_rounding
    ratio = after / jnp.where(before > 0, before, 1.0)
    margin = jnp.min(jnp.where(checked, predicted - ratio, 1.0))
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
    risk f of the linear residual network with l >= 2 blocks (module docstring); Sigma
    positive definite, any R.

    Claim (seed 002, section 2): g is convex and f is not. Checked as
      (a) lambda_min(Hessian of g) = 2 sigma_min(Sigma) > 0 (identity: the Hessian is
          2 Sigma (x) I, so g is in fact strongly convex);
      (b) f has negative curvature: lambda_min(Hessian of f at A) < -eig_zero ||H||_2 at
          some A among `PROBES` random points with ||A_i||_2 uniform in [0, 1.5]
          (an existence claim: margin = the largest relative negative curvature found
          minus eig_zero).
    Why it holds: at A_i = -I for all i the product P is a zero of order l, and the
    second-order term -2 tr(R Sigma (E_2 E_1)^T) of f is indefinite when l = 2 and R != 0;
    nearby random points see the same curvature. For l >= 2 and R = 0, f = tr(P Sigma P^T)
    is still non-convex (d = 1, l = 2: (u v)^2 has Hessian eigenvalue -2 at (1, 1)).

    Check: dense Hessians up to `verify.landscape.spectrum.DENSE_LIMIT` parameters,
    matrix-free (LOBPCG on Hessian-vector products) beyond.

    References: [2] seed 002 (`shared/seeds/002_56c6572621e81ca1.txt`), section 2, text
    after equation (2); [1] Hardt & Ma, section 2 (arXiv:1611.04231).
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
    # default sweep: 8 probes take ~10 s per instance there on 2 CPU cores.
    params = ({"d": 1, "l": 2}, {"d": 2, "l": 2}, {"d": 3, "l": 4}, {"d": 8, "l": 8})

    def generate(self, key, d=2, l=2):
        kr, ks, kp = jax.random.split(key, 3)
        probes = jax.vmap(lambda k: _blocks_in_ball(k, l, d, 1.5))(jax.random.split(kp, PROBES))
        return {
            "R": jax.random.normal(kr, (d, d)) / jnp.sqrt(d) + jnp.eye(d),
            "Sigma": _covariance(ks, d),
            "probes": probes,
        }

    def validate(self, instance):
        super().validate(instance)
        d = _validate_problem(instance)
        s = np.shape(instance["probes"])
        if len(s) != 4 or s[2:] != (d, d) or s[0] < 1 or s[1] < 2:
            raise InvalidInstanceError(
                f"probes must have shape (k, l, {d}, {d}) with k >= 1 and l >= 2 (the claim "
                f"is about depth l >= 2); got shape {s}"
            )

    def check(self, instance):
        r, sigma, probes = instance["R"], instance["Sigma"], instance["probes"]
        k = probes.shape[0]
        risk = _flat_risk(instance)
        d = r.shape[0]

        def curvature(x):
            lo, hi = extreme_eigenvalues(risk, x)
            norm = jnp.maximum(jnp.abs(lo.value), jnp.abs(hi.value))
            norm = jnp.maximum(norm, jnp.finfo(jnp.float64).tiny)
            return lo.value / norm, lo.error / norm

        rel_min, rel_err = jax.lax.map(curvature, probes.reshape(k, -1))
        best = jnp.argmin(rel_min)
        # Existence: margin >= 0 iff some probe has lambda_min < -eig_zero * ||H||_2.
        nonconvex = Evidence(
            margin=-rel_min[best] - TOLERANCES["eig_zero"],
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
        sigma_min = _sigma_min(sigma)
        convex = compare(
            g_eigs[0], 2.0 * sigma_min, "identity", TOLERANCES["identity"], 2.0 * jnp.linalg.eigvalsh(sigma)[-1],
            name="lambda_min_problem_1",
        )
        return all_of(nonconvex, convex)


# Theorem 2.2 (existence of a small global minimiser) and Theorem 3.2 (a ReLU residual
# network that memorises n points) have long constructions of their own; they live in
# private modules and are re-exported here, so this stays the one public module of the
# paper. Imported last: those modules import from this one.
from verify.claims._hardt_ma_existence import (  # noqa: E402
    GlobalMinimiserExists,
    construct_global_minimiser,
    existence_bound,
    negative_determinant_demo,
    psd_root_blocks,
)

__all__ += [
    "GlobalMinimiserExists",
    "construct_global_minimiser",
    "existence_bound",
    "negative_determinant_demo",
    "psd_root_blocks",
]

from verify.claims._hardt_ma_expressivity import (  # noqa: E402
    MemorisingResnet,
    ResnetMemorises,
    apply_resnet,
    build_memorising_resnet,
    parameter_count,
    parameter_count_table,
)

__all__ += [
    "MemorisingResnet",
    "ResnetMemorises",
    "apply_resnet",
    "build_memorising_resnet",
    "parameter_count",
    "parameter_count_table",
]
