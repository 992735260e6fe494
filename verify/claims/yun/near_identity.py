"""Yun, Sra & Jadbabaie (seed 004, the poster's last section): the risk at critical points of a
near-identity ResNet is within a constant C of the best linear risk; C is derived here (not
the paper's C).

The ResNet

    h_0(x) = x,   h_l(x) = h_{l-1}(x) + phi^l(h_{l-1}(x))  (l = 1..L),   f_theta(x) = w^T h_L(x),

with every phi^l (rho/L)-Lipschitz and phi^l(0) = 0, and a loss l(p; y) that is convex,
lambda-Lipschitz and differentiable in p. The poster ("Theorem (informal)") says every
critical point theta* of R(theta) = E l(f_theta(x); y) has R(theta*) <= R_lin + C with
R_lin = inf_t E l(t^T x; y), C independent of the depth L.

The constant C: derived here (not the paper's C). The paper's section on near-identity
regions (arXiv:1907.03922) cannot be read here, so its constant is not quoted. This module
encodes the constant that the poster's hypotheses give, by the following argument (it uses
every hypothesis the poster lists):

(i) w enters f linearly and is unconstrained, so at a critical point
    grad_w R = E[l'(f(x); y) h_L(x)] = 0. Convexity of l in p gives, for every t,
    E l(t^T h_L; y) >= R(theta*) + E[l' h_L]^T (t - w*) = R(theta*).
    (Only stationarity in w is used: the bound holds at every point where grad_w R = 0,
    saddles and constrained KKT points included.)
(ii) phi^l(0) = 0 and Lipschitz: ||h_l|| <= (1 + rho/L) ||h_{l-1}||, so
    ||h_L(x) - x|| <= sum_l (rho/L) (1 + rho/L)^(l-1) ||x|| = ((1 + rho/L)^L - 1) ||x||.
(iii) l lambda-Lipschitz: E l(t^T h_L; y) <= E l(t^T x; y) + lambda ||t|| E||h_L(x) - x||.

Hence, for every t (upper bound, not tight in general):

    R(theta*) <= E l(t^T x; y) + C_L(t),
    C_L(t) = lambda ((1 + rho/L)^L - 1) ||t|| E||x||  <=  lambda (e^rho - 1) ||t|| E||x||,

and with t = t* a minimiser of the linear risk, R(theta*) <= R_lin + C with the depth-free
C = lambda (e^rho - 1) ||t*|| E||x||, or the sharper C_L(t*) <= C. E is the empirical mean
over the n examples (the risk is the empirical risk). The check uses the sharper C_L (it
implies the depth-free one; both are reported).

The quantitative form that survives rounding: at a point theta that is only close to
critical, (i) becomes E l(t^T h_L; y) >= R(theta) + g_w^T (t - w) with g_w = grad_w R(theta),
so at EVERY theta (critical or not)

    R(theta) - ||g_w|| ||t - w|| <= E l(t^T x; y) + C_L(t),

a certified inequality the check also tests (at the finder's starts and end points).

Parametrisation and the Lipschitz constraint. phi^l(h) = V_l tanh(U_l h), V_l in R^{d x m},
U_l in R^{m x d}, with

    V_l = r A_l / sqrt(1 + ||A_l||_F^2),   U_l = r B_l / sqrt(1 + ||B_l||_F^2),   r = sqrt(rho / L),

A_l, B_l free. Then ||V_l||_F, ||U_l||_F < r, so Lip(phi^l) <= ||V_l||_2 ||U_l||_2 < rho/L,
tanh(0) = 0 gives phi^l(0) = 0, and the map A -> r A / sqrt(1 + ||A||_F^2) is a
diffeomorphism of R^{d x m} onto the open Frobenius ball of radius r. So the risk as a
function of theta = (w, A, B) is smooth and unconstrained, and its critical points are
exactly the critical points of R in (w, V, U) inside the constrained class (the open
balls): the constraint is kept by construction during the critical-point search, and the
finders of `verify.landscape` apply unchanged. The class is a subset of the theorem's
(the product of the two radii is rho/L: a Frobenius-ball version of ||V|| ||U|| <= rho/L).
"Critical point" is meant parametrically, as in the poster: theta collects all parameters
(w and the blocks' z), and theta* is a zero of the gradient in theta (not the Frechet /
functional notion of Bartlett et al., the poster's reference [7]). The finders often end
where ||A_l|| is large, i.e. with V_l or U_l near the edge of its ball: approximations of
critical points of the constrained class on its boundary (KKT points, where the gradient
in the blocks need not vanish). The bound holds there as well, since its proof uses only
grad_w R = 0 and w is unconstrained; the check reports how close the blocks came to the
edge (``max_block_lipschitz_over_rho_by_L``).

Losses (`NEAR_IDENTITY_LOSSES`): logistic l(p; y) = log(1 + e^{-y p}), y in {-1, +1}
(convex, 1-Lipschitz, smooth) and Huber l(p; y) = H_delta(p - y) (convex, delta-Lipschitz,
C^1). Losses that break a hypothesis are refused by name with the reason (`validate_loss`):
square (not Lipschitz), hinge and absolute (not differentiable), sigmoid and ramp (not
convex). R_lin is computed by a damped Newton method on the convex linear risk
(`solve_linear_risk`); since the bound above holds for every t, the solver's accuracy
affects only how tight the check is, never its validity.

How tight the risk bound is. `w_stationary_probe` searches for blocks whose w-stationary
risk is as large as possible. On the claim's instances it exceeds R_lin by a small fraction
of C (README): a positive constant is needed (with C = 0 the statement would be refuted
there, `tests/test_yun_near_identity.py`), but the derived C is far from attained on these
data. The displacement bound behind it, ||h_L(x) - x|| <= ((1 + rho/L)^L - 1)||x||, is sharp
(attained as x -> 0 with V_l U_l -> rho/L, tested).

References:
  [1] C. Yun, S. Sra, A. Jadbabaie. Are deep ResNets provably better than linear
      predictors? NeurIPS 2019, arXiv:1907.03922 (v2): the section on near-identity regions,
      risk at critical points (its theorem number and constant are not quoted here).
  [2] The poster of [1], the seed ``shared/seeds/004_b91220a50cbb67a9.txt``, section
      "Near-identity Regions of ResNets", first "Theorem (informal)".
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from verify.claims._common import draws, raise_problems, validate_positive_int
from verify.claims.base import Claim, Evidence, MarginCase, all_of, compare, min_over, register, tolerance_margin
from verify.claims.yun.model import SEED_004
from verify.errors import InvalidInstanceError
from verify.landscape import is_critical, search_and_classify, type_counts
from verify.tolerances import TOLERANCES

__all__ = [
    "NEAR_IDENTITY_LOSSES",
    "LOSS_CODES",
    "validate_loss",
    "loss_value",
    "loss_lipschitz",
    "block_matrices",
    "block_lipschitz",
    "near_identity_features",
    "near_identity_risk",
    "linear_risk",
    "LINEAR_STEPS",
    "solve_linear_risk",
    "depth_factor",
    "near_identity_constant",
    "w_stationary_risk",
    "w_stationary_probe",
    "NEAR_IDENTITY_STARTS",
    "NEAR_IDENTITY_FINDER_STEPS",
    "NearIdentityRisk",
]

# ----------------------------------------------------------------------------- the losses

#: The losses the near-identity theorem admits: name -> why it meets the hypotheses (the
#: code instances store is `LOSS_CODES`).
NEAR_IDENTITY_LOSSES = {
    "logistic": "log(1 + exp(-y p)), y in {-1, +1}: convex, 1-Lipschitz and smooth in p",
    "huber": "H_delta(p - y): convex, delta-Lipschitz and continuously differentiable in p",
}
LOSS_CODES = {"logistic": 0, "huber": 1}

#: Losses the theorem does not admit, with the hypothesis each breaks.
_INADMISSIBLE = {
    "square": "(p - y)^2 is convex and differentiable but not Lipschitz: its derivative 2(p - y) is unbounded",
    "squared": "(p - y)^2 is convex and differentiable but not Lipschitz: its derivative 2(p - y) is unbounded",
    "hinge": "max(0, 1 - y p) is convex and 1-Lipschitz but not differentiable at y p = 1",
    "absolute": "|p - y| is convex and 1-Lipschitz but not differentiable at p = y",
    "sigmoid": "1 / (1 + exp(y p)) is Lipschitz and differentiable but not convex in p",
    "ramp": "min(1, max(0, 1 - y p)) is Lipschitz but neither convex nor differentiable",
}


def validate_loss(loss, delta=1.0) -> tuple[int, float]:
    """Check that `loss` (a name) meets the theorem's hypotheses; return (code, lambda).

    The near-identity theorem needs l(p; y) convex, Lipschitz and differentiable in p.
    Raises InvalidInstanceError naming `loss` (or `delta`), what was expected and what was
    found, for an unknown name, a loss that breaks a hypothesis, or delta <= 0 for Huber.
    """
    if not isinstance(loss, str):
        raise InvalidInstanceError(
            f"loss must be the name of a loss, one of {sorted(NEAR_IDENTITY_LOSSES)}; got {loss!r} ({type(loss).__name__})"
        )
    if loss in _INADMISSIBLE:
        raise InvalidInstanceError(
            f"loss must be convex, Lipschitz and differentiable in p (the near-identity theorem "
            f"assumes all three); got {loss!r}: {_INADMISSIBLE[loss]}. Use one of {sorted(NEAR_IDENTITY_LOSSES)}"
        )
    if loss not in NEAR_IDENTITY_LOSSES:
        raise InvalidInstanceError(f"loss must be one of {sorted(NEAR_IDENTITY_LOSSES)}; got {loss!r}")
    if loss == "huber":
        d = float(delta)
        if not (d > 0.0) or not math.isfinite(d):
            raise InvalidInstanceError(f"delta must be a finite number > 0 (the Huber threshold); got {delta!r}")
        return LOSS_CODES[loss], d
    return LOSS_CODES[loss], 1.0


def _logistic(p, y):
    return jnp.logaddexp(0.0, -y * p)


def _huber(p, y, delta):
    r = p - y
    a = jnp.abs(r)
    return jnp.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def loss_value(p, y, code, delta):
    """l(p; y) for the loss with `code` (0 logistic, 1 Huber with threshold `delta`); pure JAX."""
    return jnp.where(code == 0, _logistic(p, y), _huber(p, y, delta))


def loss_lipschitz(code, delta):
    """The Lipschitz constant lambda of l in p: 1 (logistic, |y| = 1) or delta (Huber)."""
    return jnp.where(code == 0, 1.0, delta)


def _curvature_bound(code):
    """sup_p l''(p; y): 1/4 (logistic) or 1 (Huber): the curvature scale of the risk."""
    return jnp.where(code == 0, 0.25, 1.0)


# ----------------------------------------------------------------- the near-identity ResNet


def block_matrices(a, b, rho):
    """(V, U) of the L blocks from the free variables: V_l = r A_l / sqrt(1 + ||A_l||_F^2),
    U_l = r B_l / sqrt(1 + ||B_l||_F^2), r = sqrt(rho / L) (module docstring).

    a: (L, d, m), b: (L, m, d). Every block then has ||V_l||_F, ||U_l||_F < r."""
    L = a.shape[0]
    r = jnp.sqrt(rho / L)
    na = jnp.sqrt(1.0 + jnp.sum(a * a, axis=(1, 2)))[:, None, None]
    nb = jnp.sqrt(1.0 + jnp.sum(b * b, axis=(1, 2)))[:, None, None]
    return r * a / na, r * b / nb


def block_lipschitz(V, U):
    """Per block, ||V_l||_2 ||U_l||_2: an upper bound on the Lipschitz constant of
    h -> V_l s(U_l h) for any 1-Lipschitz s (tanh, ReLU)."""
    sv = jnp.linalg.norm(V, ord=2, axis=(1, 2))
    su = jnp.linalg.norm(U, ord=2, axis=(1, 2))
    return sv * su


def near_identity_features(x, V, U):
    """h_L(x_i) for every row x_i of x (n, d): h_l = h_{l-1} + V_l tanh(U_l h_{l-1})."""

    def block(h, vu):
        v, u = vu
        return h + jnp.tanh(h @ u.T) @ v.T, None

    h, _ = jax.lax.scan(block, x, (V, U))
    return h


def near_identity_risk(w, a, b, x, y, rho, code, delta):
    """R(theta) = (1/n) sum_i l(w^T h_L(x_i); y_i) for theta = (w, A, B) (module docstring)."""
    V, U = block_matrices(a, b, rho)
    p = near_identity_features(x, V, U) @ w
    return jnp.mean(loss_value(p, y, code, delta))


def linear_risk(t, x, y, code, delta):
    """The linear predictor's risk (1/n) sum_i l(t^T x_i; y_i)."""
    return jnp.mean(loss_value(x @ t, y, code, delta))


