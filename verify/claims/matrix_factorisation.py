"""Matrix factorisation and 1-D landscapes: lecture notes 5.3 (seed 000) and 6.3 (seed 001).

Claims (ids as in ``shared/CLAIMS.md``):

* `ScalarFactorisation` (``mf/scalar``): critical points of (1 - uv)^2.
* `GradientDescentAvoidsSaddle` (``mf/gd-avoids-saddle``): Remark 5.1 (Lee et al. 2016).
* `SospIsGlobal` (``mf/sosp-global``): Proposition 5.1, ||M - uu^T||_F^2.
* `ReluSospNotGlobal` (``act/relu``), `SquareSospGlobal` (``act/square``),
  `SigmoidSospGlobal` (``act/sigmoid``), `SigmoidApproximateSospGlobal`
  (``act/sigmoid-approximate``): F(w) = (1 - phi(w))^2.
* `FactorisationSymmetry` (``mf/symmetry``): ||A - XY||_F^2 and (X, Y) -> (XT, T^{-1}Y).

References:
  [1] Lecture notes "ResNet Initialization and Landscape Analysis", section 5.3
      (seed ``shared/seeds/000_45be778ffb0540d2.txt``).
  [2] Lecture notes on the landscape of non-linear networks, section 6.3
      (seed ``shared/seeds/001_749c64abaf8f8510.txt``).
  [3] J. D. Lee, M. Simchowitz, M. I. Jordan, B. Recht. Gradient Descent Only Converges to
      Minimizers. COLT 2016, Theorem 4.1.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from verify.claims._common import critical_margin, curvature_margin
from verify.claims.base import min_over
from verify.landscape import search_and_classify, type_counts
from verify.claims.base import REFUTED, Claim, Evidence, all_of, compare, register
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, is_critical, is_sosp
from verify.landscape.derivatives import hessian
from verify.landscape.symmetry import gl_orbit_tangents
from verify.tolerances import TOLERANCES

__all__ = [
    "ScalarFactorisation",
    "GradientDescentAvoidsSaddle",
    "SospIsGlobal",
    "ReluSospNotGlobal",
    "SquareSospGlobal",
    "SigmoidSospGlobal",
    "SigmoidApproximateSospGlobal",
    "FactorisationSymmetry",
    "scalar_loss",
    "rank_one_loss",
    "rank_one_gradient",
    "rank_one_hessian",
    "activation_loss",
    "factorisation_loss",
    "sigmoid_loss_derivative",
]

#: Number of starts of the critical-point search per instance.
STARTS = 16
#: Steps per start (LM converges quadratically but refuses steps while it adapts its damping;
#: 200 leaves room for the slowest starts seen in sweeps, which needed ~120).
FINDER_STEPS = 200

SEED_000 = "shared/seeds/000_45be778ffb0540d2.txt"
SEED_001 = "shared/seeds/001_749c64abaf8f8510.txt"


def _log_uniform(key, low, high, shape=()):
    """Magnitudes spread over decades, so instances probe many scales."""
    return jnp.exp(jax.random.uniform(key, shape, minval=jnp.log(low), maxval=jnp.log(high)))


def _starts(key, k, n, scale_low=1e-3, scale_high=3.0):
    """k starting points in R^n: Gaussian directions at log-uniform radii (near the origin too)."""
    k1, k2 = jax.random.split(key)
    return jax.random.normal(k1, (k, n)) * _log_uniform(k2, scale_low, scale_high, (k, 1))


def _check_shape(name, value, expected):
    shape = tuple(np.shape(value))
    if shape != tuple(expected):
        raise InvalidInstanceError(f"{name} must have shape {tuple(expected)}; got {shape}")


# ----------------------------------------------------------------------------- mf/scalar


def scalar_loss(x: jax.Array) -> jax.Array:
    """F(u, v) = (1 - uv)^2 on x = (u, v)."""
    return (1.0 - x[0] * x[1]) ** 2


def _scalar_tangents(x):
    """(u, v) -> (tu, v/t) is a GL(1) symmetry: tangent (u, -v)."""
    return gl_orbit_tangents(x, 1, 1, 1)


@register
class ScalarFactorisation(Claim):
    """The scalar factorisation loss (1 - uv)^2 has no spurious local minimum.

    Setting: F(u, v) = (1 - uv)^2 for u, v in R.

    Claim (three parts, [1] section 5.3.1, "Scalar Case Analysis"):
      (a) the critical points are exactly the hyperbola uv = 1 and the origin;
      (b) the origin is not a local minimum: it is a strict saddle (lambda_min(H) = -2);
      (c) every local minimum is global (F = 0).

    Check: Levenberg-Marquardt on grad F = 0 from `STARTS` random starts at radii from 1e-3
    to 3 (so it can land on the saddle as well as on the minima), each end point classified
    with the scaling symmetry (u, v) -> (tu, v/t) removed. For every critical point found:
    either |uv - 1| <= eig_zero (on the hyperbola) and F <= loss_equal, or it is the origin
    (||(u, v)|| <= grad_critical) and a strict saddle with lambda_min = -2 (identity, rtol
    eig_zero). Margin: the smallest slack over the points found.

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), section 5.3.1, Fig. 5.2.
    """

    id = "mf/scalar"
    source = f"Lecture notes 5.3.1, scalar case analysis ({SEED_000})"
    statement = (
        "F(u,v) = (1-uv)^2: the critical points are uv = 1 and (0,0); (0,0) is a strict "
        "saddle (not a local minimum); every local minimum is global."
    )
    kind = "landscape"
    params = ({"starts": STARTS},)

    def generate(self, key, starts=STARTS):
        return {"starts": _starts(key, starts, 2)}

    def validate(self, instance):
        super().validate(instance)
        s = instance["starts"]
        if np.ndim(s) != 2 or np.shape(s)[1] != 2:
            raise InvalidInstanceError(f"starts must have shape (k, 2); got {np.shape(s)}")

    def check(self, instance):
        points, c = search_and_classify(
            scalar_loss, instance["starts"], FINDER_STEPS, symmetry_tangents=_scalar_tangents
        )
        crit = is_critical(c)
        uv = points[:, 0] * points[:, 1]
        on_hyperbola = TOLERANCES["eig_zero"] - jnp.abs(uv - 1.0)
        is_global = TOLERANCES["loss_equal"] - c.loss
        at_origin = TOLERANCES["grad_critical"] - jnp.linalg.norm(points, axis=1)
        saddle_value = TOLERANCES["eig_zero"] - jnp.abs(c.lambda_min + 2.0) / 2.0
        origin_ok = jnp.minimum(at_origin, saddle_value)
        hyperbola_ok = jnp.minimum(on_hyperbola, is_global)
        per_point = jnp.maximum(origin_ok, hyperbola_ok)
        minima = c.point_type == PointType.LOCAL_MINIMUM
        margin = jnp.minimum(min_over(crit, per_point), min_over(minima, is_global))
        conclusive = jnp.all(c.point_type != PointType.INCONCLUSIVE) & jnp.any(crit)
        return Evidence(
            margin=margin,
            conclusive=conclusive,
            measured={
                **type_counts(c),
                "max_loss_at_minima": jnp.max(jnp.where(minima, c.loss, 0.0)),
                "lambda_min_at_origin": jnp.min(jnp.where(at_origin >= 0, c.lambda_min, 0.0)),
                "max_grad_relative_critical": jnp.max(jnp.where(crit, c.grad_relative, 0.0)),
            },
        )


# ----------------------------------------------------------------- mf/gd-avoids-saddle

GD_STEPS = 3000


def _gradient_descent(loss, x0, learning_rate, steps=GD_STEPS):
    """Plain gradient descent with optax.sgd for a fixed number of steps."""
    opt = optax.sgd(learning_rate)

    def body(_, carry):
        x, state = carry
        updates, state = opt.update(jax.grad(loss)(x), state, x)
        return optax.apply_updates(x, updates), state

    x, _ = jax.lax.fori_loop(0, steps, body, (x0, opt.init(x0)))
    return x


@register
class GradientDescentAvoidsSaddle(Claim):
    """Gradient descent on (1 - uv)^2 is stuck at the saddle (0, 0) but avoids it from random starts.

    Setting: F(u, v) = (1 - uv)^2; gradient descent x_{t+1} = x_t - eta grad F(x_t).

    Claim ([1] Remark 5.1, citing [3] Theorem 4.1):
      (a) started at (0, 0), gradient descent stays at (0, 0) (its gradient is exactly 0);
      (b) from a random initialisation (absolutely continuous distribution) it converges
          to a minimiser almost surely.
    Lee et al. need a step below 1/L for a gradient that is L-Lipschitz; grad F is not
    globally Lipschitz, so we take eta = 0.25 / (1 + ||x_0||^2), below 1/L on the sublevel
    set of x_0 (||H|| <= 2(u^2 + v^2) + 2|1 - uv| there). The exceptional set is the
    stable manifold of the saddle, the line u = -v: measure zero, so random starts miss it.

    Check: (a) `GD_STEPS` steps from (0, 0) end exactly at (0, 0) (identity, tolerance 0:
    the iterates are exact zeros); (b) from each random start (Gaussian at log-uniform radius
    1e-3..3) after `GD_STEPS` steps F <= loss_equal and the end point is a local minimum
    modulo the scaling symmetry (u, v) -> (tu, v/t). Margin: the smallest slack.

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), Remark 5.1; [3].
    """

    id = "mf/gd-avoids-saddle"
    source = f"Lecture notes 5.3.1, Remark 5.1, citing Lee et al. 2016 ({SEED_000})"
    statement = (
        "Gradient descent on (1-uv)^2 started at the saddle (0,0) stays there; from a random "
        "initialisation (step below 1/L on the initial sublevel set) it converges to a "
        "global minimiser almost surely."
    )
    kind = "landscape"
    params = ({"starts": 8},)

    def generate(self, key, starts=8):
        return {"starts": _starts(key, starts, 2)}

    def check(self, instance):
        from verify.landscape import classify

        stuck = _gradient_descent(scalar_loss, jnp.zeros(2), 0.1)
        stays = compare(jnp.linalg.norm(stuck), 0.0, "identity", 0.0, 1.0, name="distance_from_saddle")

        def run(x0):
            eta = 0.25 / (1.0 + jnp.dot(x0, x0))
            x = _gradient_descent(scalar_loss, x0, eta)
            c = classify(scalar_loss, x, symmetry_tangents=_scalar_tangents)
            converged = TOLERANCES["loss_equal"] - c.loss
            minimum = jnp.where(c.point_type == PointType.LOCAL_MINIMUM, 1.0, -1.0)
            return jnp.minimum(converged, minimum), c.loss, c.point_type

        margins, losses, types = jax.vmap(run)(instance["starts"])
        return all_of(
            stays,
            Evidence(
                margin=jnp.min(margins),
                conclusive=jnp.all(types != PointType.INCONCLUSIVE),
                measured={
                    "max_final_loss": jnp.max(losses),
                    "n_local_minimum": jnp.sum(types == PointType.LOCAL_MINIMUM).astype(jnp.float64),
                },
            ),
        )


# ----------------------------------------------------------------------- mf/sosp-global


def rank_one_loss(u: jax.Array, m: jax.Array) -> jax.Array:
    """F(u) = ||M - u u^T||_F^2."""
    return jnp.sum((m - jnp.outer(u, u)) ** 2)


def rank_one_gradient(u: jax.Array, m: jax.Array) -> jax.Array:
    """grad F(u) = -4 (M - u u^T) u = 4 (||u||^2 u - M u), for symmetric M.

    The seed prints "4(M - uu^T)u": the sign is wrong (it does not matter for grad F = 0)."""
    return 4.0 * (jnp.dot(u, u) * u - m @ u)


def rank_one_hessian(u: jax.Array, m: jax.Array) -> jax.Array:
    """Hessian of F: 4 (||u||^2 I + 2 u u^T - M), for symmetric M.

    The seed prints "4(u^T + ||u||^2 I - M)": the term 2 u u^T is garbled."""
    n = u.shape[0]
    return 4.0 * (jnp.dot(u, u) * jnp.eye(n) + 2.0 * jnp.outer(u, u) - m)


def _psd_matrix(key, n, rank):
    """M = B B^T / n with B n x rank (rank < n gives a singular PSD M), at a log-uniform scale."""
    k1, k2 = jax.random.split(key)
    b = jax.random.normal(k1, (n, rank))
    return _log_uniform(k2, 1e-3, 1e3) * (b @ b.T) / n


def validate_psd(name: str, m) -> None:
    """Raise InvalidInstanceError unless `m` is a square symmetric PSD matrix.

    Tolerances: asymmetry ||M - M^T||_F <= 1e-12 ||M||_F (rounding of a product B B^T is
    ~n eps); smallest eigenvalue >= -1e-12 ||M||_2 (eigvalsh's backward error is n eps ||M||)."""
    m = np.asarray(m, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise InvalidInstanceError(f"{name} must be a square matrix; got shape {m.shape}")
    norm = max(np.linalg.norm(m), np.finfo(np.float64).tiny)
    asym = np.linalg.norm(m - m.T) / norm
    if asym > 1e-12:
        raise InvalidInstanceError(
            f"{name} must be symmetric positive semidefinite; relative asymmetry "
            f"||{name} - {name}^T||_F / ||{name}||_F is {asym:.3g}"
        )
    lam = np.linalg.eigvalsh(0.5 * (m + m.T))
    if lam[0] < -1e-12 * max(abs(lam[-1]), abs(lam[0])):
        raise InvalidInstanceError(
            f"{name} must be symmetric positive semidefinite; smallest eigenvalue is {lam[0]:.3g}"
        )


@register
class SospIsGlobal(Claim):
    """Every second-order stationary point of ||M - uu^T||_F^2 is a global minimum.

    Setting: M in R^{n x n} symmetric positive semidefinite; F(u) = ||M - uu^T||_F^2.

    Claim ([1] Proposition 5.1): every SOSP u (grad F(u) = 0, Hessian PSD) is a global
    minimum, and ||u||^2 = lambda_max(M). The global minimum value is
    F* = ||M||_F^2 - lambda_max(M)^2 (identity).

    Derived formulas (the seed's are garbled, see `rank_one_gradient`, `rank_one_hessian`):
    grad F = 4(||u||^2 u - Mu); Hessian = 4(||u||^2 I + 2uu^T - M). Both are checked
    against autodiff at a random point on every instance (identity, rtol `identity`,
    scaled by ||M|| + ||u||^2).

    Check: Levenberg-Marquardt on grad F = 0 from `STARTS` random starts (it lands on the
    saddles u = ±sqrt(lambda_i) e_i of the non-top eigenvectors too), each point classified
    (curvature scale lambda_max(M), loss scale ||M||_F^2). At every SOSP found:
    (F - F*) / ||M||_F^2 <= loss_equal and |(||u||^2 - lambda_max) / lambda_max| <= eig_zero
    (||u||^2 is an eigenvalue of M at a critical point, so it gets the eigenvalue tolerance).
    M is drawn at scales 1e-3..1e3, full rank or rank n-1 (singular), so that the verdict is
    tested for scale invariance and singular M.

    Noticed: the proof never uses that M is PSD; for symmetric indefinite M the statement
    still holds (u = 0 is global when lambda_max <= 0). The hypothesis is kept as stated.

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), Proposition 5.1.
    """

    id = "mf/sosp-global"
    source = f"Lecture notes 5.3.1, Proposition 5.1 ({SEED_000})"
    statement = (
        "F(u) = ||M - uu^T||_F^2 with M symmetric PSD: every second-order stationary point "
        "is a global minimum, and ||u||^2 = lambda_max(M)."
    )
    kind = "landscape"
    params = ({"n": 2, "rank": 2}, {"n": 3, "rank": 2}, {"n": 5, "rank": 5})

    def generate(self, key, n=3, rank=3):
        k1, k2, k3 = jax.random.split(key, 3)
        m = _psd_matrix(k1, n, rank)
        scale = jnp.sqrt(jnp.linalg.norm(m, 2))
        return {
            "M": m,
            "starts": _starts(k2, STARTS, n) * scale,
            "probe": jax.random.normal(k3, (n,)) * scale,
        }

    def validate(self, instance):
        super().validate(instance)
        m = instance["M"]
        validate_psd("M", m)
        n = np.shape(m)[0]
        if np.ndim(instance["starts"]) != 2 or np.shape(instance["starts"])[1] != n:
            raise InvalidInstanceError(
                f"starts must have shape (k, {n}) to match M of shape {np.shape(m)}; "
                f"got {np.shape(instance['starts'])}"
            )
        _check_shape("probe", instance["probe"], (n,))

    def check(self, instance):
        m, probe = instance["M"], instance["probe"]
        eigs = jnp.linalg.eigvalsh(m)
        lam_max = eigs[-1]
        norm_m2 = jnp.sum(m**2)
        f_star = jnp.sum(eigs[:-1] ** 2)  # the same, without the cancellation
        loss = lambda u: rank_one_loss(u, m)
        # M = 0 has no scale of its own (F = ||u||^4): measure it against 1 (found by
        # Hypothesis: dividing by a floor of `tiny` made rounding errors look like gaps).
        scale = jnp.where(lam_max > 0, lam_max, 1.0)
        norm_m2 = jnp.where(norm_m2 > 0, norm_m2, 1.0)

        formula_scale = (scale + jnp.dot(probe, probe)) * jnp.maximum(jnp.linalg.norm(probe), 1e-300)
        grad_ok = compare(
            jnp.linalg.norm(jax.grad(loss)(probe) - rank_one_gradient(probe, m)),
            0.0, "identity", TOLERANCES["identity"], formula_scale, name="gradient_formula_error",
        )
        hess_ok = compare(
            jnp.linalg.norm(hessian(loss, probe) - rank_one_hessian(probe, m)),
            0.0, "identity", TOLERANCES["identity"], scale + jnp.dot(probe, probe),
            name="hessian_formula_error",
        )

        points, c = search_and_classify(
            loss, instance["starts"], FINDER_STEPS,
            curvature_floor=scale, loss_floor=norm_m2, length_scale=jnp.sqrt(scale),
        )
        sosp = is_sosp(c)
        gap = (c.loss - f_star) / norm_m2
        norm_u2 = jnp.sum(points**2, axis=1)
        norm_err = jnp.abs(norm_u2 - lam_max) / scale
        per_point = jnp.minimum(
            TOLERANCES["loss_equal"] - gap, TOLERANCES["eig_zero"] - norm_err
        )
        landscape = Evidence(
            margin=min_over(sosp, per_point),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE) & jnp.any(sosp),
            measured={
                **type_counts(c),
                "lambda_max_M": lam_max,
                "f_star": f_star,
                "max_gap_at_sosp": jnp.max(jnp.where(sosp, gap, -jnp.inf).clip(-1.0)),
                "max_norm_error_at_sosp": jnp.max(jnp.where(sosp, norm_err, 0.0)),
                "n_distinct_critical_norms": jnp.sum(
                    jnp.abs(norm_u2[:, None] - eigs[None, :]) <= TOLERANCES["eig_zero"] * scale,
                    axis=0,
                ).clip(0, 1).sum().astype(jnp.float64),
            },
        )
        return all_of(grad_ok, hess_ok, landscape)


# ------------------------------------------------------------------ 1-D activations


def activation_loss(phi):
    """F(w) = (1 - phi(w))^2 on a length-1 vector w (seed 000, section 5.3.2 with x = y = 1)."""
    return lambda w: (1.0 - phi(w[0])) ** 2


def _relu(w):
    # jax.nn.relu, whose derivative at 0 is 0 (jnp.maximum's would be 1/2 there). It
    # matters for subnormal w < 0, which XLA on CPU flushes to 0 (found by Hypothesis:
    # w = -2.2e-309 looked non-critical with jnp.maximum).
    return jax.nn.relu(w)


def _square(w):
    return w**2


relu_loss = activation_loss(_relu)
square_loss = activation_loss(_square)
sigmoid_loss = activation_loss(jax.nn.sigmoid)


def _sosp_margin(c):
    """Per point: >= 0 iff it is a second-order stationary point within tolerance."""
    return jnp.minimum(critical_margin(c), curvature_margin(c))


@register
class ReluSospNotGlobal(Claim):
    """With ReLU, every w < 0 is a second-order stationary point of (1 - relu(w))^2 that is not global.

    Setting: F(w) = (1 - max(w, 0))^2, w in R (seed 000 section 5.3.2 with x = y = 1).

    Claim ([1] section 5.3.2, Fig. 5.3): every w < 0 is an SOSP (F'(w) = 0, F''(w) = 0 >= 0)
    and F(w) = 1 > 0 = min F: SOSPs need not be global with ReLU.

    Check: points w < 0 at log-uniform magnitudes 1e-3..1e3 (every one must be an SOSP, a
    universal statement over w < 0, not points constructed to be critical); the classifier
    calls them DEGENERATE_UNDECIDED (F is locally constant: a non-strict local minimum,
    which no finite sample of spheres can certify). Also the finder from random starts on
    both sides lands on the global minimum w = 1 or stays on the plateau w < 0; every SOSP
    it reports is either global (F <= loss_equal) or on the plateau with F = 1.
    Margin: the smallest of the SOSP slack and (F(w) - min F) - 1/2 over the points w < 0.

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), section 5.3.2.
    """

    id = "act/relu"
    source = f"Lecture notes 5.3.2, ReLU activation, Fig. 5.3 ({SEED_000})"
    statement = "F(w) = (1 - relu(w))^2: every w < 0 is a second-order stationary point that is not a global minimum."
    kind = "landscape"
    params = ({"points": STARTS},)

    def generate(self, key, points=STARTS):
        k1, k2 = jax.random.split(key)
        return {
            "w": -_log_uniform(k1, 1e-3, 1e3, (points, 1)),
            "starts": jax.random.normal(k2, (points, 1)) * 3.0,
        }

    def validate(self, instance):
        super().validate(instance)
        w = np.asarray(instance["w"])
        if np.any(w >= 0):
            raise InvalidInstanceError(
                f"w must be negative (the claim is about w < 0); largest entry is {w.max():.3g}"
            )

    def check(self, instance):
        from verify.landscape import classify

        c = jax.vmap(lambda w: classify(relu_loss, w))(instance["w"])
        not_global = (c.loss - 0.0) - 0.5
        on_plateau = jnp.minimum(_sosp_margin(c), not_global)
        points, found = search_and_classify(relu_loss, instance["starts"], FINDER_STEPS)
        sosp = is_sosp(found)
        plateau_or_global = jnp.maximum(
            TOLERANCES["loss_equal"] - found.loss,
            jnp.minimum(TOLERANCES["loss_equal"] - jnp.abs(found.loss - 1.0), -points[:, 0]),
        )
        return Evidence(
            margin=jnp.minimum(jnp.min(on_plateau), min_over(sosp, plateau_or_global)),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE),
            measured={
                **type_counts(c),
                "min_loss_on_plateau": jnp.min(c.loss),
                "finder_sosp_found": jnp.sum(sosp).astype(jnp.float64),
                "finder_global_found": jnp.sum(sosp & (found.loss <= TOLERANCES["loss_equal"])).astype(jnp.float64),
            },
        )


