"""The model of Liu et al. (seed 003): the population loss in closed form, its derivatives,
the two optima, gradient descent with the normalisation of eq. (8), the trap probability of
Du et al.'s random initialisation, the validators of teachers and students, and the scales
the claims compare against.

The mathematics (the closed form, why the custom derivatives are exact at the parallel and
antiparallel points) is in the docstring of the package `verify.claims.liu`; the claims that
use these functions are in `verify.claims.liu.claims`.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import draws, raise_problems
from verify.statistics import MeanEstimate

__all__ = [
    "SEED_003",
    "relu_kernel",
    "population_loss",
    "population_loss_v",
    "monte_carlo_loss",
    "spurious_output_weights",
    "spurious_curvature",
    "spurious_is_local_minimum",
    "arb_population_loss",
    "arb_spurious_point",
    "optimum_hessian",
    "angle_to",
    "step_sizes",
    "normalised_gd",
    "stage_boundary",
    "random_starts",
    "trap_probability",
    "loss_scale",
    "validate_teacher",
    "validate_student",
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
    # 0 where 1 - c^2 == 0: there dc = grad c . t is zero up to rounding (package docstring).
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
    """4 pi L as a function of a, a* and h(c) (package docstring)."""
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
    is a batched threefry kernel that XLA compiles separately (`_common.draws` says why that
    matters). Equal batch sizes make the pooled variance exact:
    M2 = sum_b M2_b + batch sum_b (mean_b - mean)^2."""
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


def arb_population_loss(c, a, a_star):
    """L as a function of the cosine c = cos(angle(v, v*)) and a, in arb ball arithmetic with
    the exact pi: the closed form of `population_loss_v` (package docstring), for balls `c`
    (in [-1, 1]), `a` and `a_star` (sequences of balls or floats). At c = -1 exactly pass
    the integer -1: then h(c) = 0 exactly (arccos(-1) = pi)."""
    from flint import arb

    pi = arb.pi()
    if isinstance(c, int) and c == -1:
        hc = arb(0)
    else:
        c = arb(c)
        hc = (1 - c * c).sqrt() + (pi - c.acos()) * c
    a, b = [arb(x) for x in a], [arb(x) for x in a_star]
    sa, ss = sum(a, arb(0)), sum(b, arb(0))
    aa = sum((x * x for x in a), arb(0))
    ab = sum((x * y for x, y in zip(a, b)), arb(0))
    bb = sum((y * y for y in b), arb(0))
    return ((sa * sa + (pi - 1) * aa) - 2 * (sa * ss + (hc - 1) * ab) + (ss * ss + (pi - 1) * bb)) / (4 * pi)


def arb_spurious_point(a_star):
    """``(a_s, a_s^T a*)`` in arb balls with the exact pi: the spurious output weights
    (`spurious_output_weights`) and the sign-deciding number of `spurious_curvature`."""
    from flint import arb

    pi = arb.pi()
    b = [arb(float(x)) for x in a_star]
    k = len(b)
    s = sum(b, arb(0))
    a_s = [(s * pi / (k + pi - 1) - y) / (pi - 1) for y in b]
    return a_s, sum((x * y for x, y in zip(a_s, b)), arb(0))


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


def stage_boundary(trace) -> jax.Array:
    """The first t from which a_s^T a* > 0 for every s >= t (len(trace) if never): the end of
    stage I. From then on grad_w L = -(a^T a*) h'(c) grad c / (2 pi) turns 1/sqrt p + w
    towards v* and the angle decreases (stage II, joint convergence)."""
    positive = trace[:, 1] > 0
    n = positive.shape[0]
    # index after the last non-positive entry
    last_bad = jnp.max(jnp.where(~positive, jnp.arange(n), -1))
    return (last_bad + 1).astype(jnp.float64)


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
    normal, uniform, _ = draws(key, count * (p + k), count)
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
    sample: the same estimate in distribution, without a batched threefry kernel); jitted,
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
    raise_problems(problems)


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
    raise_problems(problems)


# ------------------------------------------------------------ loss as a flat function, scales


def _flat_loss(v_star, a_star):
    """L as a function of the flat vector x = (w, a) of R^(p + k), as the landscape engine takes it."""
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