#: Newton iterations of `solve_linear_risk` and the step lengths it tries each iteration.
LINEAR_STEPS = 60
_STEP_LENGTHS = 0.5 ** jnp.arange(12.0)


def solve_linear_risk(x, y, code, delta, steps: int = LINEAR_STEPS):
    """Minimise the convex linear risk over t: damped Newton, pure JAX (vmaps).

    Step ``-(H + mu I)^{-1} g`` with ``mu = ||g||`` (the damping keeps the step defined where
    the Huber Hessian is singular and vanishes at the minimiser, so convergence is local
    quadratic), and the best of the step lengths 1, 1/2, ..., 2^-11 (or none): the risk never
    increases. Returns ``(t, R_lin(t), ||grad R_lin(t)||)``. For the logistic loss on data
    whose examples span R^d with both labels the risk is coercive and the minimiser exists
    (`NearIdentityRisk` builds its data so)."""
    d = x.shape[1]
    f = lambda t: linear_risk(t, x, y, code, delta)
    grad = jax.grad(f)
    hess = jax.hessian(f)

    def body(_, t):
        g = grad(t)
        h = hess(t)
        step = -jnp.linalg.solve(h + jnp.linalg.norm(g) * jnp.eye(d), g)
        values = jax.vmap(lambda s: f(t + s * step))(_STEP_LENGTHS)
        best = jnp.argmin(values)
        better = values[best] < f(t)
        # Near the minimiser the decrease (~||g||^2 / ||H||) falls below the rounding of f:
        # there the full step is taken when it does not raise f beyond rounding and it
        # shrinks the gradient (the quadratic convergence Newton has there).
        full = t + step
        flat = (f(full) <= f(t) + 8.0 * jnp.finfo(jnp.float64).eps * jnp.abs(f(t))) & (
            jnp.linalg.norm(grad(full)) < jnp.linalg.norm(g)
        )
        return jnp.where(better, t + _STEP_LENGTHS[best] * step, jnp.where(flat, full, t))

    t = jax.lax.fori_loop(0, steps, body, jnp.zeros(d))
    return t, f(t), jnp.linalg.norm(grad(t))


