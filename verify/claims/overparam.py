"""Over-parameterised networks: property [PT] does not imply property [P] (seed 001, 6.3).

Claims:

* `PtDoesNotImplyP` (``overparam/pt-not-p``): an explicit smooth function of two variables
  with property [PT] (hence no strict sub-optimal local minimum) that still has sub-optimal
  local minima, non-strict ones; the engine classifies its points correctly.

Public helpers (for notebooks): `plateau_profile`, `pt_loss`, `pt_loss_function`,
`pt_to_plane`, `pt_global_minimum`, `pt_plateau_point`, `pt_path`, `gd_from_perturbation`.

References:
  [1] Lecture notes on the landscape of non-linear networks, section 6.3, properties [PT]
      and [P], Figures 6.2 ("no bad basin") and 6.3 (seed
      ``shared/seeds/001_749c64abaf8f8510.txt``, lines 88-104).
  [2] D. Li, T. Ding, R. Sun. Over-Parameterized Deep Neural Networks Have No Strict Local
      Minima For Any Continuous Activations. arXiv:1812.11039 (2018) (no bad *strict* local
      minima; the gap in the argument of [3]). Section numbers not checked here.
  [3] X.-H. Yu, G.-A. Chen. On the local minima free condition of backpropagation
      learning. IEEE Trans. Neural Networks 6(5), 1995 (the result [2] corrects).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import raise_problems, validate_positive_int
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
from verify.landscape import PointType, search_and_classify, type_counts
from verify.tolerances import TOLERANCES

__all__ = [
    "PtDoesNotImplyP",
    "plateau_profile",
    "pt_loss",
    "pt_loss_function",
    "pt_to_plane",
    "pt_global_minimum",
    "pt_plateau_point",
    "pt_path",
    "gd_from_perturbation",
    "PROFILE_MIN",
    "PROFILE_CURVATURE_BOUND",
]

SEED_001 = "shared/seeds/001_749c64abaf8f8510.txt"

#: min_t g(t) = g(1) = -1/e for the profile g of `plateau_profile`.
PROFILE_MIN = -1.0 / math.e
#: sup_t |g''(t)| <= 4.3: g''(t) = e^{-1/t} (5t - 2) / t^4 for t > 0, whose largest modulus
#: is |g''(0.2)| = 4.21 (checked on a fine grid in `tests/test_overparam.py`).
PROFILE_CURVATURE_BOUND = 4.3
#: Below this t, e^{-1/t} < e^{-700} ~ 1e-304 and its derivatives up to the second are below
#: 1e-290: the profile is set to exactly 0 there. Without the cut, e^{-1/t} / t^4 is 0 * inf
#: = NaN in float64 for t < 1e-77; with it the float64 function differs from the exact one
#: by less than 1e-290 (absolute) at t in (0, 1/700].
PROFILE_CUT = 1.0 / 700.0
#: Where the explicit path leaves the line s = 0 for gradient descent: g is strictly
#: decreasing on (0, 1) and its slope there, g'(1/4) = -0.49, is far from zero.
PATH_JOIN_T = 0.25
#: Starts of the critical-point search and steps per start (LM converges quadratically at
#: the global minimum; on the flat edge t -> 0+ its steps are t -> t - t^2, and 200 steps
#: take any start in (0, 0.4) below t = 0.005, where ||grad f|| ~ e^{-200}: critical).
STARTS = 16
FINDER_STEPS = 200
#: Segment samples and gradient-descent steps of the [PT] path (GD contracts the distance
#: to the minimum by at least 1 - 0.9 * 1.1 / 32 per step: 600 steps take it from 1 to
#: ~1e-8, loss gap ~1e-16).
PATH_SEGMENT = 64
PATH_GD_STEPS = 600


# ---------------------------------------------------------------------------- the function


def plateau_profile(t: jax.Array) -> jax.Array:
    """g(t) = e^{-1/t} (t - 2) for t > 0 and 0 for t <= 0: C-infinity, flat to every order at 0.

    g' = e^{-1/t} (t + 2)(t - 1) / t^2: g decreases on (0, 1), increases on (1, inf), its
    only critical points are t <= 0 and t = 1 (g(1) = -1/e, g''(1) = 3/e > 0).
    """
    t = jnp.asarray(t, jnp.float64)
    on = t > PROFILE_CUT
    ts = jnp.where(on, t, 1.0)  # the double-where keeps the unused branch's derivatives finite
    return jnp.where(on, jnp.exp(-1.0 / ts) * (ts - 2.0), 0.0)


def _frame(center, angle, scales):
    """(rotation R, center, scales): the plane point is z = center + R (l t, w s)."""
    c, s = jnp.cos(angle), jnp.sin(angle)
    rot = jnp.array([[c, -s], [s, c]])
    return rot, center, scales


def pt_to_plane(instance, t, s) -> jax.Array:
    """The point of the plane with scaled coordinates (t, s) (broadcasts over t, s)."""
    rot, center, scales = _frame(instance["center"], instance["angle"], instance["scales"])
    u = jnp.stack([scales[0] * jnp.asarray(t), scales[1] * jnp.asarray(s)], axis=-1)
    return center + u @ rot.T


def pt_loss(z, center, angle, scales, amplitude) -> jax.Array:
    """f(z) = A ( s^2 + g(t) ), where (l t, w s) = R(angle)^T (z - center) and g = `plateau_profile`.

    Args:
      z: a point of the plane, shape (2,).
      center, angle: where the edge of the plateau is and how the valley is turned.
      scales: (l, w): the length scale along the valley and its width.
      amplitude: A > 0.
    """
    rot, center, scales = _frame(center, angle, scales)
    return _loss_in_frame(z, rot.T / scales[:, None], center, amplitude)


def _loss_in_frame(z, to_frame, center, amplitude):
    ts = to_frame @ (jnp.asarray(z, jnp.float64) - center)
    return amplitude * (ts[1] ** 2 + plateau_profile(ts[0]))


def pt_loss_function(instance):
    """``z -> f(z)`` for the instance (a scalar function of a flat (2,) vector); the frame
    map (t, s) = diag(1/l, 1/w) R^T (z - c) is computed once, outside the loss."""
    rot, center, scales = _frame(instance["center"], instance["angle"], instance["scales"])
    to_frame = rot.T / scales[:, None]
    return lambda z: _loss_in_frame(z, to_frame, center, instance["amplitude"])


def pt_global_minimum(instance) -> tuple[jax.Array, jax.Array]:
    """(z*, f*): the unique global minimiser (t, s) = (1, 0) and f* = -A / e."""
    return pt_to_plane(instance, 1.0, 0.0), instance["amplitude"] * PROFILE_MIN


def pt_plateau_point(instance) -> jax.Array:
    """The instance's sub-optimal local minimum (t, s) = (plateau_t, 0), plateau_t < 0."""
    return pt_to_plane(instance, instance["plateau_t"], 0.0)


