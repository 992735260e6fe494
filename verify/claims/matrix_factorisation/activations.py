"""The 1-D activation claims of `verify.claims.matrix_factorisation`: F(w) = (1 - phi(w))^2
for phi = ReLU (``act/relu``), w^2 (``act/square``) and the sigmoid (``act/sigmoid``,
``act/sigmoid-approximate``), lecture notes 5.3.2 (seed 000). References are numbered as in
the package docstring.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import critical_margin, curvature_margin, raise_problems
from verify.claims.base import (
    REFUTED,
    Claim,
    Evidence,
    MarginCase,
    flag_margin,
    min_over,
    register,
    tolerance_margin,
)
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, classify, is_sosp, search_and_classify, type_counts
from verify.tolerances import TOLERANCES
from verify.claims.matrix_factorisation.model import (
    FINDER_STEPS,
    SEED_000,
    STARTS,
    _log_uniform,
    _starts,
    _starts_problems,
    relu_loss,
    sigmoid_loss,
    sigmoid_loss_derivative,
    square_loss,
)

__all__ = ["ReluSospNotGlobal", "SquareSospGlobal", "SigmoidSospGlobal", "SigmoidApproximateSospGlobal", "NOT_GLOBAL_TOL"]


def _sosp_margin(c):
    """Per point, on the margin scale: the smaller of `critical_margin` and
    `curvature_margin`, so >= 0 iff it is a second-order stationary point within tolerance."""
    return jnp.minimum(critical_margin(c), curvature_margin(c))


#: act/relu: a point w < 0 is "not global" when F(w) - min F is at least half of the
#: plateau's height 1: closer to the plateau value F = 1 than to the global value 0. The
#: margin of that part is 1 - (1 - F(w)) / NOT_GLOBAL_TOL: 1 at F(w) = 1 exactly (the
#: claimed value), 0 at F(w) = 1/2.
NOT_GLOBAL_TOL = 0.5


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

    Margin: the smallest, over the points w < 0, of `critical_margin`, `curvature_margin`
    and 1 - (1 - F(w)) / `NOT_GLOBAL_TOL`, and, over the SOSPs the finder reports, the
    larger of 1 - F / loss_equal (global) and the smaller of 1 - |F - 1| / loss_equal and
    +1 / -1 for w <= 0 (on the plateau). 1 when every point is exactly on the plateau (F = 1,
    F' = F'' = 0) and every SOSP found is exactly global or exactly on the plateau.

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
        problems = []
        if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] != 1:
            problems.append(f"w must have shape (k, 1) with k >= 1 points; got {w.shape}")
        elif np.any(w >= 0):
            problems.append(f"w must be negative (the claim is about w < 0); largest entry is {w.max():.3g}")
        raise_problems(problems + _starts_problems(instance["starts"], 1))

    def check(self, instance):
        c = jax.vmap(lambda w: classify(relu_loss, w))(instance["w"])
        not_global = tolerance_margin(1.0 - (c.loss - 0.0), NOT_GLOBAL_TOL)  # min F = 0
        on_plateau = jnp.minimum(_sosp_margin(c), not_global)
        points, found = search_and_classify(relu_loss, instance["starts"], FINDER_STEPS)
        sosp = is_sosp(found)
        loss_equal = TOLERANCES["loss_equal"]
        plateau_or_global = jnp.maximum(
            tolerance_margin(found.loss, loss_equal),
            jnp.minimum(tolerance_margin(jnp.abs(found.loss - 1.0), loss_equal), flag_margin(points[:, 0] <= 0.0)),
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

    def margin_cases(self):
        # relu(w) = 0 exactly for w < 0: F = 1, F' = F'' = 0 exactly; the finder stays at the
        # plateau start -1 and at the global minimum 1 (F = 0): every part reads exactly 1.
        instance = {"w": np.array([[-1.0], [-2.0]]), "starts": np.array([[-1.0], [1.0]])}
        return (MarginCase("points on the plateau, starts at -1 and at the minimum 1", instance, 1.0),)


@register
class SquareSospGlobal(Claim):
    """With phi(w) = w^2, every second-order stationary point of (1 - w^2)^2 is global.

    Setting: F(w) = (1 - w^2)^2, w in R.

    Claim ([1] section 5.3.2, Fig. 5.4): every SOSP is a global minimum. (Critical points:
    w = 0 with F''(0) = -4, a strict local maximum, and w = ±1 with F = 0.)

    Check: the finder from random starts (Gaussian at log-uniform radii 1e-1..3, so it also
    reaches w = 0); at every SOSP found F <= loss_equal.

    Margin: the smallest 1 - F / loss_equal over the SOSPs found (F* = 0, loss scale
    F(0) = 1). 1 when every SOSP found is exactly w = +-1.

    References: [1] seed 000 (`shared/seeds/000_45be778ffb0540d2.txt`), section 5.3.2.
    """

    id = "act/square"
    source = f"Lecture notes 5.3.2, square activation, Fig. 5.4 ({SEED_000})"
    statement = "F(w) = (1 - w^2)^2: every second-order stationary point is a global minimum."
    kind = "landscape"
    params = ({"starts": STARTS},)

    def generate(self, key, starts=STARTS):
        return {"starts": _starts(key, starts, 1, scale_low=1e-1)}

    def validate(self, instance):
        super().validate(instance)
        raise_problems(_starts_problems(instance["starts"], 1))

    def check(self, instance):
        points, c = search_and_classify(square_loss, instance["starts"], FINDER_STEPS)
        sosp = is_sosp(c)
        return Evidence(
            margin=min_over(sosp, tolerance_margin(c.loss, TOLERANCES["loss_equal"])),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE) & jnp.any(sosp),
            measured={**type_counts(c), "max_loss_at_sosp": jnp.max(jnp.where(sosp, c.loss, 0.0))},
        )

    def margin_cases(self):
        # w = +-1 are exact minima (F = 0, gradient 0); w = 0 is a strict local maximum, not an
        # SOSP: margin exactly 1.
        starts = np.array([[1.0], [-1.0], [0.0], [1.0]])
        return (MarginCase("starts at the minima +-1 and the maximum 0", {"starts": starts}, 1.0),)


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
    form is strictly negative in float64.

    Margin: the smallest, over the points, of 1 - (|F'_autodiff - F'| / |F'|) / identity and
    +1 / -1 for "F'(w) < 0" (`flag_margin`: the sign is decided exactly). 1 when autodiff
    and the closed form agree to the last bit.

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

    def validate(self, instance):
        super().validate(instance)
        shape = np.shape(instance["w"])
        if len(shape) != 1 or shape[0] < 1:
            raise InvalidInstanceError(f"w must have shape (k,) with k >= 1 points; got {shape}")

    def check(self, instance):
        w = instance["w"]
        autodiff = jax.vmap(jax.grad(lambda t: sigmoid_loss(jnp.atleast_1d(t))))(w)
        closed = sigmoid_loss_derivative(w)
        agree = tolerance_margin(jnp.abs(autodiff - closed) / jnp.abs(closed), TOLERANCES["identity"])
        negative = flag_margin(closed < 0)
        return Evidence(
            margin=jnp.minimum(jnp.min(agree), jnp.min(negative)),
            conclusive=jnp.asarray(True),
            measured={
                "max_derivative": jnp.max(closed),
                "max_relative_formula_error": jnp.max(jnp.abs(autodiff - closed) / jnp.abs(closed)),
            },
        )

    def margin_cases(self):
        w = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
        # autodiff and the closed form differ by a few ulps (relative ~1e-16, 1e-6 of the
        # identity tolerance 1e-10): 1 within 1e-3.
        return (MarginCase("F' at moderate w: autodiff equals the closed form", {"w": w}, 1.0, atol=1e-3),)


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
    have F <= loss_equal.

    Margin: the smallest 1 - F / loss_equal over the approximate SOSPs found (inf F = 0,
    loss scale 1). About 1 - 1 / loss_equal = -(1e9 - 1) on the plateau, where F ~ 1.
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

    def validate(self, instance):
        super().validate(instance)
        raise_problems(_starts_problems(instance["starts"], 1))

    def check(self, instance):
        points, c = search_and_classify(sigmoid_loss, instance["starts"], FINDER_STEPS)
        sosp = is_sosp(c)
        return Evidence(
            margin=min_over(sosp, tolerance_margin(c.loss, TOLERANCES["loss_equal"])),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE),
            measured={
                **type_counts(c),
                "max_loss_at_sosp": jnp.max(jnp.where(sosp, c.loss, 0.0)),
                "w_at_worst_sosp": jnp.where(
                    jnp.any(sosp), points[jnp.argmax(jnp.where(sosp, c.loss, -1.0)), 0], 0.0
                ),
            },
        )

    def certificate(self, instance):
        """At the worst approximate SOSP w the check found: |F'(w)|, F''(w) and F(w) in ball
        arithmetic. Certified when |F'(w)| <= grad_critical max(|w|, 1) (the classifier's
        gradient test, hess_scale = 1 here), F''(w) >= -eig_zero and F(w) > loss_equal are all
        proved: w is an approximate SOSP in the claim's sense, far from inf F = 0."""
        from flint import arb, ctx

        from verify.landscape import balls
        from verify.landscape.certify import certify_violation

        ev = self.check_instance(instance)
        w = float(ev.measured["w_at_worst_sosp"])
        loss = lambda v: sigmoid_loss(v)  # noqa: E731
        with ctx.workprec(128):
            f, g, h = balls.loss_gradient_hessian(loss, np.array([w]))
            gradient_room = arb(TOLERANCES["grad_critical"]) * max(abs(w), 1.0) - g[0].abs_upper()
            curvature_room = h[0][0] + arb(TOLERANCES["eig_zero"])
            return certify_violation(
                f, arb(TOLERANCES["loss_equal"]), "upper",
                hypotheses={"|F'(w)| <= grad_critical max(|w|, 1)": (gradient_room, "nonnegative"),
                            "F''(w) >= -eig_zero": (curvature_room, "nonnegative")},
                numbers={"w": arb(w), "F'(w)": g[0], "F''(w)": h[0][0]},
            )

    def margin_cases(self):
        # Deep on the plateau, w = -40: F'(w) ~ -2e^-40 (critical), F = (1 - sigma(-40))^2 = 1
        # in float64, so the margin is 1 - 1 / loss_equal. At w = +40, F ~ e^-80: margin 1.
        plateau = (1.0 - 1.0 / (1.0 + np.exp(40.0))) ** 2
        return (
            MarginCase("starts at w = -40 (plateau, F = 1)", {"starts": np.full((4, 1), -40.0)},
                       1.0 - plateau / TOLERANCES["loss_equal"], atol=1e-3),  # F is exact; the division rounds
            MarginCase("starts at w = +40 (F ~ e^-80)", {"starts": np.full((4, 1), 40.0)}, 1.0),
        )
