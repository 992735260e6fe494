"""Yun, Sra & Jadbabaie's theorem on deep ResNets (seed 004): critical points are at least as
good as the best linear predictor or strict saddles; and its single-block case (Shamir 2018).

The model, the risks R and R_lin and the certified linear fit are in `verify.claims.yun.model`.

Why the theorem holds (a derivation by this module, used to state what "lambda_min < 0" must
look like in floating point; the poster gives no proof). Write r_i = l'(f(x_i); y_i),
c_l = E[r phi^l] (in R^{n_l}) and N = {u : U_l u = 0 for all l >= 2}, which is not {0} exactly
under the second condition. At a critical point:

* grad_w R = E[r h_L] = 0, so E[r f] = w^T E[r h_L] = 0 and E[r x] = -sum_l V_l c_l;
* convexity of l in p: for every t, E[l(t^T x)] >= R(theta) + t^T E[r x] - E[r f], hence
  R(theta) - R_lin <= ||t*|| ||E[r x]|| <= ||t*|| sum_l ||V_l||_2 ||c_l||  (t* the minimiser);
* for u in N, d h_L / d h_l maps u to u (each factor I + V_k Dphi^k U_k fixes u), so
  u^T grad_{V_l} R = (w^T u) c_l^T = 0: if w is not orthogonal to N, every c_l = 0 and
  R(theta) <= R_lin. For L = 1, N = R^{d_x} and w != 0 is such a w (Shamir's result);
* if w is orthogonal to N, take a unit u in N, l with ||c_l|| largest and q = c_l / ||c_l||.
  Along the unit directions d1 = (w: u) and d2 = (V_l: u q^T) the risk satisfies
  d2^T H d2 = 0 (moving V_l along u q^T changes h_L by a multiple of u, which no later U_k sees
  and w^T u = 0 ignores), d1^T H d1 = a = E[l'' (u^T h_L)^2] and d1^T H d2 = ||c_l||. So
  lambda_min(H) <= (a - sqrt(a^2 + 4 b^2)) / 2 <= -b^2 / (a + b) with b = max_l ||c_l||
  (`Conditions.residual_correlation`), and by the second bullet
  b >= (R(theta) - R_lin) / (||t*|| sum_l ||V_l||_2) (`promised_curvature`).

So at an exact critical point meeting the second condition, lambda_min <= -kappa with
kappa = b^2 / (A + b), A = lambda_max(E[l'' h_L h_L^T]) >= a, and R(theta) > R_lin forces
b > 0, so kappa > 0, and kappa grows with the excess R(theta) - R_lin. The
derivation does not use the first (full-rank) condition: the theorem as stated, with both
conditions, is implied by it. The check tests the theorem as stated; kappa only decides
whether the negative eigenvalue the theorem promises is large enough for floating point to
see (see `Dichotomy`).

Claims (ids as in ``shared/CLAIMS.md``):

* `Dichotomy` (``yun/dichotomy``): the poster's Theorem.
* `SingleBlock` (``yun/single-block``): its L = 1 case (Shamir 2018): every critical point
  with w* != 0 is at least as good as the best linear predictor.

References:
  [1] C. Yun, S. Sra, A. Jadbabaie. Are deep ResNets provably better than linear predictors?
      NeurIPS 2019, arXiv:1907.03922v2: the main theorem on deep ResNets (the poster's
      Theorem; its number in the paper was not checked here, the statement encoded is the
      poster's) and its L = 1 special case; the poster is the seed
      ``shared/seeds/004_b91220a50cbb67a9.txt``.
  [2] O. Shamir. Are ResNets provably better than linear predictors? NeurIPS 2018,
      arXiv:1804.06739 (the single-block result, the poster's reference [2]).
"""

from __future__ import annotations

import dataclasses
import re

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import raise_problems
from verify.claims.base import Claim, Evidence, MarginCase, min_over, register, tolerance_margin
from verify.claims.yun.model import (
    ACTIVATIONS,
    SEED_004,
    Architecture,
    _check_loss,
    activation_codes,
    architecture_of,
    empirical_risk,
    flatten_params,
    init_params,
    linear_fit,
    loss_code,
    loss_derivative,
    loss_second_derivative,
    make_data,
    problem_scales,
    resnet_forward,
)
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, is_critical, lambda_max, lambda_min, search_and_classify, type_counts
from verify.tolerances import TOLERANCES

__all__ = [
    "Conditions",
    "hypothesis_conditions",
    "promised_curvature",
    "single_block_bound",
    "PointReport",
    "dichotomy_at",
    "KAPPA_CAP",
    "FINDER_STEPS",
    "STARTS",
    "SAMPLES",
    "Dichotomy",
    "SingleBlock",
]


