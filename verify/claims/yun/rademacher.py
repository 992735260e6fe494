"""Yun, Sra & Jadbabaie (seed 004, the poster's last section): the Rademacher complexity of
near-identity ReLU ResNets is at most e^2 max_i ||x_i|| / sqrt(n), whatever the depth.

For the ReLU ResNet h_l = h_{l-1} + V_l ReLU(U_l h_{l-1}) (l = 1..L), f_theta = w^T h_L, and
the class

    F_L = { f_theta : ||w|| <= 1, ||V_l||_F <= 1/sqrt(L), ||U_l||_F <= 1/sqrt(L) },

the poster ("Theorem (informal)") states, for every data set S = {x_1..x_n},

    Rad(F_L|S) = E_sigma sup_{f in F_L} (1/n) sum_i sigma_i f(x_i) <= e^2 max_i ||x_i|| / sqrt(n)

(an upper bound, independent of L and of the widths). Our reading of the constant: each
block is (1/L)-Lipschitz (||V_l||_2 ||U_l||_2 <= 1/L), and (1 + 1/L)^(2L) <= e^2; the paper's
intermediate constant is not quoted here (its section on near-identity regions cannot be
read here).

The numerical estimate (`rademacher_lower_estimate`) is a LOWER estimate of Rad: for K
random sign vectors sigma_k it maximises (1/n) sum_i sigma_ik f(x_i) over F_L by projected
gradient ascent (optax.adam on variables normalised to the unit balls, projection onto the
balls after every step) from several restarts, one of them the best linear predictor
(V = 0, w = X^T sigma / ||X^T sigma||), and keeps S_k, the largest value seen on any
(feasible) iterate (`rademacher_sup_estimates`). S_k <= sup_f for that sigma_k, so
mean_k S_k estimates a number <= Rad without bias. Its error is two-sided sampling noise over
sigma (standard error sd(S) / sqrt(K), reported) plus a one-sided optimisation gap (unknown,
>= 0). It is at least the linear class's value E_sigma ||X^T sigma|| / n (exactly, sigma by
sigma). The claim is refuted only when the one-sided normal interval mean - z SE (z for the
false-alarm rate `verify.statistics.FALSE_ALARM`) exceeds the bound. `rademacher_by_depth`
returns the estimate for a list of depths (for the notebook's plot of the estimate against
L; the README gives measured values: the estimate levels off with depth, far below the
bound).

References:
  [1] C. Yun, S. Sra, A. Jadbabaie. Are deep ResNets provably better than linear
      predictors? NeurIPS 2019, arXiv:1907.03922 (v2): the section on near-identity regions,
      Rademacher complexity (its theorem number is not quoted here).
  [2] The poster of [1], the seed ``shared/seeds/004_b91220a50cbb67a9.txt``, section
      "Near-identity Regions of ResNets", second "Theorem (informal)".
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from verify.claims._common import draws, raise_problems, validate_positive_int
from verify.claims.base import Claim, Evidence, MarginCase, flag_margin, register, tolerance_margin
from verify.claims.yun.model import SEED_004
from verify.errors import InvalidInstanceError
from verify.statistics import DETECTABLE, FALSE_ALARM, z_value
from verify.tolerances import TOLERANCES

__all__ = [
    "relu_resnet",
    "project_onto_class",
    "rademacher_bound",
    "rademacher_function_bound",
    "ASCENT_STEPS",
    "ASCENT_LR",
    "rademacher_sup_estimates",
    "rademacher_lower_estimate",
    "rademacher_by_depth",
    "RADEMACHER_SIGNS",
    "RADEMACHER_RESTARTS",
    "RademacherComplexity",
]

# ------------------------------------------------------------------ the class and its bounds


def relu_resnet(x, w, V, U):
    """f(x_i) = w^T h_L(x_i) for every row of x (n, d), h_l = h_{l-1} + V_l ReLU(U_l h_{l-1});
    V: (L, d, m), U: (L, m, d)."""

    def block(h, vu):
        v, u = vu
        return h + jax.nn.relu(h @ u.T) @ v.T, None

    h, _ = jax.lax.scan(block, x, (V, U))
    return h @ w


def _ball(z, radius, axes):
    """Euclidean projection of z onto {||z|| <= radius} (norm over `axes`; radius >= 0)."""
    norm = jnp.sqrt(jnp.sum(z * z, axis=axes, keepdims=True))
    return z * jnp.where(norm > radius, radius / jnp.where(norm > 0, norm, 1.0), 1.0)


def project_onto_class(w, V, U, block_radius=None):
    """Project (w, V, U) onto F_L's parameter set: ||w|| <= 1, each ||V_l||_F and ||U_l||_F
    <= block_radius (default 1/sqrt(L)). Each is a projection onto a ball, and the set is
    their product, so this is the Euclidean projection onto the set."""
    L = V.shape[0]
    r = 1.0 / math.sqrt(L) if block_radius is None else block_radius
    return _ball(w, 1.0, (0,)), _ball(V, r, (1, 2)), _ball(U, r, (1, 2))


def rademacher_bound(x):
    """The poster's bound e^2 max_i ||x_i|| / sqrt(n) on the empirical Rademacher complexity."""
    n = x.shape[0]
    return math.e**2 * jnp.max(jnp.linalg.norm(x, axis=1)) / jnp.sqrt(n)