@register
class SquareSospGlobal(Claim):
    """With phi(w) = w^2, every second-order stationary point of (1 - w^2)^2 is global.

    Setting: F(w) = (1 - w^2)^2, w in R.

    Claim ([1] section 5.3.2, Fig. 5.4): every SOSP is a global minimum. (Critical points:
    w = 0 with F''(0) = -4, a strict local maximum, and w = ±1 with F = 0.)

    Check: the finder from random starts (Gaussian at log-uniform radii 1e-3..3, so it also
    reaches w = 0); at every SOSP found F <= loss_equal. Margin: the smallest slack.

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), section 5.3.2.
    """

    id = "act/square"
    source = f"Lecture notes 5.3.2, square activation, Fig. 5.4 ({SEED_000})"
    statement = "F(w) = (1 - w^2)^2: every second-order stationary point is a global minimum."
    kind = "landscape"
    params = ({"starts": STARTS},)

    def generate(self, key, starts=STARTS):
        return {"starts": _starts(key, starts, 1, scale_low=1e-1)}

    def check(self, instance):
        points, c = search_and_classify(square_loss, instance["starts"], FINDER_STEPS)
        sosp = is_sosp(c)
        return Evidence(
            margin=min_over(sosp, TOLERANCES["loss_equal"] - c.loss),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE) & jnp.any(sosp),
            measured={**type_counts(c), "max_loss_at_sosp": jnp.max(jnp.where(sosp, c.loss, 0.0))},
        )