# ------------------------------------------------------------------ the theorem's conditions


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Conditions:
    """The two hypotheses of the Theorem at a point, measured.

    Attributes:
      full_rank_ratio: lambda_min / lambda_max of M = E[l''(f(x); y) h_L(x) h_L(x)^T]
        (0 for M = 0). The first condition holds when it is >= TOLERANCES["full_rank"].
      curvature_top: lambda_max(M) (A in the module docstring).
      row_space_gap: sigma_{d_x} / sigma_1 of the stacked [U_2; ...; U_L] (0 when
        sum_{l>=2} m_l < d_x, and for L = 1, where the stack is empty): the second condition,
        col(U_2^T ... U_L^T) != R^{d_x}, holds when it is <= TOLERANCES["yun_row_space_deficient"].
      null_vector: a unit vector u of (numerically) smallest ||U_l u|| (any unit vector if L = 1).
      residual_correlation: max_l ||c_l||, c_l = E[l'(f(x); y) phi^l(.)] (b in the module
        docstring's derivation: at a critical point meeting the second condition,
        lambda_min <= -b^2 / (A + b)).
    """

    full_rank_ratio: jax.Array
    curvature_top: jax.Array
    row_space_gap: jax.Array
    null_vector: jax.Array
    residual_correlation: jax.Array

    @property
    def first(self):
        return self.full_rank_ratio >= TOLERANCES["full_rank"]

    @property
    def second(self):
        return self.row_space_gap <= TOLERANCES["yun_row_space_deficient"]

    @property
    def both(self):
        return self.first & self.second


def hypothesis_conditions(params, x, y, loss: str, activation="tanh") -> Conditions:
    """Measure the Theorem's two conditions at `params` (see `Conditions`)."""
    f, h, residuals = resnet_forward(params, x, activation, return_residuals=True)
    r = loss_derivative(f, y, loss)
    corr = jnp.max(jnp.stack([jnp.linalg.norm(r @ phi / x.shape[0]) for phi in residuals]))
    curv = loss_second_derivative(f, y, loss)
    m = (h * curv[:, None]).T @ h / x.shape[0]
    eig = jnp.linalg.eigvalsh(0.5 * (m + m.T))
    top = eig[-1]
    ratio = jnp.where(top > 0, eig[0] / jnp.where(top > 0, top, 1.0), 0.0)
    d = x.shape[1]
    depth = sum(1 for nm in params if re.fullmatch(r"V\d+", nm))
    if depth == 1:
        return Conditions(ratio, top, jnp.asarray(0.0), jnp.eye(d)[0], corr)
    stack = jnp.concatenate([params[f"U{l}"] for l in range(2, depth + 1)], axis=0)
    # Pad with zero rows so that the right singular vectors span R^{d_x} (full_matrices).
    padded = jnp.concatenate([stack, jnp.zeros((d, d))], axis=0)
    _, s, vt = jnp.linalg.svd(padded, full_matrices=False)
    gap = jnp.where(s[0] > 0, s[d - 1] / jnp.where(s[0] > 0, s[0], 1.0), 0.0)
    return Conditions(ratio, top, gap, vt[d - 1], corr)


def promised_curvature(excess, t_norm, v_norm_sum, curvature_top):
    """kappa = b^2 / (A + b), b = excess / (||t*|| sum_l ||V_l||_2): at an exact critical point
    meeting the second condition, R - R_lin = excess > 0 forces lambda_min <= -kappa (module
    docstring). inf when excess > 0 and ||t*|| sum_l ||V_l|| = 0 (then the derivation says
    excess <= 0); 0 when excess <= 0."""
    excess = jnp.maximum(excess, 0.0)
    denom = t_norm * v_norm_sum
    b = jnp.where(denom > 0, excess / jnp.where(denom > 0, denom, 1.0), jnp.where(excess > 0, jnp.inf, 0.0))
    safe_b = jnp.where(jnp.isfinite(b), b, 1.0)
    kappa = jnp.where(b > 0, safe_b**2 / jnp.maximum(curvature_top + safe_b, jnp.finfo(jnp.float64).tiny), 0.0)
    return jnp.where(jnp.isfinite(b), kappa, jnp.inf)


def _kappa(excess, t_norm, v_sum, curvature_top, correlation):
    """The derivation's kappa: b^2 / (A + b) with the larger of the two lower bounds on b,
    max_l ||c_l|| measured and the one the excess over R_lin gives (`promised_curvature`)."""
    direct = correlation**2 / jnp.maximum(curvature_top + correlation, jnp.finfo(jnp.float64).tiny)
    return jnp.maximum(promised_curvature(excess, t_norm, v_sum, curvature_top), direct)