def _gd_step_size(instance):
    """0.9 / L with L = A max(2 / w^2, 4.3 / l^2) >= ||Hessian|| everywhere (so every GD
    step decreases f strictly along the whole segment it moves on: d/dtau f(x - tau g) =
    -g(x - tau g).g <= -(1 - L tau) ||g||^2 < 0 for tau <= 0.9 / L)."""
    l, w = instance["scales"][0], instance["scales"][1]
    lip = instance["amplitude"] * jnp.maximum(2.0 / w**2, PROFILE_CURVATURE_BOUND / l**2)
    return 0.9 / lip


def _gradient_descent_path(loss, x0, step, steps):
    def body(x, _):
        x_new = x - step * jax.grad(loss)(x)
        return x_new, x_new

    _, xs = jax.lax.scan(body, x0, None, length=steps)
    return jnp.concatenate([x0[None], xs], axis=0)


def pt_path(instance, eta=None, segment=PATH_SEGMENT, gd_steps=PATH_GD_STEPS):
    """A strictly decreasing path from a perturbation of the plateau point to z* ([PT]).

    The plateau point p = (plateau_t, 0) is moved by eta * w across the valley, to
    (plateau_t, eta) in scaled coordinates; from there the path is the straight segment to
    (1/4, 0), along which f = A((1 - lam)^2 eta^2 + g(t(lam))) with t increasing and g
    non-increasing on (-inf, 1): strictly decreasing for every eta > 0. From (1/4, 0) it
    follows gradient descent with step 0.9 / L (see `_gd_step_size`), strictly decreasing
    along each of its segments, to the global minimum.

    Returns ``(points, losses)``: ``segment + gd_steps + 1`` points of the plane and f there.
    """
    eta = instance["eta"] if eta is None else eta
    loss = pt_loss_function(instance)
    lam = jnp.linspace(0.0, 1.0, segment)[:-1]
    t = instance["plateau_t"] + lam * (PATH_JOIN_T - instance["plateau_t"])
    seg = pt_to_plane(instance, t, (1.0 - lam) * eta)
    join = pt_to_plane(instance, PATH_JOIN_T, 0.0)
    gd = _gradient_descent_path(loss, join, _gd_step_size(instance), gd_steps)
    points = jnp.concatenate([seg, gd], axis=0)
    return points, jax.vmap(loss)(points)