def depth_factor(rho, L):
    """(1 + rho/L)^L - 1 (bounds ||h_L(x) - x|| / ||x||), computed without cancellation;
    it increases with L towards e^rho - 1."""
    return jnp.expm1(L * jnp.log1p(rho / L))


def near_identity_constant(rho, L, lipschitz, t, x):
    """C_L(t) = lambda ((1 + rho/L)^L - 1) ||t|| mean_i ||x_i|| and its depth-free bound
    lambda (e^rho - 1) ||t|| mean_i ||x_i|| (derived here (not the paper's C): module
    docstring). Returns ``(C_L, C_depth_free)``."""
    scale = lipschitz * jnp.linalg.norm(t) * jnp.mean(jnp.linalg.norm(x, axis=1))
    return scale * depth_factor(rho, L), scale * jnp.expm1(rho)


def w_stationary_risk(a, b, x, y, rho, code, delta):
    """min_w R(w, A, B) for fixed blocks: the linear risk minimised on the features h_L(x_i)
    (`solve_linear_risk` on them). At its minimiser grad_w R = 0, the only stationarity the
    derivation of C uses, so R_lin + C bounds it too. Returns ``(risk, w, ||grad_w R||)``."""
    V, U = block_matrices(a, b, rho)
    w, r, g = solve_linear_risk(near_identity_features(x, V, U), y, code, delta)
    return r, w, g