def rademacher_function_bound(x, L):
    """(1/n) sum_i (1 + 1/L)^L ||x_i||: sup over F_L of (1/n) sum_i sigma_i f(x_i) for ANY
    signs is at most this (|f(x)| <= ||h_L(x)|| <= (1 + 1/L)^L ||x||, each block being
    (1/L)-Lipschitz with value 0 at 0)."""
    return jnp.exp(L * jnp.log1p(1.0 / L)) * jnp.mean(jnp.linalg.norm(x, axis=1))


#: Projected gradient ascent: steps and Adam's step size on the normalised variables.
ASCENT_STEPS = 150
ASCENT_LR = 0.05


def _ascent(x, sigma, w0, V0, U0, steps, block_radius):
    """max over the iterates of projected Adam ascent on (1/n) sum_i sigma_i f(x_i).

    Variables are normalised: w, V/r, U/r in unit balls (r = block_radius), so one step size
    fits every depth. Every iterate is feasible, so the maximum is a value attained in F_L."""
    n = x.shape[0]
    r = block_radius

    def objective(p):
        w, v, u = p
        return jnp.dot(sigma, relu_resnet(x, w, r * v, r * u)) / n

    def project(p):
        w, v, u = p
        return _ball(w, 1.0, (0,)), _ball(v, 1.0, (1, 2)), _ball(u, 1.0, (1, 2))

    opt = optax.adam(ASCENT_LR)
    p0 = project((w0, V0, U0))
    grad = jax.grad(objective)

    def step(carry, _):
        p, state, best = carry
        g = grad(p)
        updates, state = opt.update(jax.tree_util.tree_map(jnp.negative, g), state, p)
        p = project(optax.apply_updates(p, updates))
        return (p, state, jnp.maximum(best, objective(p))), None

    (p, _, best), _ = jax.lax.scan(step, (p0, opt.init(p0), objective(p0)), None, length=steps)
    return best


def _restart_table(x, sigma, w0, V0, U0, steps, block_radius):
    """The best value of every restart of every sign vector, (K, R), and ||X^T sigma_k|| / n."""
    n = x.shape[0]
    xs = sigma @ x  # (K, d): X^T sigma_k
    # ||v|| as s ||v / s||, s = max |v_i|: no underflow of the squares for tiny data (found
    # by Hypothesis: entries ~1e-197 gave ||X^T sigma|| = 0 and a wrong linear start)
    big = jnp.max(jnp.abs(xs), axis=1, keepdims=True)
    safe = jnp.where(big > 0, big, 1.0)
    norm = big * jnp.linalg.norm(xs / safe, axis=1, keepdims=True)
    w_lin = jnp.where(big > 0, (xs / safe) / jnp.linalg.norm(xs / safe, axis=1, keepdims=True), 0.0)
    w0 = w0.at[:, 0].set(w_lin)
    V0 = V0.at[:, 0].set(0.0)
    run = jax.vmap(jax.vmap(_ascent, in_axes=(None, None, 0, 0, 0, None, None)),
                   in_axes=(None, 0, 0, 0, 0, None, None))
    best = run(x, sigma, w0, V0, U0, steps, block_radius)  # (K, R)
    return best, norm[:, 0] / n