def sigmoid_loss_derivative(w):
    """F'(w) = -2 sigma(w) (1 - sigma(w))^2 for F(w) = (1 - sigma(w))^2: negative for every w."""
    s = jax.nn.sigmoid(w)
    return -2.0 * s * (1.0 - s) ** 2


@register
class SigmoidSospGlobal(Claim):
    """With the sigmoid, every second-order stationary point of (1 - sigmoid(w))^2 is global (vacuously).

    Setting: F(w) = (1 - sigma(w))^2, sigma(w) = 1 / (1 + e^{-w}).

    Claim ([1] section 5.3.2, Fig. 5.5): "SOSP is still the global minima".

    What the toolkit finds: F has no critical point at all. F'(w) = -2 sigma(1 - sigma)^2 < 0
    for every real w, and the infimum 0 is not attained (F -> 0 as w -> +inf, F -> 1 as
    w -> -inf). So the statement holds vacuously: there is no SOSP to be non-global. Read
    with floating-point tolerances it is false: see `SigmoidApproximateSospGlobal`.

    Check: at random w (log-uniform magnitudes 1e-2..30, both signs) the autodiff derivative
    equals the closed form (identity, rtol `identity`, relative to |F'(w)|) and the closed
    form is strictly negative in float64 (margin: the smallest -F'(w)/|F'(w)| slack is 1 when
    it is negative, -1 if a zero or positive value appears).

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), section 5.3.2.
    """

    id = "act/sigmoid"
    source = f"Lecture notes 5.3.2, sigmoid activation, Fig. 5.5 ({SEED_000})"
    statement = (
        "F(w) = (1 - sigmoid(w))^2: every second-order stationary point is a global minimum "
        "(exact reading: true vacuously, F' < 0 everywhere)."
    )
    kind = "pointwise"
    params = ({"points": 32},)

    def generate(self, key, points=32):
        k1, k2 = jax.random.split(key)
        sign = jnp.where(jax.random.bernoulli(k1, 0.5, (points,)), 1.0, -1.0)
        return {"w": sign * _log_uniform(k2, 1e-2, 30.0, (points,))}

    def check(self, instance):
        w = instance["w"]
        autodiff = jax.vmap(jax.grad(lambda t: sigmoid_loss(jnp.atleast_1d(t))))(w)
        closed = sigmoid_loss_derivative(w)
        agree = TOLERANCES["identity"] - jnp.abs(autodiff - closed) / jnp.abs(closed)
        negative = jnp.where(closed < 0, 1.0, -1.0)
        return Evidence(
            margin=jnp.minimum(jnp.min(agree), jnp.min(negative)),
            conclusive=jnp.asarray(True),
            measured={
                "max_derivative": jnp.max(closed),
                "max_relative_formula_error": jnp.max(jnp.abs(autodiff - closed) / jnp.abs(closed)),
            },
        )