def w_stationary_probe(x, y, rho, code, delta, a0, b0, steps: int = 100, learning_rate: float = 0.05):
    """Search for blocks whose w-stationary risk is as LARGE as possible: Adam ascent on
    (A, B) -> min_w R(w, A, B), with the envelope gradient grad_{A,B} R(w*, A, B) (w* held
    fixed, exact at the inner minimiser). Every iterate is a point with grad_w R = 0 (to the
    solver's accuracy), where R <= R_lin + C must hold: this probes how tight C is.

    Returns ``(ratio, risk)``: the largest (R - R_lin) / C over the iterates and that risk."""
    t, r_lin, _ = solve_linear_risk(x, y, code, delta)
    L = a0.shape[0]
    c_L, _ = near_identity_constant(rho, L, loss_lipschitz(code, delta), t, x)

    def neg_risk_at(ab, w):
        return -near_identity_risk(jax.lax.stop_gradient(w), ab[0], ab[1], x, y, rho, code, delta)

    opt = optax.adam(learning_rate)

    def step(carry, _):
        ab, state, best = carry
        r, w, _ = w_stationary_risk(ab[0], ab[1], x, y, rho, code, delta)
        g = jax.grad(neg_risk_at)(ab, w)
        updates, state = opt.update(g, state, ab)
        return (optax.apply_updates(ab, updates), state, jnp.maximum(best, r)), None

    ab0 = (a0, b0)
    (ab, _, best), _ = jax.lax.scan(step, (ab0, opt.init(ab0), -jnp.inf), None, length=steps)
    best = jnp.maximum(best, w_stationary_risk(ab[0], ab[1], x, y, rho, code, delta)[0])
    return (best - r_lin) / c_L, best


