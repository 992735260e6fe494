"""The six claims of seed 003 (Liu et al.; Du et al.'s footnote), with their instance generators.

The model they check (the closed-form loss, gradient descent with eq. (8), the trap
probability, the validators) is `verify.claims.liu.model`; the package docstring of
`verify.claims.liu` states the setting and the closed form.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import (
    critical_margin, draws, key_of, raise_problems, validate_key, validate_scalar,
)
from verify.claims.base import (
    REFUTED, Claim, Evidence, MarginCase, all_of, compare, flag_margin, register, tolerance_margin,
)
from verify.claims.liu.model import (
    _PI, SEED_003, _flat_loss, arb_population_loss, arb_spurious_point, _outcome, _scaling_tangent, loss_scale, monte_carlo_loss,
    normalised_gd, optimum_hessian, population_loss, random_starts, spurious_curvature,
    spurious_is_local_minimum, spurious_output_weights, stage_boundary, step_sizes, trap_probability,
    validate_student, validate_teacher,
)
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, classify, hessian
from verify.statistics import FALSE_ALARM, expectation_evidence, wilson_interval, z_value
from verify.tolerances import TOLERANCES

__all__ = [
    "MC_BATCHES",
    "MC_BATCH",
    "GD_STEPS",
    "RANDOM_STARTS",
    "TRAP_RUNS",
    "TRAP_STEPS",
    "TRAP_INTERVAL",
    "PopulationLoss",
    "OptimaAsPrinted",
    "OptimaDerived",
    "ShortcutPrior",
    "NormalisedGradientDescent",
    "RandomInitTrap",
]


# ------------------------------------------------------------------------ instance generators


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


def _alpha(u):
    """alpha log-uniform in [0.25, 4] from u uniform in [0, 1)."""
    return jnp.exp(jnp.log(0.25) + u * (jnp.log(4.0) - jnp.log(0.25)))


# ------------------------------------------------------------------ liu/population-loss

#: Monte Carlo samples per instance of `PopulationLoss`: MC_BATCHES batches of MC_BATCH.
MC_BATCHES, MC_BATCH = 2, 4096


def _validate_problem(instance):
    """Validate the teacher (v*, a*) of `instance`; returns (p, k)."""
    validate_teacher(instance["v_star"], instance["a_star"])
    p, k = np.shape(instance["v_star"])[0], np.shape(instance["a_star"])[0]
    return p, k


@register
class PopulationLoss(Claim):
    """The closed form of Liu et al.'s population loss, with finite derivatives everywhere.

    Setting: p, k >= 1; v* in R^p with ||v*|| = 1; a* in R^k; a student (w, a) with
    1/sqrt p + w != 0; Z_1, ..., Z_k i.i.d. N(0, I_p) (package docstring).

    Claim (identity): L(w, a) = 1/2 E (g(v*, a*, Z) - f(w, a, Z))^2 equals the closed form
    of the package docstring (Du et al.'s kernel E[relu(z.u) relu(z.v)]); and L is twice
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

    Margin: the smallest of three parts. Monte Carlo: 1 - |mean - closed form| / half-width
    of the interval (1 when the estimate equals the closed form, 0 at the interval's end).
    Each Hessian: 1 - max |H_autodiff - H_closed| / (rtol * scale), rtol =
    TOLERANCES["liu_hessian_at_optima"], scale the larger of the closed Hessian's largest
    entry and |a^T a*| / (2 alpha^2) (1 when autodiff equals the closed form exactly).

    References: [1] Liu et al., section 2, equation (7), seed
    `shared/seeds/003_af212ce39d233884.txt`; [2] Du et al. (arXiv:1712.00779), the kernel.
    """

    test_name = ("two-sided normal (CLT) interval on the Monte Carlo mean of the loss "
                 "(verify.statistics.expectation_evidence)")

    id = "liu/population-loss"
    source = f"Liu et al. 2019, section 2, eq. (7), with Du et al.'s kernel ({SEED_003})"
    statement = (
        "For Gaussian inputs, L(w, a) = 1/2 E (g(v*, a*, Z) - f(w, a, Z))^2 equals "
        "[a^T(11^T+(pi-1)I)a - 2a^T(11^T+(h-1)I)a* + a*^T(11^T+(pi-1)I)a*]/(4 pi), "
        "h = sin theta + (pi-theta) cos theta, theta = angle(1/sqrt p + w, v*); its gradient and "
        "Hessian are finite everywhere, including where 1/sqrt p + w is parallel or antiparallel to v*."
    )
    kind = "statistical"
    # One shape: every parameter set is a separate XLA compilation of the Hessians and the
    # Monte Carlo loss; tests/test_liu.py checks the closed form at other (p, k), p = k = 1 included.
    params = ({"p": 4, "k": 3},)

    def generate(self, key, p=4, k=3):
        z, u, keys = draws(key, 2 * p + 2 * k, 1, 1)
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
        validate_scalar("alpha", instance["alpha"], 0.0, what="the scale of 1/sqrt p + w at the optima")
        validate_key("mc_key", instance["mc_key"])

    def check(self, instance):
        v_star, a_star, w, a, alpha = (instance[n] for n in ("v_star", "a_star", "w", "a", "alpha"))
        p = v_star.shape[0]
        closed = population_loss(w, a, v_star, a_star)
        est = monte_carlo_loss(key_of(instance), w, a, v_star, a_star, MC_BATCHES, MC_BATCH)
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
        return all_of(*parts, **numbers)

    def margin_cases(self):
        # The student equals the teacher exactly: 1/sqrt p + w = v* = e_1 and a = a*, with
        # p = 4 so that w = e_1 - 1/2 and w + 1/2 are exact. Then f = g on every draw (the
        # Monte Carlo estimate is 0 with zero variance), the closed form cancels to 0 exactly
        # (its three quadratic forms are the same number), and the Hessians at +-alpha v* are
        # exact up to rounding: a few ulps of the Hessian's scale, ~1e-8 tolerance units
        # against rtol = 1e-7 (atol 1e-6). A Hessian part still in relative units would read
        # 1e-7 here, not 1.
        v_star = jnp.array([1.0, 0.0, 0.0, 0.0])
        a_star = jnp.array([1.0, -0.5, 2.0])
        exact = {"v_star": v_star, "a_star": a_star, "w": v_star - 0.5, "a": a_star,
                 "alpha": jnp.asarray(1.5), "mc_key": jnp.array([0.0, 3.0])}
        return (MarginCase("student equals teacher: every part exact", exact, 1.0, atol=1e-6),)


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
    """Evidence for the two optima, its margin the smallest of six parts on the margin scale:
    both points critical (`critical_margin`: 1 - grad_relative / grad_critical); the global
    one a local minimum modulo scaling (`flag_margin` of the engine's type) with L = 0
    (1 - (L / loss scale) / loss_equal); the spurious one with no descent found (`flag_margin`:
    not a strict or degenerate saddle, and critical by the engine) and L > 0 beyond rounding
    (the negation of "L = 0 within loss_equal": (L / loss scale) / loss_equal - 1, which
    reads -1 at L = 0 and 0 at L = loss_equal times the scale). Conclusive unless the engine
    calls either point INCONCLUSIVE."""
    cg, cs, scale = _classify_optima(v_star, a_star, alpha)
    loss_tol = TOLERANCES["loss_equal"]
    not_a_saddle = ~jnp.isin(
        cs.point_type,
        jnp.asarray([PointType.STRICT_SADDLE, PointType.DEGENERATE_SADDLE, PointType.NOT_CRITICAL]),
    )
    margins = jnp.stack([
        critical_margin(cg),
        critical_margin(cs),
        flag_margin(cg.point_type == PointType.LOCAL_MINIMUM),
        tolerance_margin(cg.loss / scale, loss_tol),
        flag_margin(not_a_saddle),
        -tolerance_margin(cs.loss / scale, loss_tol),
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


def _exact_optima(a_star, p=3):
    """An instance of the optima claims at which both points are critical in floating point:
    v* = e_1 and alpha = 1, so that 1/sqrt p + w = +-e_1 up to one rounding of its first
    entry, the cosine is exactly +-1 and the global loss cancels to exactly 0 (its three
    quadratic forms are the same number when a = a* and h(1) = pi)."""
    return {"v_star": jnp.eye(p)[0], "a_star": jnp.asarray(a_star, jnp.float64), "alpha": jnp.asarray(1.0)}


def _exact_optima_cases():
    # a* = (1, -1, 0.5) meets the condition (1^T a*)^2 = 0.25 < (k + pi - 1) ||a*||^2 / pi:
    # the global point is a local minimum, the spurious one shows no descent, both are
    # critical to rounding (grad_relative ~1e-17: at most ~1e-8 tolerance units) and the
    # global loss is exactly 0, so every part reads 1 but the spurious loss's (far above 1).
    return (MarginCase("a* = (1, -1, 0.5), v* = e_1: exact optima, the condition holds",
                       _exact_optima([1.0, -1.0, 0.5]), 1.0, atol=1e-6),)


class _OptimaBase(Claim):
    kind = "landscape"

    def validate(self, instance):
        super().validate(instance)
        _validate_problem(instance)
        validate_scalar("alpha", instance["alpha"], 0.0, what="the scale of 1/sqrt p + w at the optima")

    def check(self, instance):
        return _optima_evidence(instance["v_star"], instance["a_star"], instance["alpha"])


@register
class OptimaAsPrinted(_OptimaBase):
    """Proposition 1 as printed: the claimed spurious point is not always a local optimum.

    Setting: the population loss L(w, a) of the package docstring, any p, k >= 1, ||v*|| = 1,
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

    Margin: the smallest of six parts (`_optima_evidence`): each point's gradient,
    1 - grad_relative / grad_critical; the global loss, 1 - (L / loss scale) / loss_equal;
    the spurious loss, (L / loss scale) / loss_equal - 1 (positive beyond rounding); and the
    two point types as flags (+1 as claimed, -1 not). 1 when both points are exactly
    critical and the global loss is exactly 0; -1 where the spurious point is a saddle.

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
        z, u, _ = draws(key, p + k + 1, 1)
        a_star = z[p : p + k] + z[p + k] * jnp.ones(k)
        return {"v_star": _unit_of(z[:p]), "a_star": a_star, "alpha": _alpha(u[0])}

    #: Distances along the descent curve (angles from -v*) at which the certificate also
    #: encloses the loss drop itself.
    CURVE_ANGLES = (1e-1, 1e-2, 1e-3)

    def certificate(self, instance):
        """A descent curve in ball arithmetic: the claimed spurious point is not a local optimum.

        The Hessian there is singular (p - 1 zero eigenvalues along the sphere), so no
        second-order certificate exists; the cubic term decides (`spurious_curvature`).
        With a = a_s fixed and v turned by an angle d from -v* (c = cos(angle(v, v*)) =
        -cos d), the loss depends on v only through h(c), and exactly
            L(d) - L_s = -(a_s^T a*) h(-cos d) / (2 pi),  h(-cos d) = sin d - d cos d > 0
        for d in (0, pi) (h(-1) = 0 and dh/dd = d sin d > 0). So L falls along the whole curve
        when a_s^T a* > 0: certified when its enclosure is > 0 (and, as a check on the
        formula, the loss drops at the angles `CURVE_ANGLES`, evaluated in balls from the
        closed form, are enclosed below 0). An enclosure < 0 proves the point a local minimum
        (liu/optima-derived): the float64 refutation is then inconclusive. An enclosure
        containing 0 (k = 1: a_s = 0, a saddle of sixth order) is "uncertified: degenerate".
        For p = 1 the sphere is two points and the claim holds: no descent curve exists.
        """
        from flint import arb, ctx

        from verify.landscape.certify import RefutationCertificate, enclosure

        prec = 128
        p = np.shape(instance["v_star"])[0]
        method = f"descent curve in ball arithmetic (python-flint arb, {prec} bits, exact pi)"
        if p == 1:
            return RefutationCertificate(
                "float64 only", method, "p = 1: the sphere is two points, the spurious point is a strict local "
                "minimum modulo scaling, so no descent curve exists: the float64 refutation is not certified")
        with ctx.workprec(prec):
            a_s, curvature = arb_spurious_point(instance["a_star"])
            encl = {"a_s . a_star": enclosure(curvature)}
            if curvature < 0:
                return RefutationCertificate(
                    "inconclusive", method, "a_s . a* < 0: the spurious point is a local minimum (the condition of "
                    "liu/optima-derived holds), so the claim holds at this instance", encl)
            if not curvature > 0:
                return RefutationCertificate(
                    "float64 only", method, "uncertified: degenerate: the cubic term a_s . a* is not decided "
                    "(it is 0 when k = 1: a saddle of sixth order, see spurious_curvature); float evidence: the "
                    "engine's higher-order test found descent", encl)
            at_point = arb_population_loss(-1, a_s, instance["a_star"])
            encl["L_s"] = enclosure(at_point)
            drops = []
            for d in self.CURVE_ANGLES:
                drop = arb_population_loss(-arb(d).cos(), a_s, instance["a_star"]) - at_point
                encl[f"L(d={d:g}) - L_s"] = enclosure(drop)
                drops.append(bool(drop < 0))
        if not all(drops):
            return RefutationCertificate("float64 only", method, "a loss drop along the curve was not enclosed "
                                         "below 0", encl)
        return RefutationCertificate(
            "certified", method + ": a = a_s fixed, v turned from -v* by d; L(d) - L_s = -(a_s . a*)(sin d - d cos d)"
            "/(2 pi) < 0 for every d in (0, pi), since a_s . a* > 0", None, encl)

    def margin_cases(self):
        # (1^T a*)^2 = 9 > (k + pi - 1) ||a*||^2 / pi = 4.9: the spurious point is a degenerate
        # saddle, a failed type flag (-1); the other five parts are near 1 (exactly critical
        # points, global loss 0: the case of `_exact_optima`), so the margin is the flag's.
        saddle = _exact_optima([1.0, 1.0, 1.0])
        return _exact_optima_cases() + (
            MarginCase("a* = (1, 1, 1): the spurious point is a degenerate saddle", saddle, -1.0, atol=1e-12),
        )


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

    Margin: as `OptimaAsPrinted` (the smallest of the two gradients' and the two losses'
    margins and the two type flags): 1 when both points are exactly critical and the global
    loss is exactly 0; -1 if a type were not as claimed.

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
        z, u, _ = draws(key, p + k + 1, 3)
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

    def margin_cases(self):
        # p = 1: the sphere is two points and the spurious point is a strict local minimum for
        # every a*, even a* = (1, 1, 1), which breaks the condition for p >= 2; both points
        # exactly critical, global loss exactly 0 (`_exact_optima`): margin 1.
        p_one = _exact_optima([1.0, 1.0, 1.0], p=1)
        return _exact_optima_cases() + (
            MarginCase("p = 1, a* = (1, 1, 1): exact optima", p_one, 1.0, atol=1e-6),
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

    Margin: `compare`'s lower bound, 1 - (1 - c^2/2 - (1/sqrt p)^T v*) / TOLERANCES["identity"]:
    1 on the boundary ||w*|| = c, where the bound is attained; far above 1 inside the ball.

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
        z, u, _ = draws(key, p, 4)
        c = jnp.where(u[0] < 0.5, 1.0, 1e-3 + u[1] * (jnp.sqrt(2.0) - 1e-3))
        max_angle = 2.0 * jnp.arcsin(c / 2.0)
        return {"v_star": _shortcut_teacher(z, u[2], p, max_angle, u[3] < 0.5), "c": c}

    def validate(self, instance):
        super().validate(instance)
        v = np.asarray(instance["v_star"], dtype=np.float64)
        validate_teacher(v, np.ones(1))
        validate_scalar("c", instance["c"], 0.0, math.sqrt(2.0),
                        what="the radius ||w*|| <= c of Assumption 1")
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

    def margin_cases(self):
        # p = 4, v* = e_1: (1/sqrt p)^T v* = 1/2 and ||w*|| = ||e_1 - 1/2|| = 1 exactly, so the
        # bound 1 - c^2/2 = 1/2 is attained in floating point (margin 1 up to no rounding at
        # all; atol 1e-9 tolerance units). p = 1, c = 1: v* = 1, projection 1 against the
        # bound 1/2, a slack of 1/2 = 5e9 tolerances: margin 1 + 0.5 / identity.
        tight = {"v_star": jnp.eye(4)[0], "c": jnp.asarray(1.0)}
        inside = {"v_star": jnp.ones(1), "c": jnp.asarray(1.0)}
        return (
            MarginCase("p = 4, v* = e_1, c = 1: the bound attained", tight, 1.0, atol=1e-9),
            MarginCase("p = 1, c = 1: slack 1/2", inside, 1.0 + 0.5 / TOLERANCES["identity"], atol=1e-3),
        )


# ---------------------------------------------------------------------- liu/gd-normalised

#: Gradient descent steps per run, and random starts per instance of `NormalisedGradientDescent`.
GD_STEPS = 1000
RANDOM_STARTS = 16



@register
class NormalisedGradientDescent(Claim):
    """GD with the normalisation of eq. (8) from w0 = 0, a0 in the ball, converges to the global optimum.

    Setting: the population loss L of the package docstring with Assumption 1 (||w*|| <= 1,
    i.e. angle(1/sqrt p, v*) <= pi/3), a* != 0; gradient descent with the normalisation of
    eq. (8) (`normalised_gd`) started at w0 = 0 and any a0 in the ball of radius
    |1^T a*| / sqrt k. The seed does not print the step sizes; we use eta_a = pi/(k+pi-1)
    and eta_w = eta_a / (2 ||a*||^2) (the w-step small against the a-step, as stage I of the
    analysis needs; `step_sizes` gives the scales).

    Claim ([1] main theorem): the iterates avoid the spurious optimum and converge to the
    global optimum (1/sqrt p + w = v*, a = a*), in two stages: I, a improves while w moves
    little; II, joint convergence.

    Check: after `GD_STEPS` steps the angle to v* and ||a - a*|| / ||a*|| are below
    TOLERANCES["liu_gd_converged"], and the angle never exceeded pi/2 (the spurious optimum
    sits at pi). Measured: the stage boundary (`stage_boundary`),
    the largest angle (reached at the end of stage I), the angle at the end; and, from
    `RANDOM_STARTS` random initialisations of Du et al. (`random_starts`, without the
    shortcut's w0 = 0) run with the same steps, the fraction that ends trapped at the
    spurious optimum (not part of the margin: the theorem says nothing about them).
    Instances: v* at angle phi <= pi/3 from 1/sqrt p (on the boundary pi/3 for half),
    a* Gaussian, a0 uniform in the ball or (half of them) the worst point of its boundary,
    -|1^T a*| a* / (sqrt k ||a*||).

    Margin: the smaller of two parts. Convergence: 1 - max(angle_end, ||a - a*|| / ||a*||)
    / liu_gd_converged (1 when the run ends exactly at the optimum). Staying away from the
    spurious side: 1 - angle_max / (pi/2), the largest angle as a fraction of the pi/2 that
    the run may turn away from v* and still be on the global optimum's side (1 when the angle
    is 0 throughout, 0 when it reaches pi/2); the theorem allows the angle to grow in stage I,
    so this part is at most 1 - angle_start / (pi/2).

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
        z, u, keys = draws(key, p + 2 * k, 4, 1)
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
        a0 = np.asarray(instance["a0"], dtype=np.float64)
        validate_student(np.zeros(p), a0, p, k, name_a="a0")
        a = np.asarray(instance["a_star"], dtype=np.float64)
        radius = abs(float(np.sum(a))) / math.sqrt(k)
        problems = []
        # 1e-12: room for the rounding of norms computed to a few ulps (boundary instances).
        if w_norm > 1.0 + 1e-12:
            problems.append(f"v_star must satisfy Assumption 1 (||v* - 1/sqrt(p)|| <= 1); got {w_norm!r}")
        if float(np.linalg.norm(a0)) > radius * (1.0 + 1e-12):
            problems.append(
                f"a0 must lie in the ball of radius |1^T a*|/sqrt(k) = {radius!r}; got ||a0|| = {float(np.linalg.norm(a0))!r}"
            )
        raise_problems(problems)
        validate_key("start_key", instance["start_key"])

    def check(self, instance):
        v_star, a_star, a0 = instance["v_star"], instance["a_star"], instance["a0"]
        p = v_star.shape[0]
        eta_a = step_sizes(a_star)[1]
        eta_w = eta_a / (2.0 * jnp.dot(a_star, a_star))
        w0s, a0s = random_starts(key_of(instance, "start_key"), p, a_star, RANDOM_STARTS)
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
        converged = tolerance_margin(jnp.maximum(phi_end, a_err), TOLERANCES["liu_gd_converged"])
        phi_max = jnp.max(trace[:, 0])
        # The angle may grow (stage I) but not past pi/2, where the spurious basin begins.
        away = tolerance_margin(phi_max, _PI / 2)
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

    def margin_cases(self):
        # a* = 1 (so that a0 = a* lies on the ball's boundary, radius |1^T a*| / sqrt k = 2).
        # At v* = 1/sqrt p the run starts at the global optimum and stays there up to rounding
        # (angle ~1e-16, a - a* ~1e-16: ~1e-10 tolerance units): margin 1. At v* on the edge
        # of Assumption 1 (angle pi/3, a = a* from the start, so a^T a* > 0 and there is no
        # stage I) the angle only decreases: the largest angle is the first, and the margin is
        # the closed form 1 - (pi/3) / (pi/2) = 1/3 (atol: rounding of the angle, ~1e-15).
        p, k = 8, 4
        e = jnp.ones(p) / jnp.sqrt(p)
        q = jnp.eye(p)[0] - e[0] * e
        q = q / jnp.linalg.norm(q)
        a_star = jnp.ones(k)
        start = {"v_star": e, "a_star": a_star, "a0": a_star, "start_key": jnp.array([0.0, 5.0])}
        edge = dict(start, v_star=jnp.cos(_PI / 3) * e + jnp.sin(_PI / 3) * q)
        return (
            MarginCase("v* = 1/sqrt p, a0 = a*: started at the optimum", start, 1.0, atol=1e-6),
            MarginCase("angle(1/sqrt p, v*) = pi/3, a0 = a*: the angle only decreases", edge, 1.0 / 3.0,
                       atol=1e-9),
        )


# ---------------------------------------------------------------------- du/random-init-trap

#: GD runs per instance of `RandomInitTrap` and steps per run.
TRAP_RUNS, TRAP_STEPS = 128, GD_STEPS
#: The interval the seed's footnote quotes for the trap probability.
TRAP_INTERVAL = (0.25, 0.75)


def _trap_margin(least, most, lower, upper):
    """The margin of "the trap probability lies in TRAP_INTERVAL = [lo, hi]" on the common
    scale, from the estimate [least, most] (the trapped fraction, and with the undecided
    runs) and the interval [lower, upper] around it: 1 where the estimate meets [lo, hi];
    where [lo, hi] lies above it, 1 - (lo - most) / (upper - most), and the mirror below.
    Wilson's interval holds its estimate strictly inside unless the estimate is 0 or 1, so
    the denominator of the branch taken is positive; the other branch's is replaced by 1,
    and its value is not used."""
    lo, hi = TRAP_INTERVAL
    above = (upper - lo) / jnp.where(upper > most, upper - most, 1.0)
    below = (hi - lower) / jnp.where(least > lower, least - lower, 1.0)
    return jnp.where(most < lo, above, jnp.where(least > hi, below, 1.0))


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
    from trapped + undecided (an undecided run may go either way), must meet [1/4, 3/4].
    Instances: v* uniform, a* Gaussian, k in {2, 8} (p = 4).

    Expected: refuted. When (1^T a*)^2 >= (k + pi - 1) ||a*||^2 / pi there is no spurious
    local minimum (`spurious_curvature`) and the trap probability is 0; when the condition
    holds barely it is small as well.

    Margin: as `verify.statistics` measures intervals, 1 at the estimate and 0 at the end of
    the interval. The estimate is the trapped fraction, or the range from it to the
    (trapped + undecided) fraction; where it meets [1/4, 3/4] the margin is 1; otherwise it
    is 1 - d / h, d the distance from the estimate to the nearer end of [1/4, 3/4] and h the
    distance from the estimate to the end of Wilson's interval on that side: negative
    exactly when the interval misses [1/4, 3/4]. With no run trapped or undecided it is
    1 - (n + z^2) / (4 z^2) (Wilson's upper end z^2 / (n + z^2)).

    References: [1] seed `shared/seeds/003_af212ce39d233884.txt`, footnote 2; [2] Du et al.
    (arXiv:1712.00779), the random initialisation and the trap.
    """

    test_name = ("Wilson score intervals on the trapped fraction and the trapped-or-undecided fraction of "
                 "the GD runs, against [1/4, 3/4] (verify.statistics.wilson_interval)")

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
        z, _, keys = draws(key, p + k, 0, 1)
        return {"v_star": _unit_of(z[:p]), "a_star": z[p:], "mc_key": keys[0]}

    def validate(self, instance):
        super().validate(instance)
        _validate_problem(instance)
        validate_key("mc_key", instance["mc_key"])

    def check(self, instance):
        v_star, a_star = instance["v_star"], instance["a_star"]
        est = trap_probability(key_of(instance), v_star, a_star, TRAP_RUNS, TRAP_STEPS)
        n = est.samples
        trapped, undecided = est.mean[0] * n, est.mean[1] * n
        z = z_value(FALSE_ALARM)
        lower, _ = wilson_interval(trapped, n, z)
        _, upper = wilson_interval(trapped + undecided, n, z)
        return Evidence(
            margin=_trap_margin(trapped / n, (trapped + undecided) / n, lower, upper),
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

    def margin_cases(self):
        # a* = (1, 1.2): (1^T a*)^2 = 4.84 > (k + pi - 1) ||a*||^2 / pi = 3.21, so there is no
        # spurious local minimum and every run converges to the global optimum: no run trapped
        # or undecided, Wilson's upper end is z^2 / (n + z^2) and the margin the closed form
        # 1 - (n + z^2) / (4 z^2) (about -0.59 at n = 128, z = z_value(1e-6); atol: rounding).
        z2, n = z_value(FALSE_ALARM) ** 2, TRAP_RUNS
        none = {"v_star": jnp.eye(4)[0], "a_star": jnp.array([1.0, 1.2]), "mc_key": jnp.array([0.0, 0.0])}
        return (MarginCase("a* = (1, 1.2): no spurious minimum, no run trapped", none,
                           1.0 - (n + z2) / (4.0 * z2), atol=1e-12),)
