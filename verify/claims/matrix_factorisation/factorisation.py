"""The matrix factorisation claims of `verify.claims.matrix_factorisation`: the scalar loss
(1 - uv)^2 (``mf/scalar``, ``mf/gd-avoids-saddle``), ||M - uu^T||_F^2 (``mf/sosp-global``),
lecture notes 5.3.1 (seed 000), and the symmetry of ||A - XY||_F^2 (``mf/symmetry``),
lecture notes 6.3 (seed 001). References are numbered as in the package docstring.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import raise_problems
from verify.claims.base import (
    Claim,
    Evidence,
    MarginCase,
    all_of,
    compare,
    flag_margin,
    min_over,
    register,
    tolerance_margin,
)
from verify.landscape import PointType, classify, is_critical, is_sosp, search_and_classify, type_counts
from verify.landscape.derivatives import hessian
from verify.landscape.symmetry import gl_orbit_tangents
from verify.tolerances import TOLERANCES
from verify.claims.matrix_factorisation.model import (
    COUNT_TOL,
    FINDER_STEPS,
    SEED_000,
    SEED_001,
    STARTS,
    _psd_matrix,
    _scalar_tangents,
    _starts,
    _starts_problems,
    factorisation_loss,
    _gradient_descent,
    rank_one_gradient,
    rank_one_hessian,
    rank_one_loss,
    scalar_loss,
    validate_psd,
)

__all__ = ["ScalarFactorisation", "GradientDescentAvoidsSaddle", "SospIsGlobal", "FactorisationSymmetry"]


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
    eig_zero); every point classified LOCAL_MINIMUM has F <= loss_equal.

    Margin: per critical point the larger of "on the hyperbola" (the smaller of
    1 - |uv - 1| / eig_zero and 1 - F / loss_equal) and "the origin" (the smaller of
    1 - ||(u, v)|| / grad_critical and 1 - (|lambda_min + 2| / 2) / eig_zero); the smallest
    over the critical points and 1 - F / loss_equal over the local minima. 1 when every
    point found is exactly on the hyperbola or exactly the origin.

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
        raise_problems(_starts_problems(instance["starts"], 2))

    def check(self, instance):
        points, c = search_and_classify(
            scalar_loss, instance["starts"], FINDER_STEPS, symmetry_tangents=_scalar_tangents
        )
        crit = is_critical(c)
        uv = points[:, 0] * points[:, 1]
        on_hyperbola = tolerance_margin(jnp.abs(uv - 1.0), TOLERANCES["eig_zero"])
        is_global = tolerance_margin(c.loss, TOLERANCES["loss_equal"])  # F* = 0, loss scale F(0) = 1
        at_origin = tolerance_margin(jnp.linalg.norm(points, axis=1), TOLERANCES["grad_critical"])
        saddle_value = tolerance_margin(jnp.abs(c.lambda_min + 2.0) / 2.0, TOLERANCES["eig_zero"])
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

    def margin_cases(self):
        # Starts at the origin and on the hyperbola (uv = 1 exactly in binary): the gradient
        # is exactly 0 there, both finders stay put, F = 0 on the hyperbola and lambda_min = -2
        # at the origin up to eigvalsh's rounding (~1e-16, 1e-10 of eig_zero).
        starts = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [-1.0, -1.0], [0.5, 2.0]])
        return (MarginCase("exact critical points: the origin and points of uv = 1", {"starts": starts}, 1.0),)


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

    Check: (a) `GD_STEPS` steps from (0, 0) end exactly at (0, 0) (decided exactly: the
    gradient at the origin is exactly 0 in floating point, so every iterate is an exact
    zero); (b) from each random start (Gaussian at log-uniform radius 1e-3..3) after
    `GD_STEPS` steps F <= loss_equal and the end point is a local minimum modulo the
    scaling symmetry (u, v) -> (tu, v/t).

    Margin: the smallest of +1 / -1 for (a) (`flag_margin`: the distance from the saddle
    is exactly 0 or not), and per start 1 - F / loss_equal and +1 / -1 for "the end point
    is classified LOCAL_MINIMUM". 1 when every run ends exactly on the hyperbola uv = 1; a
    start on the stable manifold u = -v reads 1 - 1 / loss_equal (gradient descent goes to
    the saddle, F = 1).

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

    def validate(self, instance):
        super().validate(instance)
        raise_problems(_starts_problems(instance["starts"], 2))

    def check(self, instance):
        distance = jnp.linalg.norm(_gradient_descent(scalar_loss, jnp.zeros(2), 0.1))
        stays = Evidence(
            margin=flag_margin(distance == 0.0),
            conclusive=jnp.asarray(True),
            measured={"distance_from_saddle": distance},
        )

        def run(x0):
            eta = 0.25 / (1.0 + jnp.dot(x0, x0))
            x = _gradient_descent(scalar_loss, x0, eta)
            c = classify(scalar_loss, x, symmetry_tangents=_scalar_tangents)
            converged = tolerance_margin(c.loss, TOLERANCES["loss_equal"])  # F* = 0, F(0) = 1
            minimum = flag_margin(c.point_type == PointType.LOCAL_MINIMUM)
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

    def margin_cases(self):
        # On uv = 1 the gradient is exactly 0: gradient descent stays, F = 0, a local minimum
        # modulo the symmetry; every quantity is exact, so the margin is exactly 1.
        on_hyperbola = np.array([[1.0, 1.0], [2.0, 0.5], [-0.5, -2.0]])
        # On the stable manifold u = -v (the exceptional set of measure zero) the iterates stay
        # on it and go to the saddle, where F = 1 exactly in float64: 1 - 1 / loss_equal.
        on_manifold = np.array([[1.0, 1.0], [1.0, -1.0]])
        return (
            MarginCase("starts on the hyperbola uv = 1", {"starts": on_hyperbola}, 1.0),
            MarginCase(
                "a start on the stable manifold u = -v converges to the saddle (F = 1)",
                {"starts": on_manifold},
                1.0 - 1.0 / TOLERANCES["loss_equal"],
                atol=1e-3,  # F is exactly 1; only the division rounds (1e-7 of a unit)
            ),
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

    Margin: the smallest of the two formula identities (`compare`, 1 - error / (identity *
    scale)) and, over the SOSPs found, 1 - ((F - F*) / ||M||_F^2) / loss_equal and
    1 - (|(||u||^2 - lambda_max) / lambda_max|) / eig_zero. 1 when every SOSP is exactly
    a global minimum with ||u||^2 = lambda_max and the formulas agree exactly with
    autodiff (M = diag(4, 1) with starts at the minima u = (+-2, 0)).

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
        problems = []
        starts = np.shape(instance["starts"])
        if len(starts) != 2 or starts[0] < 1 or starts[1] != n:
            problems.append(f"starts must have shape (k, {n}) to match M of shape {np.shape(m)}; got {starts}")
        if np.shape(instance["probe"]) != (n,):
            problems.append(f"probe must have shape ({n},); got {np.shape(instance['probe'])}")
        raise_problems(problems)

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
            tolerance_margin(gap, TOLERANCES["loss_equal"]), tolerance_margin(norm_err, TOLERANCES["eig_zero"])
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

    def margin_cases(self):
        # M = diag(4, 1): F* = 1, lambda_max = 4; u = (+-2, 0) are exact global minima
        # (gradient exactly 0, F = 1, ||u||^2 = 4), (0, 1) and 0 are strict saddles (not
        # SOSPs); the probe (1, 0) has integer gradient and Hessian, computed exactly. M =
        # diag(1, 0) is the singular case. Rounding: eigvalsh of a diagonal matrix is exact.
        def case(m, starts):
            return {"M": np.diag(m), "starts": np.array(starts), "probe": np.array([1.0, 0.0])}

        return (
            MarginCase("M = diag(4, 1), starts at the minima and saddles",
                       case([4.0, 1.0], [[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), 1.0),
            MarginCase("singular M = diag(1, 0), starts at the minima and at 0",
                       case([1.0, 0.0], [[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]), 1.0),
        )


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

    Margin: the smallest of the invariance identity (`compare`, 1 - |f(XT, T^{-1}Y) -
    f(X, Y)| / (identity (f + ||A||^2))), 1 - (||H T|| / ||H||) / eig_zero over the critical
    points of full rank, and 1 - |null dimension - r^2| / `COUNT_TOL` over the local minima
    (1 when the count is right, -1 when it is off by one). 1 for T = I with starts at a
    global and a saddle point of A = diag(4, 1), r = 1 (every quantity exact).

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
        problems = []
        if np.ndim(a) != 2:
            problems.append(f"A must be a matrix; got shape {np.shape(a)}")
        if np.ndim(t) != 2 or np.shape(t)[0] != np.shape(t)[1]:
            problems.append(f"T must be a square r x r matrix; got shape {np.shape(t)}")
        raise_problems(problems)  # the shapes below are read from A and T
        m, n = np.shape(a)
        r = np.shape(t)[0]
        size = m * r + r * n
        if np.shape(instance["XY"]) != (size,):
            problems.append(f"XY must have shape ({size},); got {np.shape(instance['XY'])}")
        problems += _starts_problems(instance["starts"], size)
        if np.linalg.matrix_rank(np.asarray(t)) < r:
            problems.append("T must be invertible; got a singular matrix")
        raise_problems(problems)

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
        flat = tolerance_margin(c.symmetry_residual, TOLERANCES["eig_zero"])
        hess_full = jax.vmap(lambda v: jnp.linalg.eigvalsh(hessian(loss, v)))(points)
        n_zero_full = jnp.sum(jnp.abs(hess_full) <= TOLERANCES["eig_zero"] * c.hess_scale[:, None], axis=1)
        minima = c.point_type == PointType.LOCAL_MINIMUM
        null_dim = tolerance_margin(jnp.abs(n_zero_full - r * r), COUNT_TOL)
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

    def margin_cases(self):
        # A = diag(4, 1), r = 1: X = (2, 0)^T, Y = (2, 0) is a global minimum and X = (0, 1)^T,
        # Y = (0, 1) a saddle, both with gradient exactly 0; T = I and T = 2 move X, Y exactly
        # (powers of 2), so the invariance is exact. What rounds is ||H t|| / ||H|| for the
        # orbit tangent (~1e-16, 1e-10 of eig_zero): 1 within 1e-6.
        minimum, saddle = np.array([2.0, 0.0, 2.0, 0.0]), np.array([0.0, 1.0, 0.0, 1.0])
        def case(t):
            return {"A": np.diag([4.0, 1.0]), "XY": minimum, "T": np.array([[t]]),
                    "starts": np.stack([minimum, saddle, minimum, saddle])}
        return (
            MarginCase("A = diag(4, 1), r = 1, T = I, starts at a minimum and a saddle", case(1.0), 1.0, atol=1e-6),
            MarginCase("the same with T = 2", case(2.0), 1.0, atol=1e-6),
        )