# ---------------------------------------------------------------------- yun/near-identity

#: Starts of the critical-point search per instance (half to each finder) and its steps.
NEAR_IDENTITY_STARTS = 4
NEAR_IDENTITY_FINDER_STEPS = 120


@register
class NearIdentityRisk(Claim):
    """Every critical point of a near-identity ResNet's risk is within C of the best linear risk.

    Setting (seed 004, "Near-identity Regions of ResNets"): inputs x in R^d, the ResNet
    h_0 = x, h_l = h_{l-1} + phi^l(h_{l-1}) (l = 1..L), f_theta(x) = w^T h_L(x), every
    residual block phi^l (rho/L)-Lipschitz with phi^l(0) = 0; here phi^l(h) = V_l tanh(U_l h)
    with V_l, U_l in open Frobenius balls of radius sqrt(rho/L), parametrised smoothly and
    without constraint (`block_matrices`, module docstring), so Lip(phi^l) < rho/L. The loss
    l(p; y) is convex, lambda-Lipschitz and differentiable in p (logistic: lambda = 1;
    Huber: lambda = delta). R(theta) = (1/n) sum_i l(f_theta(x_i); y_i) (empirical risk),
    R_lin = inf_t (1/n) sum_i l(t^T x_i; y_i), attained at t*.

    Claim (upper bound; the poster's "Theorem (informal)": R(theta*) <= R_lin + C for every
    critical point theta*), with C derived here (not the paper's C; module docstring):
    C = lambda ((1 + rho/L)^L - 1) ||t*|| mean_i ||x_i|| <= lambda (e^rho - 1) ||t*|| mean_i ||x_i||,
    independent of L. Also the certified form at every point theta:
    R(theta) - ||grad_w R(theta)|| ||t* - w|| <= R_lin + C.

    Check: R_lin and t* by damped Newton (`solve_linear_risk`); `NEAR_IDENTITY_STARTS`
    starts, half to the saddle-seeking Levenberg-Marquardt finder and half to saddle-free
    Newton with a polish (`verify.landscape.search_and_classify`), every end point
    classified. At each point classified critical: R(theta) <= R_lin + C; at every start and
    end point: the certified form; both relative to the loss scale R(0) (the risk of the zero
    predictor), with tolerance TOLERANCES["yun_near_identity_rounding"]. Measured: the numbers
    of points per type, the largest (R(theta*) - R_lin) / C over critical points, C and its
    depth-free bound, rho, lambda.

    Margin: the smaller of 1 - (R(theta*) - R_lin - C) / (tol R(0)), smallest over the critical
    points (1 when none was found), and 1 - (lhs - R_lin - C) / (tol R(0)) for the largest
    certified left-hand side lhs over the starts and end points; tol =
    yun_near_identity_rounding. 1 when a bound is attained with equality (C = 0 and a point
    with w = 0, where R = R_lin = R(0)), 0 when a side exceeds R_lin + C by tol R(0); the slack
    C adds reads C / (tol R(0)) above 1.

    Instances: x ~ N(0, I_d); logistic labels from a nonlinear teacher with label noise,
    plus each of d examples repeated with the opposite label (so the data span R^d with both
    labels: the linear risk is coercive and t* exists); Huber targets from the same teacher
    with noise, delta uniform in [0.5, 2]; rho uniform in [0.25, 2]; starts Gaussian, half
    scaled by 0.3.

    References: [1] Yun, Sra & Jadbabaie, arXiv:1907.03922, section on near-identity regions
    (the constant checked is derived here, not the paper's C: module docstring); [2] seed
    `shared/seeds/004_b91220a50cbb67a9.txt` (poster), "Near-identity Regions of ResNets",
    first "Theorem (informal)".
    """

    id = "yun/near-identity"
    source = (
        "Yun, Sra & Jadbabaie 2019 (arXiv:1907.03922), near-identity regions, risk at critical "
        f"points; poster's first informal theorem of that section ({SEED_004}); C derived here "
        "(not the paper's C)"
    )
    statement = (
        "For the ResNet h_l = h_{l-1} + phi^l(h_{l-1}), f = w^T h_L, with every phi^l "
        "(rho/L)-Lipschitz and phi^l(0) = 0 (here V_l tanh(U_l h) in Frobenius balls of radius "
        "sqrt(rho/L)), and a convex, lambda-Lipschitz, differentiable loss: every critical point "
        "has R(theta*) <= R_lin + C with C = lambda((1+rho/L)^L - 1)||t*|| mean||x|| <= "
        "lambda(e^rho - 1)||t*|| mean||x|| (C derived here (not the paper's C), from the "
        "poster's hypotheses); also R(theta) - ||grad_w R|| ||t* - w|| <= R_lin + C at every theta."
    )
    kind = "landscape"
    params = (
        {"loss": "logistic", "n": 12, "d": 2, "L": 3, "m": 2},
        {"loss": "huber", "n": 12, "d": 2, "L": 6, "m": 1},
    )

    def generate(self, key, loss="logistic", n=12, d=2, L=3, m=2):
        code, _ = validate_loss(loss)
        n = validate_positive_int("n", n, "the number of examples")
        d = validate_positive_int("d", d, "the input dimension")
        L = validate_positive_int("L", L, "the number of residual blocks")
        m = validate_positive_int("m", m, "the width of each block")
        if code == 0 and n < 2 * d + 1:
            raise InvalidInstanceError(
                f"n must be >= 2 d + 1 = {2 * d + 1} for the logistic instances (d examples are "
                f"repeated with both labels); got n = {n}"
            )
        S = NEAR_IDENTITY_STARTS
        n_start = d + 2 * L * d * m
        z, u, _ = draws(key, n * d + 2 * d + n + S * n_start, n + 3)
        x = z[: n * d].reshape(n, d)
        teacher_u, teacher_v = z[n * d : n * d + d], z[n * d + d : n * d + 2 * d]
        noise = z[n * d + 2 * d : n * d + 2 * d + n]
        starts = z[n * d + 2 * d + n :].reshape(S, n_start)
        starts = starts * jnp.where(jnp.arange(S) % 4 >= 2, 0.3, 1.0)[:, None]
        score = x @ teacher_u / jnp.sqrt(d) + 0.5 * (x @ teacher_v / jnp.sqrt(d)) ** 2 - 0.5
        if code == 0:
            y = jnp.where(u[:n] < jax.nn.sigmoid(3.0 * score), 1.0, -1.0).astype(jnp.float64)
            # examples d..2d-1 repeat examples 0..d-1 with the opposite label
            x = x.at[d : 2 * d].set(x[:d])
            y = y.at[d : 2 * d].set(-y[:d])
            delta = jnp.asarray(1.0)
        else:
            y = score + 0.3 * noise
            delta = 0.5 + 1.5 * u[n]
        rho = 0.25 + 1.75 * u[n + 1]
        return {
            "x": x,
            "y": y,
            "rho": rho,
            "loss_code": jnp.asarray(float(code), dtype=jnp.float64),
            "delta": jnp.asarray(delta, jnp.float64),
            "w_starts": starts[:, :d],
            "a_starts": starts[:, d : d + L * d * m].reshape(S, L, d, m),
            "b_starts": starts[:, d + L * d * m :].reshape(S, L, m, d),
        }

    def validate(self, instance):
        super().validate(instance)
        names = ("x", "y", "rho", "loss_code", "delta", "w_starts", "a_starts", "b_starts")
        missing = [k for k in names if k not in instance]
        raise_problems(f"instance must hold {k!r} (one of {list(names)}); it is missing" for k in missing)
        _shape = lambda name: tuple(np.shape(instance[name]))  # noqa: E731
        problems = []
        xs = _shape("x")
        if len(xs) != 2 or xs[0] < 1 or xs[1] < 1:
            raise_problems([f"x must have shape (n, d) with n, d >= 1; got shape {xs}"])
        n, d = xs
        if _shape("y") != (n,):
            problems.append(
                f"y must have shape (n,) = ({n},) to match x of shape {xs}; got shape {_shape('y')}"
            )
        for k in ("rho", "loss_code", "delta"):
            if _shape(k) != ():
                problems.append(f"{k} must be a scalar; got shape {_shape(k)}")
        ws, as_, bs = _shape("w_starts"), _shape("a_starts"), _shape("b_starts")
        if len(ws) != 2 or ws[0] < 1 or ws[1] != d:
            problems.append(f"w_starts must have shape (S, d) = (S, {d}) with S >= 1; got shape {ws}")
        if len(as_) != 4 or as_[1] < 1 or as_[2] != d or as_[3] < 1:
            problems.append(
                f"a_starts must have shape (S, L, d, m) = (S, L, {d}, m) with L >= 1 blocks and width "
                f"m >= 1; got shape {as_}"
            )
        elif len(bs) != 4 or bs[:2] != as_[:2] or bs[2] != as_[3] or bs[3] != d:
            problems.append(
                f"b_starts must have shape (S, L, m, d) = {(as_[0], as_[1], as_[3], d)} to match "
                f"a_starts of shape {as_}; got shape {bs}"
            )
        elif len(ws) == 2 and ws[0] != as_[0]:
            problems.append(f"w_starts and a_starts must hold the same number of starts; got {ws[0]} and {as_[0]}")
        raise_problems(problems)
        rho = float(np.asarray(instance["rho"]))
        if not rho > 0:
            problems.append(f"rho must be > 0 (the blocks are rho/L-Lipschitz); got {rho!r}")
        code = float(np.asarray(instance["loss_code"]))
        names_by_code = {float(v): k for k, v in LOSS_CODES.items()}
        if code not in names_by_code:
            problems.append(
                f"loss_code must be one of {sorted(names_by_code)} ({LOSS_CODES}); got {code!r}"
            )
        delta = float(np.asarray(instance["delta"]))
        if not delta > 0:
            problems.append(f"delta must be > 0 (the Huber threshold and Lipschitz constant); got {delta!r}")
        if code == 0:
            y = np.asarray(instance["y"], dtype=np.float64)
            bad = y[np.abs(y) != 1.0]
            if bad.size:
                problems.append(
                    f"y must hold labels in {{-1, +1}} for the logistic loss (loss_code 0); got "
                    f"{bad.size} other values, e.g. {float(bad[0])!r}"
                )
        raise_problems(problems)

    def margin_cases(self):
        base = {k: np.asarray(v) for k, v in self.generate(jax.random.PRNGKey(0), **self.params[0]).items()}
        # Integer inputs (n = 12, d = 2), each twice with opposite labels: grad R_lin(0) =
        # -mean(y x) / 2 is exactly 0 in any order of summation, so the solver stays at t* = 0:
        # C = 0 and R_lin = R(0) = log 2. Every start has w = 0, where p = 0 and R = log 2, and
        # which is critical (grad_w R = -mean(y h_L(x)) / 2 cancels pair by pair; the other
        # gradients carry the factor w).
        x = np.repeat([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0], [-1.0, 2.0], [1.0, -2.0]], 2, axis=0)
        y = np.tile([1.0, -1.0], 6)
        return (
            MarginCase(
                "C = 0 (t* = 0 exactly) and w = 0 at every start: R = R_lin + C at every point, "
                "both bounds attained with equality",
                dict(base, x=x, y=y, w_starts=np.zeros_like(base["w_starts"])),
                1.0,
                # R and R_lin are means of log 2 up to the finders' steps of ~1e-17 in w: an
                # ulp of log 2 is ~1e-7 tolerance units.
                atol=1e-3,
            ),
        )

    def check(self, instance):
        x, y = instance["x"], instance["y"]
        rho, code, delta = instance["rho"], instance["loss_code"], instance["delta"]
        w0, a0, b0 = instance["w_starts"], instance["a_starts"], instance["b_starts"]
        S, L, d, m = a0.shape
        n_a = L * d * m

        def unflat(z):
            return z[:d], z[d : d + n_a].reshape(L, d, m), z[d + n_a :].reshape(L, m, d)

        def risk(z):
            w, a, b = unflat(z)
            return near_identity_risk(w, a, b, x, y, rho, code, delta)

        lam = loss_lipschitz(code, delta)
        t_star, r_lin, lin_grad = solve_linear_risk(x, y, code, delta)
        c_L, c_free = near_identity_constant(rho, L, lam, t_star, x)
        rhs = r_lin + c_L
        # R(0), the zero predictor's risk (log 2 for logistic): the scale of the comparisons
        loss_scale = jnp.maximum(
            linear_risk(jnp.zeros(d), x, y, code, delta), jnp.finfo(jnp.float64).tiny
        )
        curvature = _curvature_bound(code) * jnp.mean(jnp.sum(x * x, axis=1))
        starts = jnp.concatenate([w0, a0.reshape(S, -1), b0.reshape(S, -1)], axis=1)
        points, c = search_and_classify(
            risk, starts, NEAR_IDENTITY_FINDER_STEPS, curvature_floor=curvature, loss_floor=loss_scale
        )
        critical = is_critical(c)
        tol = TOLERANCES["yun_near_identity_rounding"]

        def certified_lhs(z):
            g_w = jax.grad(risk)(z)[:d]
            return risk(z) - jnp.linalg.norm(g_w) * jnp.linalg.norm(t_star - z[:d])

        values = jax.vmap(risk)(points)
        lhs = jax.vmap(certified_lhs)(jnp.concatenate([points, starts]))
        found = jnp.any(critical)
        # The theorem at every point classified critical, on the margin scale; vacuous (1)
        # when none was found (the certified form below still covers every point).
        at_critical = Evidence(
            margin=min_over(critical, tolerance_margin((values - rhs) / loss_scale, tol)),
            conclusive=jnp.asarray(True),
            measured={
                "risk_at_critical": jnp.where(found, jnp.max(jnp.where(critical, values, -jnp.inf)), 0.0),
                "risk_at_critical_reference": rhs,
                "risk_at_critical_scale": loss_scale,
            },
        )
        certified = compare(jnp.max(lhs), rhs, "upper", tol, scale=loss_scale, name="certified_lhs")
        tiny = jnp.finfo(jnp.float64).tiny
        excess = jnp.where(critical, (values - r_lin) / jnp.maximum(c_L, tiny), -jnp.inf)
        V, U = jax.vmap(lambda z: block_matrices(*unflat(z)[1:], rho))(points)
        lip = jnp.max(jax.vmap(block_lipschitz)(V, U)) / (rho / L)
        return all_of(
            at_critical,
            certified,
            **type_counts(c),
            n_critical=jnp.sum(critical).astype(jnp.float64),
            R_lin=r_lin,
            C=c_L,
            C_depth_free=c_free,
            t_star_norm=jnp.linalg.norm(t_star),
            linear_solver_grad_norm=lin_grad,
            max_excess_over_R_lin_in_units_of_C=jnp.where(found, jnp.max(excess), 0.0),
            min_risk_at_critical=jnp.where(found, jnp.min(jnp.where(critical, values, jnp.inf)), 0.0),
            loss_scale=loss_scale,
            rho=rho,
            lipschitz=lam,
            max_block_lipschitz_over_rho_by_L=lip,
        )