@register
class SigmoidApproximateSospGlobal(Claim):
    """Every approximate SOSP of (1 - sigmoid(w))^2 is approximately global: FALSE.

    Setting: F(w) = (1 - sigma(w))^2; an approximate SOSP is a point the classifier calls
    critical (||F'|| <= grad_critical * grad_scale) with lambda_min >= -eig_zero * hess_scale,
    the only notion of SOSP that floating point can test.

    Claim (the tolerance reading of [1] section 5.3.2): every approximate SOSP has
    F(w) - inf F <= loss_equal, with inf F = 0.

    It is false: as w -> -inf, F'(w) ~ -2 e^w -> 0 and F''(w) -> 0 while F(w) -> 1, so the
    plateau on the left is full of approximate SOSPs with F ~ 1 (from w ~ -17 on, where
    2 e^w / |w| < 1e-8). The exact statement is vacuous (`SigmoidSospGlobal`); this one is
    how a numerical search sees the landscape, and why "SOSP is global" says little when
    the infimum is not attained.

    Check: the finder from starts w_0 ~ N(0, 5^2); every approximate SOSP it lands on must
    have F <= loss_equal. Margin: the smallest slack (negative on the plateau).
    `expected = "refuted"`: `properties/` asserts the search finds the counterexample.

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), section 5.3.2.
    """

    id = "act/sigmoid-approximate"
    source = f"Lecture notes 5.3.2, sigmoid activation, tolerance reading ({SEED_000})"
    statement = (
        "F(w) = (1 - sigmoid(w))^2: every approximate second-order stationary point (within "
        "the toolkit's tolerances) has F within loss_equal of inf F = 0."
    )
    kind = "landscape"
    expected = REFUTED
    params = ({"starts": 4},)

    def generate(self, key, starts=4):
        return {"starts": 5.0 * jax.random.normal(key, (starts, 1))}

    def check(self, instance):
        points, c = search_and_classify(sigmoid_loss, instance["starts"], FINDER_STEPS)
        sosp = is_sosp(c)
        return Evidence(
            margin=min_over(sosp, TOLERANCES["loss_equal"] - c.loss),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE),
            measured={
                **type_counts(c),
                "max_loss_at_sosp": jnp.max(jnp.where(sosp, c.loss, 0.0)),
                "w_at_worst_sosp": jnp.where(
                    jnp.any(sosp), points[jnp.argmax(jnp.where(sosp, c.loss, -1.0)), 0], 0.0
                ),
            },
        )