def single_block_bound(params, x, y, loss: str, t, activation="tanh"):
    """For L = 1 and w != 0: an upper bound on R(theta) - R_lin(t) at any point, exact in
    exact arithmetic, that vanishes at critical points.

    With r = l'(f(x); y), c = E[r phi^1(x)]: grad_V R = w c^T, so c = grad_V^T w / ||w||^2 and
    E[r x] = grad_w R - V c. Convexity of l in p gives, for every t,
    R(theta) - E[l(t^T x)] <= -t^T E[r x] + E[r f] <= ||t|| ||E[r x]|| + |w^T grad_w R|."""
    theta, unflatten = flatten_params(params)
    risk = lambda th: empirical_risk(unflatten(th), x, y, loss, activation)
    g = unflatten(jax.grad(risk)(theta))
    w = params["w"]
    ww = jnp.dot(w, w)
    c = g["V1"].T @ w / jnp.where(ww > 0, ww, 1.0)
    e_rx = g["w"] - params["V1"] @ c
    bound = jnp.linalg.norm(t) * jnp.linalg.norm(e_rx) + jnp.abs(jnp.dot(w, g["w"]))
    return jnp.where(ww > 0, bound, jnp.inf)


# ------------------------------------------------------------------ one point, any size


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class PointReport:
    """The Theorem's quantities at one point (`dichotomy_at`).

    Attributes:
      risk, linear_risk, linear_gap: R(theta), R_lin(t) and the certified R_lin(t) - R_lin.
      excess: R(theta) - (R_lin(t) - linear_gap), relative to `loss_scale` (>= the true
        relative excess over R_lin).
      grad_relative: ||grad R|| / (hess_scale max(||theta||, 1)).
      lambda_min, lambda_min_error: smallest Hessian eigenvalue (dense or matrix-free) and its
        error bound, both relative to `hess_scale`.
      hess_scale: max(|lambda| of the Hessian found, curvature floor of the data).
      full_rank_ratio, row_space_gap: the two conditions (see `Conditions`).
      kappa: the curvature the derivation promises (module docstring), relative to `hess_scale`.
      loss_scale: the risk of the zero predictor, (1/n) sum_i l(0; y_i).
    """

    risk: jax.Array
    linear_risk: jax.Array
    linear_gap: jax.Array
    excess: jax.Array
    grad_relative: jax.Array
    lambda_min: jax.Array
    lambda_min_error: jax.Array
    hess_scale: jax.Array
    full_rank_ratio: jax.Array
    row_space_gap: jax.Array
    kappa: jax.Array
    loss_scale: jax.Array


def dichotomy_at(params, x, y, loss, activation="tanh", method: str = "auto", fit=None) -> PointReport:
    """Evaluate the Theorem's conclusion and conditions at `params`, for any network size.

    `method` is passed to `verify.landscape.lambda_min`: ``"dense"`` (eigvalsh), ``"matrix_free"``
    (LOBPCG on Hessian-vector products; use it beyond a few thousand parameters) or ``"auto"``.
    The Hessian scale is |lambda_min| and lambda_max from the same method (the spectral norm)."""
    if isinstance(loss, str):
        _check_loss(loss)
    theta, unflatten = flatten_params(params)
    risk = lambda th: empirical_risk(unflatten(th), x, y, loss, activation)
    fit = linear_fit(x, y, loss) if fit is None else fit
    curvature, loss_scale = problem_scales(x, y, loss)
    lo = lambda_min(risk, theta, method)
    hi = lambda_max(risk, theta, method)
    hess_scale = jnp.maximum(jnp.maximum(jnp.abs(lo.value), jnp.abs(hi.value)), curvature)
    g = jax.grad(risk)(theta)
    r = risk(theta)
    cond = hypothesis_conditions(params, x, y, loss, activation)
    depth = sum(1 for nm in params if re.fullmatch(r"V\d+", nm))
    v_sum = sum(jnp.linalg.norm(params[f"V{l}"], ord=2) for l in range(1, depth + 1))
    t_norm = jnp.linalg.norm(fit.t) + 2.0 * fit.grad_norm / jnp.maximum(fit.mu, jnp.finfo(jnp.float64).tiny)
    kappa = _kappa(r - fit.risk, t_norm, v_sum, cond.curvature_top, cond.residual_correlation)
    return PointReport(
        risk=r,
        linear_risk=fit.risk,
        linear_gap=fit.gap,
        excess=(r - fit.lower) / loss_scale,
        grad_relative=jnp.linalg.norm(g) / (hess_scale * jnp.maximum(jnp.linalg.norm(theta), 1.0)),
        lambda_min=lo.value / hess_scale,
        lambda_min_error=lo.error / hess_scale,
        hess_scale=hess_scale,
        full_rank_ratio=cond.full_rank_ratio,
        row_space_gap=cond.row_space_gap,
        kappa=jnp.minimum(kappa / hess_scale, KAPPA_CAP),
        loss_scale=loss_scale,
    )


#: kappa / hess_scale is reported capped here, so that an infinite kappa (a case the
#: derivation excludes) does not make the evidence non-finite and hide a refutation.
KAPPA_CAP = 1e6


def _start_params(instance) -> dict[str, jax.Array]:
    return {k[len("starts_"):]: v for k, v in instance.items() if k.startswith("starts_")}