def _sup_estimates(x, sigma, w0, V0, U0, steps, block_radius):
    """S_k for every sign vector sigma_k (rows of sigma, (K, n)): the best value over the
    restarts (w0 (K, R, d), V0 (K, R, L, d, m), U0 (K, R, L, m, d)); restart 0 is replaced by
    the best linear predictor (V = 0, w = X^T sigma / ||X^T sigma||). Returns (S, linear)
    with linear_k = ||X^T sigma_k|| / n, the linear class's supremum."""
    best, lin = _restart_table(x, sigma, w0, V0, U0, steps, block_radius)
    return jnp.max(best, axis=1), lin


#: `_sup_estimates`, jitted (`steps` static): S_k and ||X^T sigma_k|| / n for every sign vector.
rademacher_sup_estimates = jax.jit(_sup_estimates, static_argnums=(5,))


def rademacher_lower_estimate(key, x, L, width=4, n_sigma=32, restarts=3, steps=ASCENT_STEPS,
                              block_radius=None, false_alarm=FALSE_ALARM):
    """A lower estimate of the empirical Rademacher complexity of F_L on the rows of x.

    Args:
      key: PRNG key (signs and restarts).
      x: (n, d) data.
      L: depth (>= 1); width: the hidden width m of each block (>= 1).
      n_sigma: sign vectors K (>= 2, for the standard error); restarts: ascents per sign
        vector (>= 1; the first is the best linear predictor); steps: ascent steps (>= 1).
      block_radius: the radius of the Frobenius balls of V_l and U_l (default 1/sqrt(L), the
        class F_L; 0 gives the linear class {w^T x : ||w|| <= 1}).
      false_alarm: the one-sided rate of the interval's ends.

    Returns a dict of float64 arrays: ``estimate`` (mean_k S_k), ``std_error`` (sd(S)/sqrt(K):
    sampling error over sigma only; the optimisation gap is one-sided, >= 0, unknown),
    ``lower`` and ``upper`` (estimate -+ z SE, z one-sided for `false_alarm`), ``linear``
    (mean_k ||X^T sigma_k|| / n, the same signs' estimate for the linear class),
    ``bound`` (e^2 max ||x_i|| / sqrt n), ``per_sigma`` (S_k), ``L``, ``n_sigma``.
    """
    x = jnp.asarray(x, jnp.float64)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise InvalidInstanceError(f"x must have shape (n, d) with n, d >= 1; got shape {tuple(x.shape)}")
    L = validate_positive_int("L", L, "the number of residual blocks")
    m = validate_positive_int("width", width, "the hidden width of each block")
    K = validate_positive_int("n_sigma", n_sigma, "the number of sign vectors")
    if K < 2:
        raise InvalidInstanceError(f"n_sigma must be >= 2 (the standard error needs two sign vectors); got {K}")
    R = validate_positive_int("restarts", restarts, "ascents per sign vector")
    steps = validate_positive_int("steps", steps, "ascent steps")
    if block_radius is not None and not (float(block_radius) >= 0):
        raise InvalidInstanceError(f"block_radius must be >= 0; got {block_radius!r}")
    n, d = x.shape
    ks, kw, kv, ku = jax.random.split(key, 4)
    sigma = jnp.where(jax.random.bernoulli(ks, 0.5, (K, n)), 1.0, -1.0)
    w0 = jax.random.normal(kw, (K, R, d)) / math.sqrt(d)
    V0 = jax.random.normal(kv, (K, R, L, d, m)) / math.sqrt(d * m)
    U0 = jax.random.normal(ku, (K, R, L, m, d)) / math.sqrt(d * m)
    r = 1.0 / math.sqrt(L) if block_radius is None else float(block_radius)
    S, lin = rademacher_sup_estimates(x, sigma, w0, V0, U0, steps, r)
    mean, se = jnp.mean(S), jnp.std(S, ddof=1) / math.sqrt(K)
    z = z_value(2.0 * false_alarm)
    return {
        "estimate": mean,
        "std_error": se,
        "lower": mean - z * se,
        "upper": mean + z * se,
        "linear": jnp.mean(lin),
        "bound": rademacher_bound(x),
        "per_sigma": S,
        "L": jnp.asarray(float(L)),
        "n_sigma": jnp.asarray(float(K)),
    }