# ------------------------------------------------------------------------ mf/symmetry


def factorisation_loss(x: jax.Array, a: jax.Array, r: int) -> jax.Array:
    """f(X, Y) = ||A - XY||_F^2 on x = concat(X.ravel(), Y.ravel()), X: m x r, Y: r x n."""
    m, n = a.shape
    X = x[: m * r].reshape(m, r)
    Y = x[m * r :].reshape(r, n)
    return jnp.sum((a - X @ Y) ** 2)


@register
class FactorisationSymmetry(Claim):
    """||A - XY||_F^2 is invariant under (X, Y) -> (XT, T^{-1}Y), so its minima are not strict.

    Setting: A in R^{m x n}, X in R^{m x r}, Y in R^{r x n}, f(X, Y) = ||A - XY||_F^2.

    Claim ([2] section 6.3): (a) f(XT, T^{-1}Y) = f(X, Y) for every invertible T (the seed
    says orthogonal T; every invertible T works, identity); (b) consequence: minima are not
    strict. Quantitatively: at a critical point with X, Y of rank r the Hessian vanishes on
    the r^2-dimensional tangent space of the orbit, and at a minimum (A with distinct
    singular values, rank >= r) its null space has exactly dimension r^2: the minimum is
    strict modulo the symmetry and not strict without it.

    Check: (a) at random X, Y and T = I + 0.5 G (G Gaussian, so T is invertible with
    probability 1; cond(T) is reported) the identity holds to rtol `identity` relative to
    f + ||A||^2; (b) the finder from `STARTS` random starts; at every critical point found
    with X, Y of full rank: ||H t|| <= eig_zero ||H|| for the orbit tangents t, and at every
    point classified LOCAL_MINIMUM modulo the symmetry, the full Hessian has exactly r^2
    eigenvalues within eig_zero ||H|| of 0.

    References: [2] seed 001 (`shared/seeds/001_749c64abaf8f8510.txt`), section 6.3.
    """

    id = "mf/symmetry"
    source = f"Lecture notes 6.3, matrix factorisation symmetry ({SEED_001})"
    statement = (
        "||A - XY||_F^2 is unchanged by (X, Y) -> (XT, T^{-1}Y) for invertible T; hence minima "
        "are not strict: the Hessian has a null space of the orbit's dimension r^2."
    )
    kind = "landscape"
    params = ({"m": 2, "r": 1, "n": 2}, {"m": 3, "r": 2, "n": 3}, {"m": 4, "r": 2, "n": 3})

    def generate(self, key, m=3, r=2, n=3):
        ka, kx, kt, ks = jax.random.split(key, 4)
        return {
            "A": jax.random.normal(ka, (m, n)),
            "XY": jax.random.normal(kx, (m * r + r * n,)),
            "T": jnp.eye(r) + 0.5 * jax.random.normal(kt, (r, r)),
            "starts": jax.random.normal(ks, (8, m * r + r * n)),
        }

    def validate(self, instance):
        super().validate(instance)
        a, t = instance["A"], instance["T"]
        if np.ndim(a) != 2:
            raise InvalidInstanceError(f"A must be a matrix; got shape {np.shape(a)}")
        if np.ndim(t) != 2 or np.shape(t)[0] != np.shape(t)[1]:
            raise InvalidInstanceError(f"T must be a square r x r matrix; got shape {np.shape(t)}")
        m, n = np.shape(a)
        r = np.shape(t)[0]
        _check_shape("XY", instance["XY"], (m * r + r * n,))
        if np.ndim(instance["starts"]) != 2 or np.shape(instance["starts"])[1] != m * r + r * n:
            raise InvalidInstanceError(
                f"starts must have shape (k, {m * r + r * n}); got {np.shape(instance['starts'])}"
            )
        if np.linalg.matrix_rank(np.asarray(t)) < r:
            raise InvalidInstanceError("T must be invertible; got a singular matrix")

    def check(self, instance):
        a, x, t = instance["A"], instance["XY"], instance["T"]
        m, n = a.shape
        r = t.shape[0]
        loss = lambda v: factorisation_loss(v, a, r)
        X, Y = x[: m * r].reshape(m, r), x[m * r :].reshape(r, n)
        moved = jnp.concatenate([(X @ t).ravel(), jnp.linalg.solve(t, Y).ravel()])
        invariance = compare(
            loss(moved), loss(x), "identity", TOLERANCES["identity"], loss(x) + jnp.sum(a**2),
            name="loss_after_symmetry",
        )
        tangents = lambda v: gl_orbit_tangents(v, m, r, n)
        points, c = search_and_classify(
            loss, instance["starts"], FINDER_STEPS, symmetry_tangents=tangents
        )
        crit = is_critical(c)
        full = c.n_symmetry == r * r
        flat = TOLERANCES["eig_zero"] - c.symmetry_residual
        hess_full = jax.vmap(lambda v: jnp.linalg.eigvalsh(hessian(loss, v)))(points)
        n_zero_full = jnp.sum(jnp.abs(hess_full) <= TOLERANCES["eig_zero"] * c.hess_scale[:, None], axis=1)
        minima = c.point_type == PointType.LOCAL_MINIMUM
        null_dim = 0.5 - jnp.abs(n_zero_full - r * r)
        landscape = Evidence(
            margin=jnp.minimum(min_over(crit & full, flat), min_over(minima, null_dim)),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE) & jnp.any(minima),
            measured={
                **type_counts(c),
                "orbit_dimension": jnp.asarray(r * r, jnp.float64),
                "max_symmetry_residual": jnp.max(jnp.where(crit & full, c.symmetry_residual, 0.0)),
                "null_dimension_at_minima": jnp.max(jnp.where(minima, n_zero_full, -1)).astype(jnp.float64),
                "cond_T": jnp.linalg.cond(t),
            },
        )
        return all_of(invariance, landscape)