def _generate(key, d, depth, m, k, n_widths, samples, loss, activation, starts, w_scale=1.0):
    """A dichotomy / single-block instance: data ``x``, ``y``; the ``loss`` code (0 square,
    1 logistic; ``"random"``: drawn); activation codes per block (``"random"``: drawn); and
    `starts` starting parameter sets, stored per parameter as ``starts_<name>`` with shape
    (starts, *shape), drawn at scales uniform in [0.2, 1.5] (`init_params`). Loss and
    activations are codes in the instance, not shapes, so they vary without recompiling."""
    arch = Architecture.make(d, depth, m, k, n_widths)
    kd, ks, kr, ka, kl = jax.random.split(key, 5)
    if loss == "random":
        code = jax.random.bernoulli(kl).astype(jnp.float64)
        xs, ys = make_data(kd, d, samples, "square")
        xl, yl = make_data(kd, d, samples, "logistic")
        x, y = jnp.where(code == 0, xs, xl), jnp.where(code == 0, ys, yl)
    else:
        code = jnp.asarray(loss_code(loss), jnp.float64)
        x, y = make_data(kd, d, samples, loss)
    if activation == "random":
        codes = jax.random.randint(ka, (depth,), 0, len(ACTIVATIONS)).astype(jnp.float64)
    else:
        codes = activation_codes(activation, depth)
    scales = jax.random.uniform(kr, (starts,), minval=0.2, maxval=1.5)
    ps = jax.vmap(lambda kk, sc: init_params(kk, arch, sc))(jax.random.split(ks, starts), scales)
    ps["w"] = ps["w"] * w_scale
    out = {"x": x, "y": y, "loss": code, "activation": codes}
    out.update({f"starts_{name}": v for name, v in ps.items()})
    return out


def _validate_instance(instance, depth: int | None = None) -> Architecture:
    """Shapes and values of a dichotomy / single-block instance; the problems found are
    gathered and raised once as InvalidInstanceError."""
    problems = []
    x = instance.get("x")
    if x is None or np.ndim(x) != 2 or np.shape(x)[0] < 1 or np.shape(x)[1] < 1:
        raise InvalidInstanceError(f"x must have shape (n, d_x) with n, d_x >= 1; got shape {np.shape(x)}")
    n, d = np.shape(x)
    y = instance.get("y")
    code = np.asarray(instance.get("loss", np.nan))
    if code.shape != () or float(code) not in (0.0, 1.0):
        problems.append(
            f"loss must be a scalar code, 0 (square) or 1 (logistic), the supported losses that "
            f"are convex and twice differentiable in p; got {code.tolist()!r}"
        )
    if y is None or np.shape(y) != (n,):
        problems.append(f"y must have shape ({n},) to match x of shape {np.shape(x)}; got {np.shape(y)}")
    elif code.shape == () and float(code) == 1.0 and not np.all(np.abs(np.asarray(y)) == 1.0):
        bad = np.asarray(y)[np.abs(np.asarray(y)) != 1.0]
        problems.append(f"y must be +-1 labels for the logistic loss; got value {float(bad[0])!r}")
    starts = _start_params(instance)
    try:
        arch = architecture_of({kk: np.asarray(v)[0] if np.ndim(v) else v for kk, v in starts.items()})
    except (ValueError, IndexError) as e:
        raise InvalidInstanceError(f"starts_*: {e}") from None
    if arch.d != d:
        problems.append(f"starts_w must have shape (k, {d}) to match x of shape {np.shape(x)}; got {np.shape(starts['w'])}")
    counts = {np.shape(v)[0] for v in starts.values()}
    if len(counts) != 1:
        problems.append(f"every starts_* array must hold the same number of starts; got {sorted(counts)}")
    if depth is not None and arch.depth != depth:
        problems.append(f"the network must have depth L = {depth}; got L = {arch.depth}")
    act = np.asarray(instance.get("activation", np.zeros(0)))
    if act.shape != (arch.depth,) or not np.all(np.isin(act, np.arange(len(ACTIVATIONS)))):
        problems.append(
            f"activation must have shape ({arch.depth},) with codes in "
            f"{{{', '.join(f'{i}: {a}' for i, a in enumerate(ACTIVATIONS))}}}; got {act.tolist()!r}"
        )
    raise_problems(problems)
    return arch


def _at_linear_predictor(instance):
    """`instance` (square loss) with every start moved to the best linear predictor written as
    a ResNet: V_l = A_l = B_l = b_l = 0 (U_l kept) and w = t* (`linear_fit`). There h_L = x,
    R = R_lin, grad R = 0 up to rounding, and the Hessian is diag(2 X^T X / n, 0) (every
    second derivative of f through a block contains a zero factor; tanh(0) = 0): a critical
    point with lambda_min = 0, which the finders do not leave. Margin cases use it."""
    out = {k: np.array(v) for k, v in instance.items()}
    fit = linear_fit(jnp.asarray(out["x"]), jnp.asarray(out["y"]), "square")
    for name in out:
        if re.fullmatch(r"starts_[VABb]\d+", name):
            out[name] = np.zeros_like(out[name])
    out["starts_w"] = np.broadcast_to(np.asarray(fit.t), out["starts_w"].shape).copy()
    return out