def rademacher_by_depth(key, x, depths, width=4, n_sigma=32, restarts=3, steps=ASCENT_STEPS):
    """`rademacher_lower_estimate` for every depth in `depths` with the SAME sign vectors
    (the key is shared), so the differences between depths are not sampling noise over sigma.
    Returns a list of dicts (one per depth, in order) for a plot of the estimate against L."""
    depths = list(depths)
    if not depths:
        raise InvalidInstanceError("depths must hold at least one depth L >= 1; got an empty list")
    for L in depths:
        validate_positive_int("depths", L, "each one a number of residual blocks")
    return [rademacher_lower_estimate(key, x, L, width, n_sigma, restarts, steps) for L in depths]


#: Sign vectors and restarts per instance of `RademacherComplexity`.
RADEMACHER_SIGNS, RADEMACHER_RESTARTS = 32, 3


@register
class RademacherComplexity(Claim):
    """The near-identity ReLU ResNet class F_L has empirical Rademacher complexity <= e^2 max||x_i|| / sqrt n.

    Setting (seed 004, "Near-identity Regions of ResNets"): data S = {x_1..x_n} in R^d;
    h_0 = x, h_l = h_{l-1} + V_l ReLU(U_l h_{l-1}) (l = 1..L), f_theta(x) = w^T h_L(x),
    V_l in R^{d x m}, U_l in R^{m x d}; the class
    F_L = {f_theta : ||w|| <= 1, ||V_l||_F <= 1/sqrt(L), ||U_l||_F <= 1/sqrt(L)}.

    Claim (upper bound, the poster's second "Theorem (informal)"): for every S,
    Rad(F_L|S) = E_sigma sup_{f in F_L} (1/n) sum_i sigma_i f(x_i) <= e^2 max_i ||x_i|| / sqrt(n),
    independent of L and m.

    Check: a LOWER estimate of Rad (`rademacher_lower_estimate`'s method, module docstring):
    `RADEMACHER_SIGNS` sign vectors, for each the best of `RADEMACHER_RESTARTS` projected
    Adam ascents of `ASCENT_STEPS` steps (the first from the best linear predictor). Refuted
    only when the one-sided interval's lower end, mean - z SE (z for
    `verify.statistics.FALSE_ALARM` one-sided, normal approximation; S_k is bounded, see
    below), exceeds the bound. Two deterministic facts are checked sign vector by sign vector
    (relative to (1/n) sum_i (1 + 1/L)^L ||x_i||, tolerance
    TOLERANCES["yun_rademacher_deterministic"]): S_k >= ||X^T sigma_k|| / n (the linear
    class is inside F_L) and S_k <= (1/n) sum_i (1 + 1/L)^L ||x_i|| (no function of F_L
    exceeds (1 + 1/L)^L ||x||, so S_k is bounded and the normal interval is reasonable);
    a failure of either is a bug in the estimator, not a statement about the theorem, and
    makes the instance inconclusive (their margins are reported as ``sanity_margin_*``).
    Measured: the estimate, its standard error (sampling over sigma), the linear class's
    estimate, the bound and their ratios, and two signs of the optimisation gap: the mean
    spread between the random restarts' values (relative to the estimate) and the fraction
    of sign vectors whose best value came from the ascent started at the best linear
    predictor.

    Margin: 1 - (estimate - bound) / (z SE), the interval's half-width as the tolerance (as
    `verify.statistics` does): 1 when the estimate equals the bound, 0 when the interval's
    lower end does, above 1 by the slack in half-widths. A degenerate interval (SE = 0, every
    S_k equal) compares exactly: +1 when estimate <= bound, -1 otherwise (`flag_margin`).

    Instances: x ~ N(0, I_d) times a scale log-uniform in [0.1, 10] (the class is positively
    homogeneous, so the ratio to the bound does not depend on the scale), L in {2, 8}.

    References: [1] Yun, Sra & Jadbabaie, arXiv:1907.03922, section on near-identity regions,
    the Rademacher complexity theorem (its number is not quoted here: module docstring);
    [2] seed `shared/seeds/004_b91220a50cbb67a9.txt` (poster), "Near-identity Regions of
    ResNets", second "Theorem (informal)".
    """

    test_name = ("one-sided normal (CLT) interval on the mean over sign draws of the maximised "
                 "correlation, against the bound")

    id = "yun/rademacher"
    source = (
        "Yun, Sra & Jadbabaie 2019 (arXiv:1907.03922), near-identity regions, Rademacher "
        f"complexity; poster's second informal theorem of that section ({SEED_004})"
    )
    statement = (
        "For h_l = h_{l-1} + V_l ReLU(U_l h_{l-1}) (l = 1..L), f = w^T h_L and the class "
        "F_L = {||w|| <= 1, ||V_l||_F <= 1/sqrt(L), ||U_l||_F <= 1/sqrt(L)}, the empirical "
        "Rademacher complexity on any x_1..x_n is at most e^2 max_i ||x_i|| / sqrt(n), for every "
        "L and width (checked with a lower estimate of the supremum, refuted only when a "
        "one-sided confidence interval lies above the bound)."
    )
    kind = "statistical"
    params = ({"n": 16, "d": 4, "L": 2, "m": 4}, {"n": 16, "d": 4, "L": 8, "m": 4})

    def generate(self, key, n=16, d=4, L=2, m=4):
        n = validate_positive_int("n", n, "the number of examples")
        d = validate_positive_int("d", d, "the input dimension")
        L = validate_positive_int("L", L, "the number of residual blocks")
        m = validate_positive_int("m", m, "the width of each block")
        K, R = RADEMACHER_SIGNS, RADEMACHER_RESTARTS
        sizes = [n * d, K * R * d, K * R * L * d * m, K * R * L * m * d]
        z, u, _ = draws(key, sum(sizes), K * n + 1)
        parts = np.cumsum([0] + sizes)
        x = z[parts[0] : parts[1]].reshape(n, d) * jnp.exp(jnp.log(10.0) * (2.0 * u[-1] - 1.0))
        return {
            "x": x,
            "sigma": jnp.where(u[: K * n] < 0.5, 1.0, -1.0).astype(jnp.float64).reshape(K, n),
            "w0": z[parts[1] : parts[2]].reshape(K, R, d) / math.sqrt(d),
            "V0": z[parts[2] : parts[3]].reshape(K, R, L, d, m) / math.sqrt(d * m),
            "U0": z[parts[3] : parts[4]].reshape(K, R, L, m, d) / math.sqrt(d * m),
        }

    def validate(self, instance):
        super().validate(instance)
        names = ("x", "sigma", "w0", "V0", "U0")
        missing = [k for k in names if k not in instance]
        raise_problems(f"instance must hold {k!r} (one of {list(names)}); it is missing" for k in missing)
        _shape = lambda name: tuple(np.shape(instance[name]))  # noqa: E731
        problems = []
        xs = _shape("x")
        if len(xs) != 2 or xs[0] < 1 or xs[1] < 1:
            raise_problems([f"x must have shape (n, d) with n, d >= 1; got shape {xs}"])
        n, d = xs
        ss = _shape("sigma")
        if len(ss) != 2 or ss[1] != n or ss[0] < 2:
            problems.append(f"sigma must have shape (K, n) = (K, {n}) with K >= 2 sign vectors; got shape {ss}")
        else:
            s = np.asarray(instance["sigma"], dtype=np.float64)
            bad = s[np.abs(s) != 1.0]
            if bad.size:
                problems.append(f"sigma must hold signs -1 and +1; got {bad.size} other values, e.g. {float(bad[0])!r}")
        K = ss[0] if len(ss) == 2 else None
        ws, vs, us = _shape("w0"), _shape("V0"), _shape("U0")
        if len(ws) != 3 or ws[0] != K or ws[1] < 1 or ws[2] != d:
            problems.append(f"w0 must have shape (K, R, d) = ({K}, R, {d}) with R >= 1 restarts; got shape {ws}")
        if len(vs) != 5 or vs[:2] != ws[:2] or vs[2] < 1 or vs[3] != d or vs[4] < 1:
            problems.append(
                f"V0 must have shape (K, R, L, d, m) = ({K}, R, L, {d}, m) with L >= 1 blocks and "
                f"width m >= 1, K and R as in w0 {ws}; got shape {vs}"
            )
        elif len(us) != 5 or us != vs[:3] + (vs[4], d):
            problems.append(
                f"U0 must have shape (K, R, L, m, d) = {vs[:3] + (vs[4], d)} to match V0 {vs}; got shape {us}"
            )
        raise_problems(problems)

    def check(self, instance):
        x, sigma = instance["x"], instance["sigma"]
        w0, V0, U0 = instance["w0"], instance["V0"], instance["U0"]
        K, L = sigma.shape[0], V0.shape[2]
        table, lin = _restart_table(x, sigma, w0, V0, U0, ASCENT_STEPS, 1.0 / math.sqrt(L))
        S = jnp.max(table, axis=1)
        # how much the random restarts disagree: a sign of the optimisation gap (0 when every
        # restart reaches the same value; restart 0, the linear start, is left out)
        random_runs = table[:, 1:]
        spread = (
            jnp.mean(jnp.max(random_runs, axis=1) - jnp.min(random_runs, axis=1))
            if random_runs.shape[1] >= 2 else jnp.asarray(0.0)
        )
        mean, se = jnp.mean(S), jnp.std(S, ddof=1) / math.sqrt(K)
        half_width = z_value(2.0 * FALSE_ALARM) * se
        bound = rademacher_bound(x)
        # The theorem, with the one-sided interval's half-width as the tolerance (class
        # docstring); a zero-width interval compares exactly.
        margin = jnp.where(
            half_width > 0,
            1.0 - (mean - bound) / jnp.where(half_width > 0, half_width, 1.0),
            flag_margin(mean <= bound),
        )
        tol = TOLERANCES["yun_rademacher_deterministic"]
        cap = rademacher_function_bound(x, L)
        scale = jnp.maximum(cap, jnp.finfo(jnp.float64).tiny)
        # The estimator's two exact properties, on the margin scale; a failure is a bug in the
        # estimator, so it makes the instance inconclusive instead of deciding the theorem.
        above_linear = tolerance_margin(jnp.max(lin - S) / scale, tol)
        below_cap = tolerance_margin((jnp.max(S) - cap) / scale, tol)
        return Evidence(
            margin=margin,
            conclusive=(above_linear >= 0) & (below_cap >= 0),
            measured={
                "interval_lower_end": mean - half_width,
                "interval_half_width": half_width,
                "sanity_margin_above_linear": above_linear,
                "sanity_margin_below_function_bound": below_cap,
                "function_bound": cap,
                "estimate": mean,
                "std_error": se,
                "linear_estimate": jnp.mean(lin),
                "bound": bound,
                "estimate_over_bound": mean / bound,
                "estimate_over_linear": mean / jnp.mean(lin),
                "restart_spread_over_estimate": spread / mean,
                "best_from_linear_start_fraction": jnp.mean((table[:, 0] >= S).astype(jnp.float64)),
                "false_alarm": jnp.asarray(FALSE_ALARM, jnp.float64),
                DETECTABLE: half_width / bound,
                "depth": jnp.asarray(float(L), jnp.float64),
            },
        )

    def margin_cases(self):
        base = {k: np.asarray(v) for k, v in self.generate(jax.random.PRNGKey(0), **self.params[0]).items()}
        # V = U = 0 at every restart: the blocks' gradients carry a zero factor, so Adam leaves
        # them at 0 and F_L acts as the linear class {w^T x : ||w|| <= 1}, whose supremum for
        # sigma_k is ||X^T sigma_k|| / n (attained by the linear start). The margin in closed form:
        x, sigma = base["x"], base["sigma"]
        n, K = x.shape[0], sigma.shape[0]
        S = np.linalg.norm(sigma @ x, axis=1) / n
        half_width = z_value(2.0 * FALSE_ALARM) * np.std(S, ddof=1) / math.sqrt(K)
        bound = math.e**2 * np.max(np.linalg.norm(x, axis=1)) / math.sqrt(n)
        linear = dict(base, V0=np.zeros_like(base["V0"]), U0=np.zeros_like(base["U0"]))
        # One example and two equal sign vectors: both S_k are |x| bit for bit, SE = 0.
        single = {
            "x": np.array([[1.5]]), "sigma": np.ones((2, 1)), "w0": np.ones((2, 1, 1)),
            "V0": np.zeros((2, 1, 1, 1, 1)), "U0": np.zeros((2, 1, 1, 1, 1)),
        }
        return (
            MarginCase(
                "V = U = 0 at every start (the class acts as the linear class): "
                "1 - (mean_k ||X^T sigma_k|| / n - bound) / (z SE), in closed form",
                linear,
                float(1.0 - (np.mean(S) - bound) / half_width),
                # S_k equals its closed form to a few ulps (~1e-15 of it); the margin (~30) moves
                # by ~1e-13 tolerance units.
                atol=1e-6,
            ),
            MarginCase(
                "one example, two equal sign vectors: a zero-width interval, estimate |x| below "
                "the bound e^2 |x|, compared exactly (+1)",
                single,
                1.0,
                atol=1e-12,  # a flag: exactly +1
            ),
        )