def gd_from_perturbation(instance, eta=None, steps=PATH_GD_STEPS):
    """Gradient descent from the perturbed plateau point (plateau_t, eta): returns its end.

    On t <= 0 the gradient has no t-component (g is identically 0 there), so gradient
    descent only shrinks s and goes back to the plateau: the plateau attracts local
    search. [PT] asks for *some* strictly decreasing path, which `pt_path` builds."""
    eta = instance["eta"] if eta is None else eta
    start = pt_to_plane(instance, instance["plateau_t"], eta)
    path = _gradient_descent_path(pt_loss_function(instance), start, _gd_step_size(instance), steps)
    return path[-1]


# ------------------------------------------------------------------------------ the claim


@register
class PtDoesNotImplyP(Claim):
    """[PT] does not imply [P]: a smooth function with no strict bad local minimum but non-strict ones.

    Setting. [PT] (perturbation-then-path, [1], [2]): from every point theta and every eps > 0
    there is theta' with ||theta' - theta|| < eps and a strictly decreasing path from theta'
    to a global minimum. [P]: from every theta there is a strictly decreasing path to a
    global minimum (so no sub-optimal local minimum at all). [PT] implies that there is no
    *strict* sub-optimal local minimum (a strict one is surrounded by a sphere on which
    f > f(theta) + delta; start theta' close enough that f(theta') < f(theta) + delta: a path
    from theta' that ends below f(theta) must cross the sphere, at a value above its start).
    It does not imply [P]: [1] Figure 6.2 and the text around it, [2].

    The explicit function (instance parameters: centre c, angle, scales (l, w), amplitude A):
    with (l t, w s) = R(angle)^T (z - c),

        f(z) = A ( s^2 + g(t) ),   g(t) = e^{-1/t} (t - 2) for t > 0,  g(t) = 0 for t <= 0.

    A valley along t whose floor s = 0 is exactly flat (f = 0) for t <= 0 and then descends
    to the global minimum. g is C-infinity (all derivatives of e^{-1/t} vanish at 0+),
    g' = e^{-1/t} (t + 2)(t - 1)/t^2, so:
      * critical points: s = 0 and t <= 0 (the plateau, f = 0), and (t, s) = (1, 0);
      * (1, 0) is the unique global minimum, f* = -A/e, Hessian diag(3A/(e l^2), 2A/w^2)
        (in the rotated frame): strict;
      * every plateau point (t0 < 0, 0) is a local minimum (f >= 0 on the ball of radius
        |t0| l, where g = 0), not strict (f = 0 all along the floor), and sub-optimal by A/e;
      * [PT] holds: from (t0, 0) move by eta w to (t0, eta) (any eta > 0); the segment to
        (1/4, 0) then gradient descent (`pt_path`) is strictly decreasing to the minimum;
        points with s != 0 or t > 0 are already on such paths;
      * [P] fails at the plateau: every path leaving (t0, 0) stays in f >= 0 near it.
    So there is no strict sub-optimal local minimum but there are sub-optimal local minima.

    Claim (what is checked; the existence claim built, and the engine's reading of it):
      (1) no point that the critical-point search lands on and the engine calls
          LOCAL_MINIMUM is sub-optimal: (f - f*) / A <= loss_equal (upper bound);
      (2) at the plateau point p = (plateau_t, 0) (plateau_t in [-2, -1/2]) the engine says
          DEGENERATE_UNDECIDED (a non-strict minimum: singular PSD Hessian and no descent on
          its spheres; LOCAL_MINIMUM, STRICT_SADDLE or DEGENERATE_SADDLE would all be
          wrong); it is a local minimum, (f(p + r v) - f(p)) / A >= -loss_equal on 64
          directions v at radii r = (0.9, 0.3, 0.03) |plateau_t| l (inside the ball where
          g = 0, so the exact difference is A s^2 >= 0 and the slack absorbs rounding);
          and sub-optimal, (f(p) - f*) / A = 1/e (identity, rtol loss_equal);
      (3) the global minimum is found (some LOCAL_MINIMUM with (f - f*) / A <= loss_equal
          within eig_zero * l of z*) and certified: the engine calls z* LOCAL_MINIMUM, and
          no point found lies below f* by more than loss_equal * A (f >= f* is exact:
          s^2 >= 0 and g >= -1/e);
      (4) [PT] at the plateau point, numerically: along `pt_path` from the perturbation
          eta * w (eta log-uniform in [1e-4, 1e-1]), every consecutive difference of f is < 0
          while f - f* > 1e-10 A (below that, float64 rounding of f, ~1e-16 A, and GD's last
          steps meet), and the path ends with (f - f*) / A <= loss_equal.

    How it is checked: `search_and_classify` from `STARTS` starts stratified along the
    valley (t in [-3, 3], one per stratum, s uniform in [-2, 2]) with curvature floor
    A / max(l, w)^2, loss floor A, length scale max(l, w); p and z* are appended to the starts, so the same
    search classifies them (the finder must leave p where it is: moved <= eig_zero * l);
    the path as in (4).
    Margin: the smallest of the parts, each on the scale of `verify.claims.base`: (1) per
    LOCAL_MINIMUM, ``1 - ((f - f*) / A) / loss_equal``; (3) the best searched minimum's
    ``min(1 - ((f - f*) / A) / loss_equal, 1 - (||z - z*|| / l) / eig_zero)`` (-1 when no
    searched point is a LOCAL_MINIMUM), ``1 + (min (f - f*) / A) / loss_equal`` and the type
    of z*; (2) the type of p, ``1 + (min rise / A) / loss_equal``, ``1 - (moved / l) /
    eig_zero`` and ``1 - |(f(p) - f*) / A - 1/e| / (loss_equal / e)``; (4) the strict decrease
    and ``1 - (end gap / A) / loss_equal``. A type test or the strict decrease (decided
    without a tolerance) reads +1 when right and -1 when wrong. Instances: c uniform in [-1, 1]^2, angle uniform in
    [0, 2 pi), l and w log-uniform in [1/2, 2], A log-uniform in [1e-2, 1e2].

    Also noticed: gradient descent from the perturbed point does *not* escape: on t <= 0
    the gradient has no t-component, so it returns to the floor (`gd_from_perturbation`).
    [PT] is about the existence of a path, which is why it says little about local search.

    References:
      [1] Seed 001 (`shared/seeds/001_749c64abaf8f8510.txt`), section 6.3, properties [PT]
          and [P], Figure 6.2, lines 88-104.
      [2] D. Li, T. Ding, R. Sun, Over-Parameterized Deep Neural Networks Have No Strict
          Local Minima For Any Continuous Activations, arXiv:1812.11039 (2018).
      [3] X.-H. Yu, G.-A. Chen, On the local minima free condition of backpropagation
          learning, IEEE Trans. Neural Networks 6(5), 1995 (the result [2] corrects).

    Example:
      >>> from verify import get_claim, verdict
      >>> import jax
      >>> claim = get_claim("overparam/pt-not-p")
      >>> verdict(claim.check_instance(claim.generate(jax.random.PRNGKey(0))))
      'holds'
    """

    id = "overparam/pt-not-p"
    source = f"Lecture notes 6.3, properties [PT] and [P], Fig. 6.2; Li, Ding & Sun 2018 ({SEED_001})"
    statement = (
        "Property [PT] (from every point, an arbitrarily small perturbation and then a "
        "strictly decreasing path reach a global minimum) does not imply [P] (a strictly "
        "decreasing path from every point): the explicit smooth function A(s^2 + g(t)), "
        "g(t) = e^{-1/t}(t - 2) for t > 0 and 0 otherwise, has [PT] and hence no strict "
        "sub-optimal local minimum, yet every point (t < 0, s = 0) is a non-strict "
        "sub-optimal local minimum; the engine calls no sub-optimal point a strict minimum, "
        "calls the plateau point degenerate-undecided and certifies the global minimum."
    )
    kind = "existence"
    params = ({"starts": STARTS},)

    def generate(self, key, starts=STARTS):
        validate_positive_int("starts", starts, minimum=2)
        # All randomness from one uniform draw, sliced (one threefry graph to compile).
        u = jax.random.uniform(key, (8 + 2 * starts,))
        log_uniform = lambda v, lo, hi: jnp.exp(jnp.log(lo) + (jnp.log(hi) - jnp.log(lo)) * v)
        instance = {
            "center": -1.0 + 2.0 * u[0:2],
            "angle": 2.0 * jnp.pi * u[2],
            "scales": log_uniform(u[3:5], 0.5, 2.0),
            "amplitude": log_uniform(u[5], 1e-2, 1e2),
            "plateau_t": -2.0 + 1.5 * u[6],
            "eta": log_uniform(u[7], 1e-4, 1e-1),
        }
        # One start per stratum of t in [-3, 3], so that the plateau, its edge and the
        # descending side are all searched on every instance; s uniform in [-2, 2].
        t = -3.0 + 6.0 * (jnp.arange(starts) + u[8 : 8 + starts]) / starts
        s = -2.0 + 4.0 * u[8 + starts :]
        instance["starts"] = pt_to_plane(instance, t, s)
        return instance

    def validate(self, instance):
        super().validate(instance)
        problems = []
        shapes = {"center": (2,), "angle": (), "scales": (2,), "amplitude": (), "plateau_t": (), "eta": ()}
        for name, shape in shapes.items():
            if name not in instance:
                problems.append(f"{name} is missing (expected shape {shape})")
            elif tuple(np.shape(instance[name])) != shape:
                problems.append(f"{name} must have shape {shape}; got {tuple(np.shape(instance[name]))}")
        if "starts" not in instance or np.ndim(instance["starts"]) != 2 or np.shape(instance["starts"])[1] != 2:
            got = np.shape(instance["starts"]) if "starts" in instance else "nothing"
            problems.append(f"starts must have shape (k, 2); got {got}")
        raise_problems(problems)  # the shapes first: the values below index them
        scales = np.asarray(instance["scales"])
        if np.any(scales <= 0):
            problems.append(f"scales (l, w) must be positive; got {scales.tolist()}")
        if float(instance["amplitude"]) <= 0:
            problems.append(f"amplitude must be positive; got {float(instance['amplitude']):.3g}")
        if not float(instance["plateau_t"]) < 0:
            problems.append(
                f"plateau_t must be negative (the point must be on the plateau t < 0); "
                f"got {float(instance['plateau_t']):.3g}"
            )
        if float(instance["eta"]) <= 0:
            problems.append(f"eta must be positive (a perturbation off the floor); got {float(instance['eta']):.3g}")
        raise_problems(problems)

    def check(self, instance):
        amp = instance["amplitude"]
        l, w = instance["scales"][0], instance["scales"][1]
        big = jnp.maximum(l, w)
        loss = pt_loss_function(instance)
        scales = dict(curvature_floor=amp / big**2, loss_floor=amp, length_scale=big)
        z_star, f_star = pt_global_minimum(instance)

        # (1) and (3): the search. The two known points (the plateau point p and z*) are
        # appended as starts, so that they are classified by the same compiled search (one
        # compilation, not two). A finder stays at a point whose gradient is zero; p gets
        # an even index, i.e. Levenberg-Marquardt, whose step (H^2 + mu I)^{-1} H g has no
        # component along the flat direction (saddle-free Newton's (|H| + mu I)^{-1} g
        # would divide rounding noise there by mu ~ ||g|| and could slide along the floor).
        p = pt_plateau_point(instance)
        k = instance["starts"].shape[0]
        k_p = k + (k % 2)  # the first even index after the starts
        pad = jnp.broadcast_to(p, (k_p - k, 2))
        starts = jnp.concatenate([instance["starts"], pad, p[None], z_star[None]])
        points, c = search_and_classify(loss, starts, FINDER_STEPS, **scales)
        at_p = jax.tree_util.tree_map(lambda a: a[k_p], c)
        at_star = jax.tree_util.tree_map(lambda a: a[k_p + 1], c)
        p_moved = jnp.linalg.norm(points[k_p] - p) / l
        gap = (c.loss - f_star) / amp
        minima = c.point_type == PointType.LOCAL_MINIMUM
        searched = jnp.arange(starts.shape[0]) < k
        no_bad_strict = Evidence(
            margin=min_over(minima, tolerance_margin(gap, TOLERANCES["loss_equal"])),
            conclusive=jnp.all(c.point_type != PointType.INCONCLUSIVE),
            measured={
                **type_counts(jax.tree_util.tree_map(lambda a: a[:k], c)),
                "max_gap_at_strict_minima": jnp.max(jnp.where(minima, gap, 0.0)),
            },
        )
        dist = jnp.linalg.norm(points - z_star, axis=1) / l
        # per point: at the global value and at z* (both within their tolerances)
        at_global = jnp.minimum(tolerance_margin(gap, TOLERANCES["loss_equal"]),
                                tolerance_margin(dist, TOLERANCES["eig_zero"]))
        found_mask = minima & searched
        # some searched LOCAL_MINIMUM is the global minimum: the best of them; none at all
        # is a failed yes/no condition
        best_found = jnp.where(jnp.any(found_mask), jnp.max(jnp.where(found_mask, at_global, -jnp.inf)),
                               flag_margin(False))
        star_ok = flag_margin(at_star.point_type == PointType.LOCAL_MINIMUM)
        # f >= f* exactly; rounding may put a point below it by loss_equal
        below = compare(jnp.min(gap), 0.0, "lower", TOLERANCES["loss_equal"], name="min_gap_found")
        global_found = Evidence(
            margin=jnp.min(jnp.stack([best_found, star_ok, below.margin])),
            conclusive=at_star.point_type != PointType.INCONCLUSIVE,
            measured={
                "n_global_found": jnp.sum(found_mask & (at_global >= 0)).astype(jnp.float64),
                "lambda_min_at_global": at_star.lambda_min,
                "min_gap_found": jnp.min(gap),
            },
        )

        # (2): the plateau point.
        type_ok = flag_margin(at_p.point_type == PointType.DEGENERATE_UNDECIDED)
        radii = jnp.array([0.9, 0.3, 0.03]) * (-instance["plateau_t"]) * l
        angles = jnp.linspace(0.0, 2.0 * jnp.pi, 64, endpoint=False)
        dirs = jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=1)
        f_p = loss(p)
        rise = jax.vmap(lambda r: jax.vmap(lambda d: loss(p + r * d))(dirs))(radii) - f_p
        # f(p + r v) >= f(p) exactly (A s^2 >= 0 inside the ball); rounding may break it by loss_equal
        local_min = tolerance_margin(-jnp.min(rise) / amp, TOLERANCES["loss_equal"])
        stayed = tolerance_margin(p_moved, TOLERANCES["eig_zero"])
        plateau = all_of(
            Evidence(
                margin=jnp.min(jnp.stack([type_ok, local_min, stayed])),
                conclusive=at_p.point_type != PointType.INCONCLUSIVE,
                measured={
                    "plateau_point_type": at_p.point_type.astype(jnp.float64),
                    "plateau_lambda_min": at_p.lambda_min / at_p.hess_scale,
                    "plateau_sphere_drop": at_p.sphere_drop,
                    "plateau_min_rise": jnp.min(rise) / amp,
                    "plateau_point_moved": p_moved,
                },
            ),
            compare((f_p - f_star) / amp, -PROFILE_MIN, "identity", TOLERANCES["loss_equal"],
                    -PROFILE_MIN, name="plateau_gap"),
        )

        # (4): [PT], the path from the perturbed plateau point.
        _, losses = pt_path(instance)
        above = (losses[:-1] - f_star) > 1e-10 * amp
        steps_rel = (losses[1:] - losses[:-1]) / amp
        worst_step = jnp.max(jnp.where(above, steps_rel, -jnp.inf))
        end_gap = (losses[-1] - f_star) / amp
        path = Evidence(
            # strict decrease is decided exactly (a step of 0 breaks it): a yes/no condition
            margin=jnp.minimum(flag_margin(worst_step < 0), tolerance_margin(end_gap, TOLERANCES["loss_equal"])),
            conclusive=jnp.asarray(True),
            measured={
                "path_start_gap": (losses[0] - f_star) / amp,
                "path_end_gap": end_gap,
                "path_largest_step": worst_step,
                "eta": instance["eta"],
            },
        )
        return all_of(no_bad_strict, global_found, plateau, path)

    def margin_cases(self):
        # A fixed instance (valley turned by 0.7 rad, l = 1.3, w = 0.6, A = 3), starts in 16
        # strata of t in [-3, 3]; `plateau` moves every start onto the plateau t < 0.
        fixed = {"center": [0.2, -0.4], "angle": 0.7, "scales": [1.3, 0.6], "amplitude": 3.0,
                 "plateau_t": -1.0, "eta": 1e-3}
        fixed = {k: jnp.asarray(v, jnp.float64) for k, v in fixed.items()}
        t = -3.0 + 6.0 * (jnp.arange(STARTS) + 0.5) / STARTS
        s = jnp.where(jnp.arange(STARTS) % 2 == 0, 0.7, -1.3)
        on_plateau = -0.5 - 2.5 * (jnp.arange(STARTS) + 0.5) / STARTS
        return (
            # every part is an exact agreement up to rounding: f at a found minimum and f*
            # differ by ~1e-16 A (1e-7 of loss_equal), the finder leaves p in place
            MarginCase("A = 3, l = 1.3, w = 0.6, plateau_t = -1: every part holds exactly: 1",
                       {**fixed, "starts": pt_to_plane(fixed, t, s)}, 1.0, 1e-3),
            # On t < 0 the gradient has no t-component: no start leaves the plateau, so no
            # searched point is the global minimum (z* itself is appended, not searched).
            MarginCase("every start on the plateau (t in [-3, -1/2]): the global minimum is not "
                       "found by the search: -1",
                       {**fixed, "starts": pt_to_plane(fixed, on_plateau, s)}, -1.0, 1e-9),
        )