def _linear_predictor_case(claim, what: str) -> tuple[MarginCase, ...]:
    """The margin case of `Dichotomy` and `SingleBlock`: every start at the linear predictor
    (`_at_linear_predictor`), where the claim's bound is attained with equality (margin 1)."""
    start = claim.generate(jax.random.PRNGKey(0), loss="square", activation="tanh")
    return (
        MarginCase(
            "every start at the linear predictor as a ResNet (V_l = A_l = B_l = b_l = 0, w = t*; "
            f"square loss, tanh): {what}, the bound R <= R_lin attained with equality",
            _at_linear_predictor(start),
            1.0,
            # R and R_lin(t*) are the same float64 sum there (h_L = x exactly); what is left is
            # least squares' certified gap (~1e-20 of the loss scale), the finders' steps and
            # the single-block bound ||t*|| ||grad_w R|| (both ~1e-16): ~1e-7 tolerance units.
            atol=1e-3,
        ),
    )


def _setup(instance):
    """``(loss code, x, y, codes, risk on flat vectors, flat starts, unflatten, fit, loss scale,
    points, classifications)``: the search of both claims from the instance's starts."""
    loss, x, y, codes = instance["loss"], instance["x"], instance["y"], instance["activation"]
    starts = _start_params(instance)
    template = {kk: v[0] for kk, v in starts.items()}
    _, unflatten = flatten_params(template)
    flat = jax.vmap(lambda p: flatten_params(p)[0])(starts)
    risk = lambda th: empirical_risk(unflatten(th), x, y, loss, codes)
    fit = linear_fit(x, y, loss)
    curvature, loss_scale = problem_scales(x, y, loss)
    points, c = search_and_classify(risk, flat, FINDER_STEPS, curvature_floor=curvature, loss_floor=loss_scale)
    return loss, x, y, codes, risk, flat, unflatten, fit, loss_scale, points, c


#: Steps of each critical-point finder per start (`search_and_classify`). The loops run a
#: fixed number of steps, so run time is proportional to it; 80 finds nearly as many
#: critical points as 150 on the dichotomy grid, in about half the time (README).
FINDER_STEPS = 80
#: Starting points per instance: half to the saddle-seeking Levenberg-Marquardt finder, half
#: to saddle-free Newton with a Levenberg-Marquardt polish.
STARTS = 8
#: Samples per data set.
SAMPLES = 12


def _common_measured(c, fit, loss_scale):
    return {
        **type_counts(c),
        "linear_risk": fit.risk,
        "linear_gap_certified": fit.gap,
        "linear_gap_relative": fit.gap / loss_scale,
        "loss_scale": loss_scale,
    }


def _count(mask):
    return jnp.sum(mask).astype(jnp.float64)


