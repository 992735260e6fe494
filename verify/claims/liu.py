"""Liu et al. and Du et al.: the two-layer non-overlapping convolutional network (seed 003).

Setting (seed 003, section 2). Inputs Z = (Z_1, ..., Z_k), Z_j in R^p i.i.d. N(0, I_p).
The teacher is g(v*, a*, Z) = sum_j a*_j relu(Z_j^T v*) with ||v*|| = 1 (eq. (4)); the
student with the average-pooling shortcut 1/sqrt p (1 the all-ones vector) and batch
normalisation is (eq. (6))

    f(w, a, Z) = sum_j a_j relu(Z_j^T v / ||v||),   v = 1/sqrt p + w  (v != 0),

and the population loss is L(w, a) = 1/2 E_Z (g(v*, a*, Z) - f(w, a, Z))^2 (eq. (7)).
Without the shortcut (Du et al. 2017) the same network is parametrised by v itself; the
loss is the same function of v, so `population_loss_v` serves both.

Closed form (`population_loss`). For z ~ N(0, I_p) and non-zero u, v with angle theta,
Du et al. (and Cho & Saul 2009) give

    E[relu(z.u) relu(z.v)] = ||u|| ||v|| (sin theta + (pi - theta) cos theta) / (2 pi),

and for independent Z_j, Z_l (j != l) E[relu(Z_j.u)] E[relu(Z_l.v)] = ||u|| ||v|| / (2 pi).
With u = v/||v||, c = cos theta(u, v*) and h(c) = sqrt(1 - c^2) + (pi - arccos c) c:

    L(w, a) = 1/(4 pi) [ a^T (1 1^T + (pi - 1) I) a - 2 a^T (1 1^T + (h(c) - 1) I) a*
                         + a*^T (1 1^T + (pi - 1) I) a* ].

Derivatives at parallel and antiparallel points. h'(c) = pi - arccos c is finite on
[-1, 1], but autodiff through arccos divides 0 by 0 at c = +-1, and h''(c) = 1/sqrt(1-c^2)
is infinite there. In L it is multiplied by (grad c)(grad c)^T, which vanishes like
sin^2 theta, so the Hessian of L is finite and continuous (L is C^2; its third derivatives
jump at theta = 0 and pi, where L - L(theta = pi) ~ -(a^T a*) theta'^3 / (6 pi),
theta' = pi - theta). `_h` carries a `jax.custom_jvp` with derivative `_pi_minus_arccos`,
whose own custom derivative dc / sqrt(1 - c^2) is taken as 0 where 1 - c^2 = 0 in floating
point; there dc (= grad c . t) is zero up to rounding, so the product is the limit above.
In floating point 1 - c^2 is either 0 or >= 2^-52 near c = +-1, so the guarded quotient
never exceeds |dc| * 2^26.

Claims (ids as in ``shared/CLAIMS.md``):

* `PopulationLoss` (``liu/population-loss``): the closed form against Monte Carlo, finite
  gradients and Hessians everywhere, including the parallel and antiparallel points.
* `OptimaAsPrinted` (``liu/optima``): Proposition 1 as printed: false (expected refuted).
* `OptimaDerived` (``liu/optima-derived``): Proposition 1 with the condition it needs,
  (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi (or p = 1), derived in `spurious_curvature`.
* `ShortcutPrior` (``liu/shortcut-prior``): Assumption 1 implies (1/sqrt p)^T v* >= 1/2.
* `NormalisedGradientDescent` (``liu/gd-normalised``): the main theorem's GD with the
  normalisation of eq. (8) from w0 = 0, a0 in the ball, converges to the global optimum.
* `RandomInitTrap` (``du/random-init-trap``): the footnote's probability in [1/4, 3/4].

References:
  [1] T. Liu, M. Chen, M. Zhou, S. S. Du, E. Zhou, T. Zhao. Towards Understanding the
      Importance of Shortcut Connections in Residual Networks. NeurIPS 2019,
      arXiv:1909.04653v3: Proposition 1, Assumption 1, equation (8), the main theorem;
      the seed ``shared/seeds/003_af212ce39d233884.txt`` (the excerpt these claims quote).
  [2] S. S. Du, J. D. Lee, Y. Tian, B. Poczos, A. Singh. Gradient Descent Learns
      One-hidden-layer CNN: Don't be Afraid of Spurious Local Minima. ICML 2018,
      arXiv:1712.00779v2 (the kernel formula and the spurious optimum).
  [3] Y. Cho, L. Saul. Kernel Methods for Deep Learning. NIPS 2009 (the arc-cosine kernel
      of degree 1, the formula for E[relu(z.u) relu(z.v)]).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims.base import REFUTED, Claim, Evidence, all_of, compare, register
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, classify, hessian
from verify.statistics import FALSE_ALARM, MeanEstimate, expectation_evidence, wilson_interval, z_value
from verify.tolerances import TOLERANCES

__all__ = [
    "SEED_003",
    "relu_kernel",
    "population_loss",
    "population_loss_v",
    "monte_carlo_loss",
    "spurious_output_weights",
    "spurious_curvature",
    "spurious_is_local_minimum",
    "optimum_hessian",
    "angle_to",
    "normalised_gd",
    "step_sizes",
    "stage_boundary",
    "random_starts",
    "loss_scale",
    "trap_probability",
    "wilson_interval",
    "validate_teacher",
    "validate_student",
    "PopulationLoss",
    "OptimaAsPrinted",
    "OptimaDerived",
    "ShortcutPrior",
    "NormalisedGradientDescent",
    "RandomInitTrap",
]

SEED_003 = "shared/seeds/003_af212ce39d233884.txt"
_PI = math.pi


# ------------------------------------------------------------------ the kernel and the loss


@jax.custom_jvp
def _pi_minus_arccos(c):
    """pi - arccos(c) on [-1, 1] (h'(c)); its derivative 1/sqrt(1 - c^2) is guarded at c = +-1."""
    return _PI - jnp.arccos(c)


@_pi_minus_arccos.defjvp
def _pi_minus_arccos_jvp(primals, tangents):
    (c,), (dc,) = primals, tangents
    one_minus_c2 = (1.0 - c) * (1.0 + c)  # exact near c = +-1, unlike 1 - c*c
    safe = jnp.where(one_minus_c2 > 0, one_minus_c2, 1.0)
    # 0 where 1 - c^2 == 0: there dc = grad c . t is zero up to rounding (module docstring).
    return _pi_minus_arccos(c), jnp.where(one_minus_c2 > 0, dc / jnp.sqrt(safe), 0.0)


@jax.custom_jvp
def _h(c):
    """h(c) = sqrt(1 - c^2) + (pi - arccos c) c = sin theta + (pi - theta) cos theta."""
    return jnp.sqrt(jnp.maximum((1.0 - c) * (1.0 + c), 0.0)) + _pi_minus_arccos(c) * c


@_h.defjvp
def _h_jvp(primals, tangents):
    (c,), (dc,) = primals, tangents
    # d/dc [sqrt(1-c^2) + (pi - arccos c) c] = -c/sqrt(1-c^2) + c/sqrt(1-c^2) + pi - arccos c.
    return _h(c), _pi_minus_arccos(c) * dc


def _clip_value(c):
    """c with its value clipped to [-1, 1] but the derivatives of c itself: rounding can put
    v.v*/||v|| a few ulps outside [-1, 1] exactly at the optima, where `jnp.clip`'s zero
    derivative would drop the (non-zero) second derivative of c from the Hessian."""
    return c + jax.lax.stop_gradient(jnp.clip(c, -1.0, 1.0) - c)


def _cosine(v, v_star):
    """cos of the angle between v and the unit vector v*, its value clipped to [-1, 1]."""
    return _clip_value(jnp.dot(v, v_star) / jnp.linalg.norm(v))


def relu_kernel(u: jax.Array, v: jax.Array) -> jax.Array:
    """E[relu(z.u) relu(z.v)] for z ~ N(0, I) and non-zero u, v (Du et al.; Cho & Saul):
    ||u|| ||v|| (sin theta + (pi - theta) cos theta) / (2 pi)."""
    nu, nv = jnp.linalg.norm(u), jnp.linalg.norm(v)
    c = _clip_value(jnp.dot(u, v) / (nu * nv))
    return nu * nv * _h(c) / (2.0 * _PI)


def _quadratic_form(a, a_star, hc):
    """4 pi L as a function of a, a* and h(c) (module docstring)."""
    sa, ss = jnp.sum(a), jnp.sum(a_star)
    aa, ab, bb = jnp.dot(a, a), jnp.dot(a, a_star), jnp.dot(a_star, a_star)
    return (sa * sa + (_PI - 1.0) * aa) - 2.0 * (sa * ss + (hc - 1.0) * ab) + (ss * ss + (_PI - 1.0) * bb)


def population_loss_v(v: jax.Array, a: jax.Array, v_star: jax.Array, a_star: jax.Array) -> jax.Array:
    """L as a function of the (unnormalised) convolutional weight v != 0 and a (Du et al.)."""
    return _quadratic_form(a, a_star, _h(_cosine(v, v_star))) / (4.0 * _PI)


def population_loss(w: jax.Array, a: jax.Array, v_star: jax.Array, a_star: jax.Array) -> jax.Array:
    """L(w, a) = 1/2 E (g(v*, a*, Z) - f(w, a, Z))^2 in closed form (seed 003, eq. (7)).

    Pure JAX (jit, vmap, grad and hessian apply); assumes ||v*|| = 1 and 1/sqrt p + w != 0
    (check with `validate_teacher` / `validate_student` on the host)."""
    p = w.shape[-1]
    return population_loss_v(w + 1.0 / jnp.sqrt(p), a, v_star, a_star)


def monte_carlo_loss(key, w, a, v_star, a_star, n_batches: int = 2, batch: int = 4096) -> MeanEstimate:
    """Monte Carlo estimate of L(w, a): the mean of 1/2 (g - f)^2 over `n_batches * batch`
    independent draws of the Gaussian inputs Z, with the sample variance (n - 1).

    Each batch's inputs come from one flat `jax.random.normal` draw of batch * k * p numbers
    (a `jax.lax.scan` over batches bounds memory to one batch), not from a key per sample as
    `verify.statistics.monte_carlo_mean` draws them: the same estimator, but a key per sample
    is a batched threefry kernel that XLA compiles in seconds (see `_draws`). Equal batch
    sizes make the pooled variance exact: M2 = sum_b M2_b + batch sum_b (mean_b - mean)^2."""
    if n_batches < 1 or batch < 2:
        raise ValueError(f"need n_batches >= 1 and batch >= 2; got n_batches={n_batches}, batch={batch}")
    k, p = a.shape[0], w.shape[0]
    u = (w + 1.0 / jnp.sqrt(p)) / jnp.linalg.norm(w + 1.0 / jnp.sqrt(p))

    def one_batch(_, kb):
        z = jax.random.normal(kb, (batch * k * p,)).reshape(batch, k, p)
        g = jax.nn.relu(z @ v_star) @ a_star
        f = jax.nn.relu(z @ u) @ a
        x = 0.5 * (g - f) ** 2
        m = jnp.mean(x)
        return None, (m, jnp.sum((x - m) ** 2))

    _, (means, m2s) = jax.lax.scan(one_batch, None, jax.random.split(key, n_batches))
    mean = jnp.mean(means)
    n = jnp.asarray(n_batches * batch, jnp.float64)
    m2 = jnp.sum(m2s) + batch * jnp.sum((means - mean) ** 2)
    return MeanEstimate(mean=mean, variance=m2 / (n - 1.0), samples=n)


# ------------------------------------------------------------------------ the two optima


def spurious_output_weights(a_star: jax.Array) -> jax.Array:
    """a = (1 1^T + (pi - 1) I)^{-1} (1 1^T - I) a*, the spurious optimum's output weights
    (Proposition 1), by Sherman-Morrison: (s 1 pi / (k + pi - 1) - a*) / (pi - 1), s = 1^T a*."""
    k = a_star.shape[0]
    s = jnp.sum(a_star)
    return (s * _PI / (k + _PI - 1.0) - a_star) / (_PI - 1.0)


def spurious_curvature(a_star: jax.Array) -> jax.Array:
    """a_s^T a* = (pi (1^T a*)^2 / (k + pi - 1) - ||a*||^2) / (pi - 1), a_s the spurious a.

    Why it decides Proposition 1 (p >= 2). At the spurious point (theta = pi, a = a_s) the
    Hessian is block diagonal: (1 1^T + (pi - 1) I) / (2 pi) > 0 in a, and 0 in w (h'(-1) = 0
    and grad c = 0), so second-order evidence cannot decide. Along the sphere, with
    d = pi - theta, h = d^3/3 - d^5/30 + ..., and with a = a_s + b,
        L - L_s = b^T (1 1^T + (pi - 1) I) b / (4 pi) - (a_s + b)^T a* h / (2 pi),
    whose minimum over b is -(a_s^T a*) d^3 / (6 pi) + O(d^6). So the spurious point is a
    local minimum iff a_s^T a* < 0, i.e. (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi, and a
    saddle (degenerate: the descent is cubic) iff a_s^T a* > 0; at a_s^T a* = 0 (k = 1
    always: a_s = 0) the O(d^6) term, -h^2 a*^T M^{-1} a* / (4 pi) < 0 (M = 1 1^T +
    (pi - 1) I, along b = M^{-1} a* h), is descent: a saddle of sixth order. For p = 1 the sphere is two points
    and the point is a strict local minimum modulo scaling for every a*."""
    k = a_star.shape[0]
    s = jnp.sum(a_star)
    return (_PI * s * s / (k + _PI - 1.0) - jnp.dot(a_star, a_star)) / (_PI - 1.0)


def spurious_is_local_minimum(a_star, p: int) -> jax.Array:
    """The condition Proposition 1 needs (`spurious_curvature`): p = 1 or a_s^T a* < 0."""
    return (p == 1) | (spurious_curvature(a_star) < 0)


def optimum_hessian(a, a_star, v_star, alpha, sign):
    """The Hessian of L in (w, a) at 1/sqrt p + w = sign alpha v* (sign = +-1), closed form.

    There grad c = 0, d^2c/dv^2 = sign (v* v*^T - I) / alpha^2 and h'(c) = pi (sign = +1)
    or 0 (sign = -1), so the (w, w) block is
    -(a^T a*) h'(c) sign (v* v*^T - I) / (2 pi alpha^2) (positive semidefinite at the
    global optimum, where a = a*; exactly 0 at the antiparallel point), the (w, a) block
    is 0 and the (a, a) block is (1 1^T + (pi - 1) I) / (2 pi)."""
    p, k = v_star.shape[0], a.shape[0]
    hprime = jnp.where(sign > 0, _PI, 0.0)
    ww = -jnp.dot(a, a_star) * hprime * sign * (jnp.outer(v_star, v_star) - jnp.eye(p)) / (2.0 * _PI * alpha**2)
    aa = (jnp.ones((k, k)) + (_PI - 1.0) * jnp.eye(k)) / (2.0 * _PI)
    top = jnp.concatenate([ww, jnp.zeros((p, k))], axis=1)
    bottom = jnp.concatenate([jnp.zeros((k, p)), aa], axis=1)
    return jnp.concatenate([top, bottom], axis=0)


def angle_to(v, v_star):
    """The angle between v and the unit vector v*, accurate near 0 and pi (atan2 of the
    orthogonal and parallel parts instead of arccos)."""
    par = jnp.dot(v, v_star)
    perp = jnp.linalg.norm(v - par * v_star)
    return jnp.arctan2(perp, par)


# ------------------------------------------------------------- gradient descent, eq. (8)


def step_sizes(a_star: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(eta_w, eta_a) used by `normalised_gd` when none are given.

    The seed does not print the step sizes ("will be specified later in our analysis").
    eta_a = pi / (k + pi - 1) is half of 1 / lambda_max of the (a, a) block
    (1 1^T + (pi - 1) I) / (2 pi), so the a-iteration is a contraction for every w;
    eta_w = pi / max(||a*||^2, 1): at the global optimum the (w, w) block on the unit
    sphere is ||a*||^2 (I - v* v*^T) / 2, so eta_w times it is at most pi / 2 < 2."""
    k = a_star.shape[0]
    eta_a = _PI / (k + _PI - 1.0)
    eta_w = _PI / jnp.maximum(jnp.dot(a_star, a_star), 1.0)
    return eta_w, eta_a


def normalised_gd(w0, a0, v_star, a_star, steps: int, eta_w=None, eta_a=None):
    """Gradient descent with the normalisation of eq. (8) (seed 003, section 2):

        w' = w_t - eta_w grad_w L(w_t, a_t),
        w_{t+1} = (1/sqrt p + w') / ||1/sqrt p + w'|| - 1/sqrt p,
        a_{t+1} = a_t - eta_a grad_a L(w_t, a_t).

    Pure JAX (vmaps over starts). Returns ``(w_T, a_T, trace)`` where ``trace`` holds, for
    t = 0..steps, the angle phi_t between 1/sqrt p + w_t and v* (`angle_to`), the
    correlation a_t^T a* and the loss L(w_t, a_t). Started at w0 != -1/sqrt p (the
    normalisation is undefined there: `validate_student`)."""
    p = w0.shape[0]
    shift = 1.0 / jnp.sqrt(p)
    default_w, default_a = step_sizes(a_star)
    eta_w = default_w if eta_w is None else eta_w
    eta_a = default_a if eta_a is None else eta_a
    grad = jax.grad(population_loss, argnums=(0, 1))

    def record(w, a):
        return jnp.stack([angle_to(w + shift, v_star), jnp.dot(a, a_star), population_loss(w, a, v_star, a_star)])

    def body(carry, _):
        w, a = carry
        gw, ga = grad(w, a, v_star, a_star)
        v = w + shift - eta_w * gw
        w = v / jnp.linalg.norm(v) - shift
        a = a - eta_a * ga
        return (w, a), record(w, a)

    (w, a), trace = jax.lax.scan(body, (w0, a0), None, length=steps)
    trace = jnp.concatenate([record(w0, a0)[None], trace], axis=0)
    return w, a, trace


def _outcome(w, a, v_star, a_star):
    """Where a GD run stopped: (trapped, converged_to_global, undecided) as float64 flags.

    trapped: the angle phi_T to v* exceeds pi/2 and a_T^T a* < 0. There grad_w L is
    -(a^T a*) h'(c) grad c / (2 pi), which moves phi towards pi, and the a that minimises
    L at angle phi has a^T a* decreasing in phi, so the run is in the basin of -v*: it
    converges to the spurious optimum (sublinearly: the (w, w) Hessian vanishes there, so
    after finitely many steps it is near, not at, -v*). success: phi_T < pi/2 and
    a_T^T a* > 0 (the mirror statement). undecided: neither (counted, never guessed)."""
    phi = angle_to(w + 1.0 / jnp.sqrt(w.shape[0]), v_star)
    corr = jnp.dot(a, a_star)
    trapped = (phi > _PI / 2) & (corr < 0)
    success = (phi < _PI / 2) & (corr > 0)
    return trapped.astype(jnp.float64), success.astype(jnp.float64), (~trapped & ~success).astype(jnp.float64)


def random_starts(key, p: int, a_star, count: int):
    """Du et al.'s random initialisation: v0 uniform on the unit sphere of R^p and a0
    uniform in the ball of radius |1^T a*| / sqrt k. Returns (w0 = v0 - 1/sqrt p, a0)."""
    k = a_star.shape[0]
    normal, uniform, _ = _draws(key, count * (p + k), count)
    normal = normal.reshape(count, p + k)
    v0, d = normal[:, :p], normal[:, p:]
    v0 = v0 / jnp.linalg.norm(v0, axis=1, keepdims=True)
    d = d / jnp.linalg.norm(d, axis=1, keepdims=True)
    radius = jnp.abs(jnp.sum(a_star)) / jnp.sqrt(k)
    a0 = d * (radius * uniform[:, None] ** (1.0 / k))
    return v0 - 1.0 / jnp.sqrt(p), a0


@functools.partial(jax.jit, static_argnames=("runs", "steps"))
def trap_probability(key, v_star, a_star, runs: int, steps: int):
    """Monte Carlo over Du et al.'s random initialisation (`random_starts`) of the outcome of
    `normalised_gd` after `steps` steps: a `MeanEstimate` of the (trapped, undecided) flags
    of `runs` >= 2 independent runs (sample variance with n - 1).

    The starts are drawn in one call and the runs vmapped (not `monte_carlo_mean`'s key per
    sample: the same estimate in distribution, compiled in about half the time); jitted,
    with `runs` and `steps` static, so that a call outside `jit` is one compiled program."""
    if runs < 2:
        raise ValueError(f"runs must be at least 2 (the sample variance needs two runs); got {runs!r}")
    p = v_star.shape[0]
    w0, a0 = random_starts(key, p, a_star, runs)

    def one(w, a):
        w, a, _ = normalised_gd(w, a, v_star, a_star, steps)
        trapped, _, undecided = _outcome(w, a, v_star, a_star)
        return jnp.stack([trapped, undecided])

    flags = jax.vmap(one)(w0, a0)
    mean = jnp.mean(flags, axis=0)
    n = jnp.asarray(runs, jnp.float64)
    return MeanEstimate(mean=mean, variance=jnp.sum((flags - mean) ** 2, axis=0) / (n - 1.0), samples=n)


# ------------------------------------------------------------------------------ validation


def validate_teacher(v_star, a_star) -> None:
    """v* must be a unit vector of R^p (p >= 1) and a* a non-zero vector of R^k (k >= 1)."""
    v = np.asarray(v_star, dtype=np.float64)
    a = np.asarray(a_star, dtype=np.float64)
    problems = []
    if v.ndim != 1 or v.shape[0] < 1:
        problems.append(f"v_star must have shape (p,) with p >= 1; got shape {v.shape}")
    if a.ndim != 1 or a.shape[0] < 1:
        problems.append(f"a_star must have shape (k,) with k >= 1; got shape {a.shape}")
    if not problems:
        norm = float(np.linalg.norm(v))
        # ||v*|| is computed to a few ulps; 1e-12 leaves margin and catches any real mistake.
        if abs(norm - 1.0) > 1e-12:
            problems.append(
                f"v_star must have unit norm (the teacher is identifiable only with ||v*|| = 1); "
                f"got ||v_star|| = {norm!r}"
            )
        if not np.any(a != 0):
            problems.append("a_star must be non-zero (with a* = 0 the loss does not depend on w); got a_star = 0")
    if problems:
        raise InvalidInstanceError("; ".join(problems))


def validate_student(w, a, p: int, k: int, name_w: str = "w", name_a: str = "a") -> None:
    """w must have shape (p,) with 1/sqrt p + w != 0 (the normalisation of eq. (6) and (8)
    divides by ||1/sqrt p + w||), a shape (k,); w may be a batch (..., p), a (..., k)."""
    w = np.asarray(w, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    problems = []
    if w.ndim < 1 or w.shape[-1] != p:
        problems.append(f"{name_w} must have shape (p,) = ({p},); got shape {w.shape}")
    if a.ndim < 1 or a.shape[-1] != k:
        problems.append(f"{name_a} must have shape (k,) = ({k},); got shape {a.shape}")
    if not problems:
        norms = np.linalg.norm(w + 1.0 / np.sqrt(p), axis=-1)
        # Below this the direction of 1/sqrt p + w is rounding noise (w is O(1)).
        if np.any(norms <= 1e-12):
            problems.append(
                f"1/sqrt(p) + {name_w} must be non-zero (the normalisation divides by its norm); "
                f"got ||1/sqrt(p) + {name_w}|| = {float(np.min(norms))!r}"
            )
    if problems:
        raise InvalidInstanceError("; ".join(problems))


def _validate_scalar(name, value, low, high=None, low_open=True):
    x = np.asarray(value, dtype=np.float64)
    if x.ndim != 0:
        raise InvalidInstanceError(f"{name} must be a scalar; got shape {x.shape}")
    bad = (x <= low if low_open else x < low) or (high is not None and x > high)
    if bad:
        rng = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'}]"
        raise InvalidInstanceError(f"{name} must lie in {rng}; got {float(x)!r}")


# ------------------------------------------------------------------------------ generators


def _draws(key, n_normal: int, n_uniform: int, n_keys: int = 0):
    """`n_normal` standard normal numbers, `n_uniform` U[0, 1) numbers and `n_keys` PRNG keys
    (two integer words stored as float64, as the instances hold keys), all from ONE `jax.random.uniform` call.

    Why one call: with this jax (0.10, partitionable threefry) every `jax.random` call,
    `split` included, is a threefry kernel that XLA compiles in ~0.3 s on 2 CPU cores (a
    multi-dimensional shape in ~2 s), and compilation, not running, is what a sweep of these
    claims spends its time on. The normals are sqrt 2 erfinv(2u - 1), as `jax.random.normal`
    computes them (its lower end nextafter(-1, 0) too); a key is two words floor(2^32 u),
    uniform on [0, 2^32), which is all a threefry key is."""
    u = jax.random.uniform(key, (n_normal + n_uniform + 2 * n_keys,))
    lowest = jnp.nextafter(jnp.asarray(-1.0), jnp.asarray(0.0))
    normal = jnp.sqrt(2.0) * jax.scipy.special.erfinv(jnp.maximum(2.0 * u[:n_normal] - 1.0, lowest))
    uniform = u[n_normal : n_normal + n_uniform]
    keys = jnp.floor(u[n_normal + n_uniform :] * 2.0**32).reshape(n_keys, 2)
    return normal, uniform, keys


def _unit_of(z):
    """z / ||z||: uniform on the sphere for standard normal z."""
    return z / jnp.linalg.norm(z)


def _shortcut_teacher(z, u, p, max_angle, at_boundary):
    """A unit v* at angle phi from 1/sqrt p, phi uniform in [0, max_angle] (or = max_angle
    when `at_boundary`): ||v* - 1/sqrt p|| = 2 sin(phi / 2). For p = 1, v* = 1. `z`: p
    standard normal numbers (the direction), `u`: one U[0, 1) number (the angle)."""
    e = jnp.ones(p) / jnp.sqrt(p)
    if p == 1:
        return e
    q = z - jnp.dot(z, e) * e
    q = q / jnp.linalg.norm(q)
    phi = jnp.where(at_boundary, max_angle, u * max_angle)
    v = jnp.cos(phi) * e + jnp.sin(phi) * q
    return v / jnp.linalg.norm(v)


def _key_of(instance, name="mc_key"):
    return jnp.asarray(instance[name]).astype(jnp.uint32)


def _validate_key(instance, name="mc_key"):
    key = np.asarray(instance[name])
    if key.shape != (2,) or np.any(key < 0) or np.any(key >= 2**32) or np.any(key != np.round(key)):
        raise InvalidInstanceError(
            f"{name} must be a PRNG key: 2 integers in [0, 2^32) stored as float64; got {key.tolist()!r}"
        )


def _flat_loss(v_star, a_star):
    p = v_star.shape[0]
    return lambda x: population_loss(x[:p], x[p:], v_star, a_star)


def _scaling_tangent(p, k):
    """The orbit of the symmetry 1/sqrt p + w -> t (1/sqrt p + w), t > 0 (L depends on w only
    through the direction of 1/sqrt p + w): its tangent at x = (w, a) is (1/sqrt p + w, 0)."""
    return lambda x: jnp.concatenate([x[:p] + 1.0 / jnp.sqrt(p), jnp.zeros(k)])[:, None]


def loss_scale(a_star):
    """L(w, 0) = a*^T (1 1^T + (pi - 1) I) a* / (4 pi): the loss of the zero network, the
    scale losses are compared against."""
    s = jnp.sum(a_star)
    return (s * s + (_PI - 1.0) * jnp.dot(a_star, a_star)) / (4.0 * _PI)


# ------------------------------------------------------------------ liu/population-loss

#: Monte Carlo samples per instance of `PopulationLoss`: MC_BATCHES batches of MC_BATCH.
MC_BATCHES, MC_BATCH = 2, 4096


def _validate_problem(instance):
    validate_teacher(instance["v_star"], instance["a_star"])
    p, k = np.shape(instance["v_star"])[0], np.shape(instance["a_star"])[0]
    return p, k


@register
class PopulationLoss(Claim):
    """The closed form of Liu et al.'s population loss, with finite derivatives everywhere.

    Setting: p, k >= 1; v* in R^p with ||v*|| = 1; a* in R^k; a student (w, a) with
    1/sqrt p + w != 0; Z_1, ..., Z_k i.i.d. N(0, I_p) (module docstring).

    Claim (identity): L(w, a) = 1/2 E (g(v*, a*, Z) - f(w, a, Z))^2 equals the closed form
    of the module docstring (Du et al.'s kernel E[relu(z.u) relu(z.v)]); and L is twice
    differentiable with finite gradient and Hessian everywhere it is defined, including the
    points 1/sqrt p + w = +-alpha v*, where the autodiff Hessian equals its closed form
    (`optimum_hessian`).

    Check: (a) Monte Carlo over 8,192 draws of Z, with the interval of
    `verify.statistics.expectation_evidence` at false-alarm rate 1e-6, must contain the
    closed form; (b) at w and at 1/sqrt p + w = +-alpha v* (the same a), the autodiff
    gradient and Hessian (forward over reverse) are finite, and at the two special points
    the Hessian equals `optimum_hessian` within TOLERANCES["liu_hessian_at_optima"] relative
    to its largest entry. Instances: v* uniform on the sphere, a*, a Gaussian, w Gaussian
    with standard deviation 1/sqrt p, alpha log-uniform in [0.25, 4].

    References: [1] Liu et al., section 2, equation (7), seed
    `shared/seeds/003_af212ce39d233884.txt`; [2] Du et al. (arXiv:1712.00779), the kernel.
    """

    id = "liu/population-loss"
    source = f"Liu et al. 2019, section 2, eq. (7), with Du et al.'s kernel ({SEED_003})"
    statement = (
        "For Gaussian inputs, L(w, a) = 1/2 E (g(v*, a*, Z) - f(w, a, Z))^2 equals "
        "[a^T(11^T+(pi-1)I)a - 2a^T(11^T+(h-1)I)a* + a*^T(11^T+(pi-1)I)a*]/(4 pi), "
        "h = sin theta + (pi-theta) cos theta, theta = angle(1/sqrt p + w, v*); its gradient and "
        "Hessian are finite everywhere, including where 1/sqrt p + w is parallel or antiparallel to v*."
    )
    kind = "statistical"
    # One shape: every parameter set is a separate XLA compilation (~5 s on 2 loaded cores);
    # tests/test_liu.py checks the closed form at other (p, k), p = k = 1 included.
    params = ({"p": 4, "k": 3},)

    def generate(self, key, p=4, k=3):
        z, u, keys = _draws(key, 2 * p + 2 * k, 1, 1)
        return {
            "v_star": _unit_of(z[:p]),
            "a_star": z[p : p + k],
            "w": z[p + k : 2 * p + k] / jnp.sqrt(p),
            "a": z[2 * p + k :],
            "alpha": _alpha(u[0]),
            "mc_key": keys[0],
        }

    def validate(self, instance):
        super().validate(instance)
        p, k = _validate_problem(instance)
        validate_student(instance["w"], instance["a"], p, k)
        _validate_scalar("alpha", instance["alpha"], 0.0)
        _validate_key(instance)

    def check(self, instance):
        v_star, a_star, w, a, alpha = (instance[n] for n in ("v_star", "a_star", "w", "a", "alpha"))
        p = v_star.shape[0]
        closed = population_loss(w, a, v_star, a_star)
        est = monte_carlo_loss(_key_of(instance), w, a, v_star, a_star, MC_BATCHES, MC_BATCH)
        mc = expectation_evidence(est, closed, name="loss", resolution=1e-12 * loss_scale(a_star))
        loss = _flat_loss(v_star, a_star)
        shift = 1.0 / jnp.sqrt(p)
        # The instance's point and the parallel / antiparallel points with the same a, in one
        # vmapped call (one copy of the Hessian in the compiled program, not three).
        points = jnp.stack([
            jnp.concatenate([w, a]),
            jnp.concatenate([alpha * v_star - shift, a]),
            jnp.concatenate([-alpha * v_star - shift, a]),
        ])
        grads = jax.vmap(jax.grad(loss))(points)
        hessians = jax.vmap(lambda x: hessian(loss, x))(points)
        parts = [mc]
        numbers = {
            "grad_norm": jnp.linalg.norm(grads[0]),
            "hessian_max_abs": jnp.max(jnp.abs(hessians[0])),
        }
        for i, (name, sign) in enumerate((("parallel", 1.0), ("antiparallel", -1.0)), start=1):
            closed_h = optimum_hessian(a, a_star, v_star, alpha, sign)
            # The (w, w) block's own scale |a^T a*| / (2 alpha^2) (h' <= pi, |d^2 c| <= 1/alpha^2)
            # and the (a, a) block's norm: at the antiparallel point the closed (w, w) block is
            # 0, and the rounding of c to -1 + 2^-53 leaves a term of that scale times ~1.5e-8.
            scale = jnp.maximum(jnp.max(jnp.abs(closed_h)), jnp.abs(jnp.dot(a, a_star)) / (2.0 * alpha**2))
            parts.append(compare(
                jnp.max(jnp.abs(hessians[i] - closed_h)), 0.0, "upper", TOLERANCES["liu_hessian_at_optima"],
                scale, name=f"hessian_error_{name}", **{f"grad_norm_{name}": jnp.linalg.norm(grads[i])},
            ))
        ev = all_of(*parts, **numbers)
        # The Monte Carlo margin reads 1 at the estimate and 0 at the interval's end; the
        # Hessian margins are rtol-sized: divide them by rtol so that they read alike.
        rtol = TOLERANCES["liu_hessian_at_optima"]
        margin = jnp.minimum(mc.margin, jnp.min(jnp.stack([q.margin for q in parts[1:]])) / rtol)
        return Evidence(margin=margin, conclusive=ev.conclusive, measured=ev.measured)


# --------------------------------------------------------------------------- liu/optima


def _classify_optima(v_star, a_star, alpha):
    """Classify the claimed global and spurious optima with the engine (`classify`), modulo
    the scaling symmetry; returns the two Classifications and the loss scale."""
    p, k = v_star.shape[0], a_star.shape[0]
    loss = _flat_loss(v_star, a_star)
    scale = loss_scale(a_star)
    kw = dict(
        symmetry_tangents=_scaling_tangent(p, k),
        # The (a, a) block (1 1^T + (pi - 1) I) / (2 pi) has norm (k + pi - 1) / (2 pi):
        # the curvature scale of the problem whatever a* is.
        curvature_floor=(k + _PI - 1.0) / (2.0 * _PI),
        loss_floor=scale,
        length_scale=1.0,
    )
    x_global = jnp.concatenate([alpha * v_star - 1.0 / jnp.sqrt(p), a_star])
    x_spur = jnp.concatenate([-alpha * v_star - 1.0 / jnp.sqrt(p), spurious_output_weights(a_star)])
    # One vmapped call: one copy of `classify` in the compiled program instead of two.
    both = jax.vmap(lambda x: classify(loss, x, **kw))(jnp.stack([x_global, x_spur]))
    first = jax.tree_util.tree_map(lambda t: t[0], both)
    second = jax.tree_util.tree_map(lambda t: t[1], both)
    return first, second, scale


def _optima_evidence(v_star, a_star, alpha):
    """Margins: both points critical; the global one a strict local minimum (modulo scaling)
    with L = 0; the spurious one with L > 0 and no descent found (not a strict saddle and
    not a degenerate saddle); conclusive unless the engine says INCONCLUSIVE."""
    cg, cs, scale = _classify_optima(v_star, a_star, alpha)
    crit_tol, loss_tol = TOLERANCES["grad_critical"], TOLERANCES["loss_equal"]
    global_type = jnp.where(cg.point_type == PointType.LOCAL_MINIMUM, 1.0, -1.0)
    not_a_saddle = ~jnp.isin(
        cs.point_type,
        jnp.asarray([PointType.STRICT_SADDLE, PointType.DEGENERATE_SADDLE, PointType.NOT_CRITICAL]),
    )
    spurious_type = jnp.where(not_a_saddle, 1.0, -1.0)
    # Relative slacks in the units of the tolerances, as `compare` gives them (rtol - violation
    # / scale): not divided by the tolerance, so that rounding in the loss (~1e-17) does not
    # show in the margin at the 1e-9 relative level (the sweep and a single check agree).
    margins = jnp.stack([
        crit_tol - cg.grad_relative,
        crit_tol - cs.grad_relative,
        global_type,
        loss_tol - cg.loss / scale,
        spurious_type,
        cs.loss / scale - loss_tol,
    ])
    conclusive = (cg.point_type != PointType.INCONCLUSIVE) & (cs.point_type != PointType.INCONCLUSIVE)
    curvature = spurious_curvature(a_star) / jnp.dot(a_star, a_star)
    measured = {
        "global_type": cg.point_type.astype(jnp.float64),
        "spurious_type": cs.point_type.astype(jnp.float64),
        "global_loss": cg.loss,
        "spurious_loss": cs.loss,
        "loss_scale": scale,
        "global_grad_relative": cg.grad_relative,
        "spurious_grad_relative": cs.grad_relative,
        "global_lambda_min": cg.lambda_min / cg.hess_scale,
        "spurious_lambda_min": cs.lambda_min / cs.hess_scale,
        "spurious_n_zero": cs.n_zero.astype(jnp.float64),
        "spurious_sphere_drop": cs.sphere_drop,
        "spurious_a_dot_a_star": curvature,
        "condition_holds": spurious_is_local_minimum(a_star, v_star.shape[0]).astype(jnp.float64),
    }
    return Evidence(margin=jnp.min(margins), conclusive=conclusive, measured=measured)


def _alpha(u):
    """alpha log-uniform in [0.25, 4] from u uniform in [0, 1)."""
    return jnp.exp(jnp.log(0.25) + u * (jnp.log(4.0) - jnp.log(0.25)))


class _OptimaBase(Claim):
    kind = "landscape"

    def validate(self, instance):
        super().validate(instance)
        _validate_problem(instance)
        _validate_scalar("alpha", instance["alpha"], 0.0)

    def check(self, instance):
        return _optima_evidence(instance["v_star"], instance["a_star"], instance["alpha"])


@register
class OptimaAsPrinted(_OptimaBase):
    """Proposition 1 as printed: the claimed spurious point is not always a local optimum.

    Setting: the population loss L(w, a) of the module docstring, any p, k >= 1, ||v*|| = 1,
    any a*, any alpha > 0.

    Claim (Proposition 1 as the seed prints it, with no condition on a*): (w, a) with
    1/sqrt p + w = alpha v*, a = a* is a global optimum; (w, a) with 1/sqrt p + w = -alpha v*,
    a = (1 1^T + (pi - 1) I)^{-1} (1 1^T - I) a* is a spurious local optimum.

    Check: at both points the gradient vanishes (grad_critical), the engine's `classify`
    (modulo the scaling symmetry 1/sqrt p + w -> t (1/sqrt p + w), with its higher-order
    test, since the Hessian at the spurious point vanishes on the sphere's tangent space)
    calls the global point a local minimum with L = 0 (loss_equal) and finds no descent at
    the spurious point, whose loss is positive. Instances: v* uniform, a* = N(0, I) + m 1
    with m ~ N(0, 1), alpha log-uniform in [0.25, 4].

    Expected: refuted. For p >= 2 the spurious point is a local minimum iff
    (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi (`spurious_curvature`); otherwise L decreases
    like -(a_s^T a*) theta'^3 / (6 pi) away from -v*, and the higher-order test finds it: a
    degenerate saddle. The smallest counterexample: p = 2, k = 2, a* = (1, 1).
    `OptimaDerived` is the proposition with the condition.

    References: [1] Liu et al., Proposition 1 and Appendix B.1, seed
    `shared/seeds/003_af212ce39d233884.txt`; [2] Du et al. (arXiv:1712.00779).
    """

    id = "liu/optima"
    source = f"Liu et al. 2019, Proposition 1, as printed ({SEED_003})"
    statement = (
        "For any alpha > 0: (w, a) with 1/sqrt p + w = alpha v*, a = a* is a global optimum of (7); "
        "(w, a) with 1/sqrt p + w = -alpha v*, a = (11^T + (pi-1)I)^{-1}(11^T - I)a* is a spurious "
        "local optimum (as printed, no condition on a*; false: see liu/optima-derived)."
    )
    expected = REFUTED
    # One shape (compile time); tests/test_liu.py covers p = 1 and the smallest counterexample.
    params = ({"p": 3, "k": 3},)

    def generate(self, key, p=3, k=3):
        z, u, _ = _draws(key, p + k + 1, 1)
        a_star = z[p : p + k] + z[p + k] * jnp.ones(k)
        return {"v_star": _unit_of(z[:p]), "a_star": a_star, "alpha": _alpha(u[0])}


def _meets_condition(u, a_star):
    """a* with its component along 1 rescaled so that (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi:
    with a* = s 1 / k + a_perp this reads |s| < s_max = ||a_perp|| sqrt(k (k + pi - 1) /
    ((k - 1)(pi - 1))); s is drawn uniform in (-s_max, s_max). Needs k >= 2. `u`: two
    U[0, 1) numbers."""
    k = a_star.shape[0]
    perp = a_star - jnp.sum(a_star) / k
    # ||a_perp|| log-uniform in [0.5, 2]: the curvature at the global optimum is ~||a*||^2, and
    # an a_perp of 1e-4 (two nearly equal entries) would put it under eig_zero * ||H||.
    perp = perp / jnp.linalg.norm(perp) * jnp.exp(jnp.log(0.5) + u[0] * (jnp.log(2.0) - jnp.log(0.5)))
    s_max = jnp.linalg.norm(perp) * jnp.sqrt(k * (k + _PI - 1.0) / ((k - 1.0) * (_PI - 1.0)))
    return perp + (2.0 * u[1] - 1.0) * s_max / k


@register
class OptimaDerived(_OptimaBase):
    """Proposition 1 with the condition it needs: (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi.

    Setting: as `OptimaAsPrinted`, and either p = 1, or p >= 2 and
    (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi (impossible for k = 1: then the spurious a is 0
    and the point is a saddle of sixth order).

    Claim: the global optimum (1/sqrt p + w = alpha v*, a = a*) is a strict local (and
    global, L = 0) minimum modulo scaling; the spurious point (1/sqrt p + w = -alpha v*,
    a = (1 1^T + (pi - 1) I)^{-1} (1 1^T - I) a*) is a critical point with L > 0 and is a
    local minimum. The condition is derived in `spurious_curvature`: it says
    a_s^T a* < 0, the sign of the cubic term of L along the sphere at -v*. (Du et al. state
    the same spurious point for their network; the condition is not printed in the seed.)

    Check: as `OptimaAsPrinted`. At the spurious point the Hessian vanishes on the sphere's
    tangent space (p - 1 zero eigenvalues), so the engine can only report
    DEGENERATE_UNDECIDED there ("no descent found by the higher-order test"; it never calls
    a degenerate point a local minimum); the cubic growth that makes it a minimum is the
    analytic part (`spurious_curvature`, measured as spurious_a_dot_a_star < 0). For p = 1
    the engine certifies a strict local minimum. Instances: as `OptimaAsPrinted`, with the
    component of a* along 1 redrawn to satisfy the condition (`_meets_condition`).

    References: [1] Liu et al., Proposition 1 and Appendix B.1, seed
    `shared/seeds/003_af212ce39d233884.txt`; [2] Du et al. (arXiv:1712.00779).
    """

    id = "liu/optima-derived"
    source = f"Liu et al. 2019, Proposition 1, with the condition its proof needs ({SEED_003})"
    statement = (
        "If p = 1, or p >= 2 and (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi: (w, a) with 1/sqrt p + w = "
        "alpha v*, a = a* is a global optimum and (w, a) with 1/sqrt p + w = -alpha v*, "
        "a = (11^T + (pi-1)I)^{-1}(11^T - I)a* is a spurious local optimum (critical, L > 0, no "
        "descent found by the engine's higher-order test; cubic growth shown analytically)."
    )
    params = ({"p": 3, "k": 3},)

    def generate(self, key, p=3, k=3):
        z, u, _ = _draws(key, p + k + 1, 3)
        a_star = z[p : p + k] + z[p + k] * jnp.ones(k)
        if p >= 2:
            a_star = _meets_condition(u[1:], a_star)
        return {"v_star": _unit_of(z[:p]), "a_star": a_star, "alpha": _alpha(u[0])}

    def validate(self, instance):
        super().validate(instance)
        p = np.shape(instance["v_star"])[0]
        a = np.asarray(instance["a_star"], dtype=np.float64)
        k = a.shape[0]
        bound = (k + math.pi - 1.0) * float(a @ a) / math.pi
        if p >= 2 and not float(np.sum(a)) ** 2 < bound:
            raise InvalidInstanceError(
                f"a_star must satisfy (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi when p >= 2 "
                f"(the condition of liu/optima-derived); got (1^T a*)^2 = {float(np.sum(a)) ** 2!r} "
                f">= {bound!r}"
            )


# ---------------------------------------------------------------------- liu/shortcut-prior


@register
class ShortcutPrior(Claim):
    """Assumption 1 (||w*|| <= 1 with v* = w* + 1/sqrt p, ||v*|| = 1) implies (1/sqrt p)^T v* >= 1/2.

    Setting: p >= 1, v* in R^p with ||v*|| = 1, w* = v* - 1/sqrt p with ||w*|| <= c; the
    seed takes c = 1 and remarks that the analysis applies to any c in (0, sqrt 2).

    Claim (lower bound, tight at ||w*|| = c): (1/sqrt p)^T v* >= 1 - c^2 / 2 (= 1/2 for c = 1).
    Proof: ||1/sqrt p|| = 1, so ||w*||^2 = 2 - 2 (1/sqrt p)^T v* <= c^2.

    Check: both sides, relative slack, TOLERANCES["identity"] (rounding of two dot
    products). Instances: c = 1 for half of them, else uniform in (0, sqrt 2); v* at angle
    phi from 1/sqrt p with ||w*|| = 2 sin(phi/2) <= c, phi uniform (or on the boundary
    ||w*|| = c for half of them, where the bound is tight).

    References: [1] Liu et al., Assumption 1 and the remark after it, seed
    `shared/seeds/003_af212ce39d233884.txt`.
    """

    id = "liu/shortcut-prior"
    source = f"Liu et al. 2019, Assumption 1 and the remark after it ({SEED_003})"
    statement = (
        "If v* = w* + 1/sqrt p with ||v*|| = 1 and ||w*|| <= 1 (Assumption 1), then "
        "(1/sqrt p)^T v* >= 1/2; with ||w*|| <= c, c in (0, sqrt 2): (1/sqrt p)^T v* >= 1 - c^2/2."
    )
    kind = "pointwise"
    params = ({"p": 5},)  # p = 1 (v* = 1) is in tests/test_liu.py

    def generate(self, key, p=2):
        z, u, _ = _draws(key, p, 4)
        c = jnp.where(u[0] < 0.5, 1.0, 1e-3 + u[1] * (jnp.sqrt(2.0) - 1e-3))
        max_angle = 2.0 * jnp.arcsin(c / 2.0)
        return {"v_star": _shortcut_teacher(z, u[2], p, max_angle, u[3] < 0.5), "c": c}

    def validate(self, instance):
        super().validate(instance)
        v = np.asarray(instance["v_star"], dtype=np.float64)
        validate_teacher(v, np.ones(1))
        _validate_scalar("c", instance["c"], 0.0, math.sqrt(2.0))
        p = v.shape[0]
        w_norm = float(np.linalg.norm(v - 1.0 / np.sqrt(p)))
        c = float(instance["c"])
        if w_norm > c * (1.0 + 1e-12):
            raise InvalidInstanceError(
                f"v_star must satisfy Assumption 1: ||w*|| = ||v* - 1/sqrt(p)|| <= c = {c!r}; got {w_norm!r}"
            )

    def check(self, instance):
        v, c = instance["v_star"], instance["c"]
        p = v.shape[0]
        e = jnp.ones(p) / jnp.sqrt(p)
        bound = 1.0 - c * c / 2.0
        return compare(
            jnp.dot(e, v), bound, "lower", TOLERANCES["identity"], 1.0, name="shortcut_projection",
            w_star_norm=jnp.linalg.norm(v - e), c=c,
        )


# ---------------------------------------------------------------------- liu/gd-normalised

#: Gradient descent steps per run, and random starts per instance of `NormalisedGradientDescent`.
GD_STEPS = 1000
RANDOM_STARTS = 16


def stage_boundary(trace) -> jax.Array:
    """The first t from which a_s^T a* > 0 for every s >= t (len(trace) if never): the end of
    stage I. From then on grad_w L = -(a^T a*) h'(c) grad c / (2 pi) turns 1/sqrt p + w
    towards v* and the angle decreases (stage II, joint convergence)."""
    positive = trace[:, 1] > 0
    n = positive.shape[0]
    # index after the last non-positive entry
    last_bad = jnp.max(jnp.where(~positive, jnp.arange(n), -1))
    return (last_bad + 1).astype(jnp.float64)


@register
class NormalisedGradientDescent(Claim):
    """GD with the normalisation of eq. (8) from w0 = 0, a0 in the ball, converges to the global optimum.

    Setting: the population loss L of the module docstring with Assumption 1 (||w*|| <= 1,
    i.e. angle(1/sqrt p, v*) <= pi/3), a* != 0; gradient descent with the normalisation of
    eq. (8) (`normalised_gd`) started at w0 = 0 and any a0 in the ball of radius
    |1^T a*| / sqrt k. The seed does not print the step sizes; we use eta_a = pi/(k+pi-1)
    and eta_w = eta_a / (2 ||a*||^2) (the w-step small against the a-step, as stage I of the
    analysis needs; `step_sizes` gives the scales).

    Claim ([1] main theorem): the iterates avoid the spurious optimum and converge to the
    global optimum (1/sqrt p + w = v*, a = a*), in two stages: I, a improves while w moves
    little; II, joint convergence.

    Check: after `GD_STEPS` steps the angle to v* and ||a - a*|| / ||a*|| are below
    TOLERANCES["liu_gd_converged"] (margin: relative slack), and the angle never exceeded
    pi/2 (the spurious optimum sits at pi). Measured: the stage boundary (`stage_boundary`),
    the largest angle (reached at the end of stage I), the angle at the end; and, from
    `RANDOM_STARTS` random initialisations of Du et al. (`random_starts`, without the
    shortcut's w0 = 0) run with the same steps, the fraction that ends trapped at the
    spurious optimum (not part of the margin: the theorem says nothing about them).
    Instances: v* at angle phi <= pi/3 from 1/sqrt p (on the boundary pi/3 for half),
    a* Gaussian, a0 uniform in the ball or (half of them) the worst point of its boundary,
    -|1^T a*| a* / (sqrt k ||a*||).

    References: [1] Liu et al., section 2 (eq. (8), the initialisation) and section 3 (the
    main theorem, two stages), seed `shared/seeds/003_af212ce39d233884.txt`.
    """

    id = "liu/gd-normalised"
    source = f"Liu et al. 2019, main theorem, GD with eq. (8), w0 = 0 ({SEED_003})"
    statement = (
        "Under Assumption 1, gradient descent with the normalisation of eq. (8), w0 = 0 and "
        "a0 in the ball of radius |1^T a*|/sqrt k (step sizes eta_a = pi/(k+pi-1), "
        "eta_w = eta_a/(2||a*||^2)) converges to the global optimum and never to the spurious "
        "one, in two stages."
    )
    kind = "landscape"
    params = ({"p": 8, "k": 4},)

    def generate(self, key, p=4, k=4):
        z, u, keys = _draws(key, p + 2 * k, 4, 1)
        v_star = _shortcut_teacher(z[:p], u[0], p, _PI / 3.0, u[1] < 0.5)
        a_star = z[p : p + k]
        radius = jnp.abs(jnp.sum(a_star)) / jnp.sqrt(k)
        d = z[p + k :]
        inside = d / jnp.linalg.norm(d) * radius * u[2] ** (1.0 / k)
        worst = -radius * a_star / jnp.linalg.norm(a_star)
        a0 = jnp.where(u[3] < 0.5, worst, inside)
        return {"v_star": v_star, "a_star": a_star, "a0": a0, "start_key": keys[0]}

    def validate(self, instance):
        super().validate(instance)
        p, k = _validate_problem(instance)
        v = np.asarray(instance["v_star"], dtype=np.float64)
        w_norm = float(np.linalg.norm(v - 1.0 / np.sqrt(p)))
        if w_norm > 1.0 + 1e-12:
            raise InvalidInstanceError(
                f"v_star must satisfy Assumption 1 (||v* - 1/sqrt(p)|| <= 1); got {w_norm!r}"
            )
        a0 = np.asarray(instance["a0"], dtype=np.float64)
        validate_student(np.zeros(p), a0, p, k, name_a="a0")
        a = np.asarray(instance["a_star"], dtype=np.float64)
        radius = abs(float(np.sum(a))) / math.sqrt(k)
        if float(np.linalg.norm(a0)) > radius * (1.0 + 1e-12):
            raise InvalidInstanceError(
                f"a0 must lie in the ball of radius |1^T a*|/sqrt(k) = {radius!r}; got ||a0|| = {float(np.linalg.norm(a0))!r}"
            )
        _validate_key(instance, "start_key")

    def check(self, instance):
        v_star, a_star, a0 = instance["v_star"], instance["a_star"], instance["a0"]
        p = v_star.shape[0]
        eta_a = step_sizes(a_star)[1]
        eta_w = eta_a / (2.0 * jnp.dot(a_star, a_star))
        w0s, a0s = random_starts(_key_of(instance, "start_key"), p, a_star, RANDOM_STARTS)
        # The run from w0 = 0 first, then the random starts: one vmapped call (one compiled GD).
        w0s = jnp.concatenate([jnp.zeros((1, p)), w0s])
        a0s = jnp.concatenate([a0[None], a0s])
        ws, as_, traces = jax.vmap(
            lambda w0, a0_: normalised_gd(w0, a0_, v_star, a_star, GD_STEPS, eta_w, eta_a)
        )(w0s, a0s)
        outcomes = jax.vmap(lambda w_, a_: _outcome(w_, a_, v_star, a_star))(ws[1:], as_[1:])
        a, trace = as_[0], traces[0]
        phi_end = trace[-1, 0]
        a_err = jnp.linalg.norm(a - a_star) / jnp.linalg.norm(a_star)
        tol = TOLERANCES["liu_gd_converged"]
        converged = 1.0 - jnp.maximum(phi_end, a_err) / tol
        phi_max = jnp.max(trace[:, 0])
        away = (_PI / 2 - phi_max) / (_PI / 2)
        t1 = stage_boundary(trace)
        return Evidence(
            margin=jnp.minimum(converged, away),
            conclusive=jnp.asarray(True),
            measured={
                "angle_end": phi_end,
                "a_relative_error_end": a_err,
                "loss_end": trace[-1, 2],
                "angle_max": phi_max,
                "angle_start": trace[0, 0],
                "stage_boundary": t1,
                "angle_at_stage_boundary": trace[jnp.minimum(t1, GD_STEPS).astype(jnp.int32), 0],
                "random_init_trapped_fraction": jnp.mean(outcomes[0]),
                "random_init_global_fraction": jnp.mean(outcomes[1]),
                "random_init_undecided_fraction": jnp.mean(outcomes[2]),
                "spurious_a_dot_a_star": spurious_curvature(a_star) / jnp.dot(a_star, a_star),
            },
        )


# ---------------------------------------------------------------------- du/random-init-trap

#: GD runs per instance of `RandomInitTrap` and steps per run.
TRAP_RUNS, TRAP_STEPS = 128, GD_STEPS
#: The interval the seed's footnote quotes for the trap probability.
TRAP_INTERVAL = (0.25, 0.75)


@register
class RandomInitTrap(Claim):
    """Without the shortcut, randomly initialised GD is trapped with probability in [1/4, 3/4].

    Setting: Du et al.'s network f(v, a, Z) = sum_j a_j relu(Z_j^T v / ||v||) (the student
    of Liu et al. without the shortcut: the same loss as a function of v), teacher
    ||v*|| = 1, a* != 0; gradient descent with weight normalisation (`normalised_gd` with
    its default step sizes, `step_sizes`) from Du et al.'s random initialisation: v0
    uniform on the unit sphere, a0 uniform in the ball of radius |1^T a*| / sqrt k.

    Claim (seed 003, footnote 2, citing Du et al.): the probability that GD is trapped in
    the spurious local optimum lies between 1/4 and 3/4.

    Check: `TRAP_RUNS` runs of `TRAP_STEPS` steps; each run ends trapped, at the global
    optimum, or undecided (`_outcome`). Wilson's interval at false-alarm rate 1e-6
    (`verify.statistics.z_value`), its lower end from the trapped count and its upper end
    from trapped + undecided (an undecided run may go either way), must meet [1/4, 3/4];
    margin: (overlap) / (interval width), negative when they are disjoint. Instances: v*
    uniform, a* Gaussian, k in {2, 8} (p = 4).

    Expected: refuted. When (1^T a*)^2 >= (k + pi - 1) ||a*||^2 / pi there is no spurious
    local minimum (`spurious_curvature`) and the trap probability is 0; when the condition
    holds barely it is small as well.

    References: [1] seed `shared/seeds/003_af212ce39d233884.txt`, footnote 2; [2] Du et al.
    (arXiv:1712.00779), the random initialisation and the trap.
    """

    id = "du/random-init-trap"
    source = f"Liu et al. 2019, footnote 2, citing Du et al. 2017 ({SEED_003})"
    statement = (
        "Without the shortcut, gradient descent with weight normalisation from random "
        "initialisation (v0 uniform on the sphere, a0 uniform in the ball of radius "
        "|1^T a*|/sqrt k) converges to the spurious local optimum with probability between 1/4 and 3/4."
    )
    kind = "statistical"
    expected = REFUTED
    params = ({"p": 4, "k": 2}, {"p": 4, "k": 8})

    def generate(self, key, p=4, k=2):
        z, _, keys = _draws(key, p + k, 0, 1)
        return {"v_star": _unit_of(z[:p]), "a_star": z[p:], "mc_key": keys[0]}

    def validate(self, instance):
        super().validate(instance)
        _validate_problem(instance)
        _validate_key(instance)

    def check(self, instance):
        v_star, a_star = instance["v_star"], instance["a_star"]
        est = trap_probability(_key_of(instance), v_star, a_star, TRAP_RUNS, TRAP_STEPS)
        n = est.samples
        trapped, undecided = est.mean[0] * n, est.mean[1] * n
        z = z_value(FALSE_ALARM)
        lower, _ = wilson_interval(trapped, n, z)
        _, upper = wilson_interval(trapped + undecided, n, z)
        lo, hi = TRAP_INTERVAL
        overlap = jnp.minimum(upper, hi) - jnp.maximum(lower, lo)
        margin = overlap / jnp.maximum(upper - lower, 1e-12)
        return Evidence(
            margin=margin,
            conclusive=jnp.asarray(True),
            measured={
                "trap_probability": est.mean[0],
                "trap_lower": lower,
                "trap_upper": upper,
                "undecided_fraction": est.mean[1],
                "runs": n,
                "false_alarm": jnp.asarray(FALSE_ALARM),
                "spurious_a_dot_a_star": spurious_curvature(a_star) / jnp.dot(a_star, a_star),
                "condition_holds": (spurious_curvature(a_star) < 0).astype(jnp.float64),
            },
        )