@register
class Dichotomy(Claim):
    """A critical point of a deep ResNet is at least as good as linear, or a strict saddle.

    Setting (`verify.claims.yun.model`): the multi-block ResNet h_1 = x + V_1 phi^1(x),
    h_l = h_{l-1} + V_l phi^l(U_l h_{l-1}) (l = 2..L), f = w^T h_L, each phi^l a one-hidden-layer
    network with tanh or softplus activation; the empirical risk R(theta) of n samples with the
    square loss or the logistic loss (labels +-1; convex and twice differentiable in p), and
    R_lin = inf_t (1/n) sum_i l(t^T x_i; y_i). R is C^infinity, so every critical point is
    twice differentiable.

    Claim ([1] main theorem; seed Theorem). Let theta* be a critical point of R. If
      (1) E[l''(f(x); y) h_L(x) h_L(x)^T] is full rank, and
      (2) col([U_2*]^T ... [U_L*]^T) != R^{d_x} (always when sum_{l>=2} m_l < d_x),
    then R(theta*) <= R_lin (an upper bound) or lambda_min(Hessian of R at theta*) < 0.

    Check, per instance:
      * search: `STARTS` random starts (`_generate`), Levenberg-Marquardt on grad R = 0 and
        saddle-free Newton, `FINDER_STEPS` each (`verify.landscape.search_and_classify`),
        and `verify.landscape.classify` with the data's curvature and loss scales
        (`problem_scales`). A point is critical when ||grad R|| <= grad_critical * hess_scale *
        max(||theta||, 1); not critical (the finder did not converge; counted, not checked)
        when it is >= grad_not_critical times that; in between, INCONCLUSIVE.
      * conditions at each critical point (`hypothesis_conditions`): (1) when
        lambda_min / lambda_max of E[l'' h_L h_L^T] >= full_rank; (2) when
        sum_{l>=2} m_l < d_x or sigma_{d_x} / sigma_1 of [U_2; ...; U_L] <=
        yun_row_space_deficient. A point where either fails is counted and reported
        (`n_condition_fails`, and how many of those are worse than linear without negative
        curvature), never a refutation.
      * conclusion at each critical point meeting both: better than linear when
        (R - R_lin_lower) / loss_scale <= loss_equal, R_lin_lower the certified lower bound on
        R_lin (`linear_fit`); a strict saddle when lambda_min < -eig_zero * hess_scale.
        Neither, at a point where the theorem's negative eigenvalue must be at least
        kappa >= 2 eig_zero hess_scale (the larger of `promised_curvature` and b^2 / (A + b)
        with b = max_l ||c_l|| measured: large enough to be seen; module docstring), is a
        violation (refuted). Neither, with a smaller kappa (the excess over R_lin is so small
        that the promised eigenvalue hides below eig_zero), is unresolved: the instance is
        inconclusive unless another point refutes it. So is an INCONCLUSIVE point meeting the
        conditions that is worse than linear without clear negative curvature.
      NaN or inf anywhere (including an uncertified R_lin: `linear_gap_certified` = inf) makes
      the instance inconclusive. Measured: counts of each kind of point.

    Margin: the smallest, over the critical points meeting both conditions (unresolved ones
    left out; 1 when there are none), of the larger of two parts: 1 - gap / loss_equal with
    gap = (R - R_lin_lower) / loss_scale (1 when R equals the certified R_lin, 0 at
    R = R_lin + loss_equal loss_scale), and -lambda_min / (eig_zero hess_scale) - 1 (0 at the
    edge of the classifier's zero band, lambda_min = -eig_zero hess_scale; 1 one band-width
    beyond it). A point that is neither better than linear nor a strict saddle has both < 0.

    Instances (`_generate`): x_i ~ N(0, I), targets from a random teacher with noise
    (logistic: labels with 20% flips and a built-in non-separable pair per input direction,
    `make_data`); widths m_l = 1, k_l = n_l = 2, n = `SAMPLES`. The loss (square or logistic)
    and the activation of each block (tanh or softplus) are drawn per instance: they are codes
    in the instance, so they vary without recompiling. Grid (each entry compiles once):
    d_x = 3, L = 3, where sum_{l>=2} m_l = 2 < d_x and (2) always holds. `properties/test_yun.py`
    adds L = 1 and L = 2 (where (2) holds too), other widths (k_l = n_l = 1; and d_x = 4,
    m_l = 2, k_l = n_l = 3) and d_x = 2, L = 3, where sum m_l = d_x and (2)
    generically fails: there the points are reported only. Other sizes from the command line:
    ``verify check yun/dichotomy --params '{"d": 5, "depth": 4}' --n 16``.

    References: [1] Yun, Sra & Jadbabaie, main theorem on deep ResNets (arXiv:1907.03922); seed 004
    (`shared/seeds/004_b91220a50cbb67a9.txt`), "Benign Landscape of Deep ResNets", Theorem.
    """

    id = "yun/dichotomy"
    source = f"Yun, Sra & Jadbabaie (NeurIPS 2019), main theorem on deep ResNets; poster Theorem ({SEED_004})"
    statement = (
        "For the ResNet h_1 = x + V_1 phi^1(x), h_l = h_{l-1} + V_l phi^l(U_l h_{l-1}), "
        "f = w^T h_L, and a loss convex and twice differentiable in p: at any twice-"
        "differentiable critical point theta* of R, if E[l''(f(x);y) h_L h_L^T] is full rank "
        "and col(U_2^T ... U_L^T) != R^{d_x}, then R(theta*) <= R_lin or "
        "lambda_min(Hessian of R at theta*) < 0."
    )
    kind = "landscape"
    params = ({"d": 3, "depth": 3},)

    def generate(self, key, d=3, depth=3, loss="random", activation="random", m=1, k=2, n=2,
                 samples=SAMPLES, starts=STARTS):
        if loss != "random":
            _check_loss(loss)
        return _generate(key, d, depth, m, k, n, samples, loss, activation, starts)

    def validate(self, instance):
        super().validate(instance)
        _validate_instance(instance)

    def check(self, instance):
        return _dichotomy_evidence(instance)

    def margin_cases(self):
        return _linear_predictor_case(self, "a critical point with lambda_min = 0 and R = R_lin")


def _dichotomy_evidence(instance):
    loss, x, y, codes, risk, flat, unflatten, fit, loss_scale, points, c = _setup(instance)
    depth = sum(1 for k in instance if re.fullmatch(r"starts_V\d+", k))

    def at(th):
        p = unflatten(th)
        cond = hypothesis_conditions(p, x, y, loss, codes)
        v_sum = sum(jnp.linalg.norm(p[f"V{l}"], ord=2) for l in range(1, depth + 1))
        return cond.full_rank_ratio, cond.row_space_gap, cond.curvature_top, v_sum, cond.residual_correlation

    ratio, row_gap, top, v_sum, corr = jax.vmap(at)(points)
    eig_zero, loss_equal = TOLERANCES["eig_zero"], TOLERANCES["loss_equal"]
    t_norm = jnp.linalg.norm(fit.t) + 2.0 * fit.grad_norm / jnp.maximum(fit.mu, jnp.finfo(jnp.float64).tiny)
    kappa = jnp.minimum(_kappa(c.loss - fit.risk, t_norm, v_sum, top, corr) / c.hess_scale, KAPPA_CAP)
    gap = (c.loss - fit.lower) / loss_scale
    lam = c.lambda_min / c.hess_scale
    crit = is_critical(c)
    second = row_gap <= TOLERANCES["yun_row_space_deficient"]
    met = (ratio >= TOLERANCES["full_rank"]) & second
    better = gap <= loss_equal
    saddle = c.point_type == PointType.STRICT_SADDLE
    # Twice eig_zero: the promised eigenvalue must clear the classifier's zero band, and the
    # other half covers the error of a point that is only within grad_critical of critical.
    resolvable = kappa >= 2.0 * eig_zero
    neither = crit & met & ~better & ~saddle
    violation = neither & resolvable
    unresolved = neither & ~resolvable
    undecided = (c.point_type == PointType.INCONCLUSIVE) & met & ~better & (lam >= -eig_zero)
    # On the margin scale (class docstring): better than linear, in units of loss_equal; a
    # strict saddle, lambda_min beyond the zero band's edge -eig_zero, in units of eig_zero
    # (1 - (lam + 2 eig_zero) / eig_zero = -lam / eig_zero - 1).
    better_margin = tolerance_margin(gap, loss_equal)
    saddle_margin = tolerance_margin(lam + 2.0 * eig_zero, eig_zero)
    point_margin = jnp.maximum(better_margin, saddle_margin)
    margin = min_over(crit & met & ~unresolved, point_margin)
    fails = crit & ~met
    return Evidence(
        margin=margin,
        conclusive=jnp.any(violation) | ~jnp.any(unresolved | undecided),
        measured={
            **_common_measured(c, fit, loss_scale),
            "n_critical": _count(crit),
            "n_conditions_met": _count(crit & met),
            "n_better_than_linear": _count(crit & met & better),
            "n_strict_saddle": _count(crit & met & saddle),
            "n_strict_saddle_worse_than_linear": _count(crit & met & saddle & ~better),
            "n_violations": _count(violation),
            "n_unresolved": _count(unresolved),
            "n_undecided_not_critical_enough": _count(undecided),
            "n_condition_fails": _count(fails),
            "n_condition_1_fails": _count(crit & (ratio < TOLERANCES["full_rank"])),
            "n_condition_2_fails": _count(crit & (row_gap > TOLERANCES["yun_row_space_deficient"])),
            "n_condition_fails_worse_without_negative_curvature": _count(fails & ~better & ~saddle),
            "max_gap_met": jnp.max(jnp.where(crit & met, gap, -1.0)),
            "min_gap_met": min_over(crit & met, gap),
            "min_lambda_min_relative_met": min_over(crit & met, lam),
            "min_kappa_worse_met": min_over(crit & met & ~better, kappa, KAPPA_CAP),
            # The derivation's bound lambda_min <= -kappa at every critical point that meets the
            # second condition, whether or not it meets the first (module docstring): the
            # largest lambda_min / hess_scale + kappa / hess_scale among them, <= 0 up to
            # rounding when the derivation is right (-1 if there are none).
            "max_derivation_slack": jnp.max(jnp.where(crit & second, lam + kappa, -1.0)),
            "max_grad_relative_critical": jnp.max(jnp.where(crit, c.grad_relative, 0.0)),
        },
    )


@register
class SingleBlock(Claim):
    """Single-block ResNet (L = 1): every critical point with w* != 0 is at least as good as
    the best linear predictor.

    Setting: f(x) = w^T (x + V_1 phi^1(x)), phi^1 a one-hidden-layer network (tanh or softplus),
    the empirical risk R with the square or the logistic loss (`verify.claims.yun.model`).

    Claim (seed, "If L = 1, any critical point with w* != 0 satisfies R(theta*) <= R_lin,
    recovering [2] in the same setting"; [1], after the main theorem): an upper bound, R(theta*) <= R_lin.
    Quantitative form checked (`single_block_bound`, exact in exact arithmetic, 0 at a
    critical point): at every point theta with w != 0,
        R(theta) - R_lin(t) <= ||t|| ||grad_w R - V_1 grad_{V_1} R^T w / ||w||^2|| + |w^T grad_w R|
    for the fitted linear predictor t (`linear_fit`).

    Check: the bound at the starts and at the points the finders reach (`search_and_classify`,
    as in `Dichotomy`), at every one with w != 0. Counted (the counts do not enter the verdict): critical points
    with ||w|| > yun_w_nonzero * max(||theta||, 1), how many of them are better than linear as
    stated (R <= R_lin_lower + loss_equal * loss_scale, R_lin_lower certified) and how many
    only within the bound (a point classified critical can be ~1e-8 from the critical point,
    and the bound says how much R may exceed R_lin there); critical points with w = 0
    (where the theorem says nothing) and how many of those are worse than linear: there the
    hypothesis w* != 0 is needed (at w = 0 the risk is that of the zero predictor).
    NaN or inf (an uncertified R_lin included) makes the instance inconclusive.

    Margin: the smallest, over the starts and end points with w != 0 (1 when there are none),
    of 1 - (R - R_lin(t) - bound) / (loss_equal loss_scale): 1 when the bound is attained with
    equality (R - R_lin(t) = bound, as at the linear predictor, where both are 0), 0 when R
    exceeds R_lin(t) + bound by loss_equal loss_scale.

    Instances: as `Dichotomy` with L = 1 (d_x = 3, k_1 = n_1 = 2; loss and activation drawn
    per instance).

    References: [1] Yun, Sra & Jadbabaie (arXiv:1907.03922), after the main theorem; [2] Shamir 2018
    (arXiv:1804.06739); seed 004 (`shared/seeds/004_b91220a50cbb67a9.txt`), the bullet after
    the Theorem.
    """

    id = "yun/single-block"
    source = f"Shamir 2018, as restated by Yun, Sra & Jadbabaie after their main theorem ({SEED_004})"
    statement = (
        "For the single-block ResNet f(x) = w^T (x + V phi(x)) and a loss convex and twice "
        "differentiable in p, every critical point theta* of R with w* != 0 has "
        "R(theta*) <= R_lin; checked with the gradient bound of single_block_bound at every "
        "point visited."
    )
    kind = "landscape"
    params = ({"d": 3},)

    def generate(self, key, d=3, loss="random", activation="random", k=2, n=2, samples=SAMPLES, starts=STARTS):
        if loss != "random":
            _check_loss(loss)
        return _generate(key, d, 1, d, k, n, samples, loss, activation, starts)

    def validate(self, instance):
        super().validate(instance)
        _validate_instance(instance, depth=1)

    def check(self, instance):
        return _single_block_evidence(instance)

    def margin_cases(self):
        return _linear_predictor_case(self, "R - R_lin(t*) = 0 and the bound is 0")


def _single_block_evidence(instance):
    loss, x, y, codes, risk, flat, unflatten, fit, loss_scale, points, c = _setup(instance)
    loss_equal = TOLERANCES["loss_equal"]

    def at(th):
        p = unflatten(th)
        w_nonzero = jnp.dot(p["w"], p["w"]) > 0
        bound = single_block_bound(p, x, y, loss, fit.t, codes)
        bound = jnp.where(w_nonzero, bound, 0.0) / loss_scale
        excess = (risk(th) - fit.risk) / loss_scale
        return w_nonzero, bound, excess

    nz_s, bound_s, excess_s = jax.vmap(at)(flat)
    nz_e, bound_e, excess_e = jax.vmap(at)(points)
    # On the margin scale, over the points with w != 0 (vacuous 1 where there are none).
    margin_s = min_over(nz_s, tolerance_margin(excess_s - bound_s, loss_equal))
    margin_e = min_over(nz_e, tolerance_margin(excess_e - bound_e, loss_equal))
    crit = is_critical(c)
    gap = (c.loss - fit.lower) / loss_scale
    w_norm = jax.vmap(lambda th: jnp.linalg.norm(unflatten(th)["w"]))(points)
    size = jax.vmap(lambda th: jnp.maximum(jnp.linalg.norm(th), 1.0))(points)
    nonzero = crit & (w_norm > TOLERANCES["yun_w_nonzero"] * size)
    zero = crit & ~nonzero
    better = gap <= loss_equal
    return Evidence(
        margin=jnp.minimum(margin_s, margin_e),
        conclusive=jnp.asarray(True),
        measured={
            **_common_measured(c, fit, loss_scale),
            "n_critical": _count(crit),
            "n_critical_w_nonzero": _count(nonzero),
            "n_better_than_linear": _count(nonzero & better),
            "n_within_bound_only": _count(nonzero & ~better & (gap <= loss_equal + bound_e)),
            "n_critical_w_zero": _count(zero),
            "n_critical_w_zero_worse_than_linear": _count(zero & ~better),
            "max_gap_w_nonzero": jnp.max(jnp.where(nonzero, gap, -1.0)),
            "max_gap_w_zero": jnp.max(jnp.where(zero, gap, -1.0)),
            "min_norm_w_nonzero": jnp.where(jnp.any(nonzero), min_over(nonzero, w_norm, jnp.inf), 0.0),
            "max_norm_w_zero": jnp.max(jnp.where(zero, w_norm, 0.0)),
            "max_bound_relative_at_ends": jnp.max(bound_e),
            "min_margin_starts": margin_s,
            "min_margin_ends": margin_e,
        },
    )
