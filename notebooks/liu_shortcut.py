# %% [markdown]
# # Liu et al., *Towards Understanding the Importance of Shortcut Connections*: the spurious optimum, in numbers
#
# This notebook follows seed `shared/seeds/003_af212ce39d233884.txt` (T. Liu, M. Chen, M. Zhou,
# S. S. Du, E. Zhou, T. Zhao, NeurIPS 2019, arXiv:1909.04653v3, sections 1-3) and checks
# its statements numerically with the toolkit, in float64. The setting: inputs
# $Z = (Z_1, \dots, Z_k)$, $Z_j \in \mathbb{R}^p$ i.i.d. $N(0, I_p)$; the teacher
# $g(v^*, a^*, Z) = \sum_j a^*_j\,\sigma(Z_j^\top v^*)$ with $\|v^*\| = 1$ (eq. (4)); the student
# with the average-pooling shortcut $\mathbb{1}/\sqrt p$ and the normalisation of eq. (6),
# $$f(w, a, Z) = \sum_j a_j\,\sigma\Big(Z_j^\top \frac{\mathbb{1}/\sqrt p + w}{\|\mathbb{1}/\sqrt p + w\|}\Big),
# \qquad L(w, a) = \tfrac12\,\mathbb{E}_Z\big(g(v^*, a^*, Z) - f(w, a, Z)\big)^2 \ \text{(eq. (7))}.$$
# $L$ depends on $w$ only through the angle $\theta$ between $\mathbb{1}/\sqrt p + w$ and $v^*$;
# in closed form (Du et al.'s kernel), with $h(\theta) = \sin\theta + (\pi - \theta)\cos\theta$ and
# $M = \mathbb{1}\mathbb{1}^\top + (\pi - 1)I$,
# $$4\pi L = a^\top M a - 2a^\top\big(\mathbb{1}\mathbb{1}^\top + (h(\theta) - 1)I\big)a^* + a^{*\top} M a^*.$$
#
# What is used, from `verify.claims.liu`: `population_loss` (the closed form, with a custom
# derivative of $\arccos$ that is finite at $\theta = 0, \pi$), `monte_carlo_loss`,
# `spurious_output_weights` (the spurious $a$ of Proposition 1), `spurious_curvature`
# ($a_s^\top a^*$, whose sign decides Proposition 1), `normalised_gd` (eq. (8)),
# `step_sizes`, `stage_boundary`, `random_starts` (Du et al.'s random initialisation),
# `trap_probability`; from `verify.statistics`, `wilson_interval`; the registered claims `liu/*` and
# `du/random-init-trap`, each swept with `verify.sweep(claim, n=16, seed=0)` (the same as
# `verify check <id> --n 16 --seed 0`), tabulated at the end.

# %%
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import verify
from verify import get_claim, make_instance
from verify.claims.liu import (TRAP_INTERVAL, monte_carlo_loss, normalised_gd, population_loss,
                               random_starts, spurious_curvature, spurious_output_weights, stage_boundary,
                               step_sizes, trap_probability)
from verify.statistics import FALSE_ALARM, wilson_interval, z_value

from nbhelpers import SweepCache, type_name, verdict_table

T0 = time.perf_counter()
N_SWEEP, SWEEP_SEED = 16, 0
# swept(claim_id): verify.sweep(claim, N_SWEEP, seed=SWEEP_SEED), run once per claim and reused by the
# table at the end; show_sweep(claim_id, keys) prints its verdict, counts, smallest margin and measured numbers.
swept = SweepCache(N_SWEEP, SWEEP_SEED)
show_sweep = swept.show


def condition(a_star):
    # Proposition 1's missing condition (p >= 2): (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi, i.e. a_s^T a* < 0.
    a = np.asarray(a_star, np.float64)
    return float(a.sum()) ** 2 < (len(a) + np.pi - 1) * float(a @ a) / np.pi


def teacher_at_angle(p, angle, seed=0):
    # A unit v* at the given angle from 1/sqrt p (angle pi/3: ||w*|| = 1, the edge of Assumption 1).
    e = np.ones(p) / np.sqrt(p)
    q = np.random.default_rng(seed).normal(size=p)
    q -= (q @ e) * e
    q /= np.linalg.norm(q)
    return jnp.asarray(np.cos(angle) * e + np.sin(angle) * q)


print("verify", verify.__version__, "| jax", jax.__version__, "| default float:", jnp.zeros(1).dtype)

# %% [markdown]
# ## 1. The population loss along the great circle through $v^*$ and $-v^*$
#
# Take $p = 4$, $k = 3$ and two teachers that differ only in $a^*$:
# $a^* = (1, -0.6, 0.8)$, for which $(\mathbb{1}^\top a^*)^2 = 1.44 < (k + \pi - 1)\|a^*\|^2/\pi = 3.27$,
# and $a^* = (1, 1, 1)$, for which $9 > 4.91$. The student's direction runs along the great
# circle $u(\theta) = \cos\theta\, v^* + \sin\theta\, q$ ($q \perp v^*$ a unit vector), i.e.
# $w = u(\theta) - \mathbb{1}/\sqrt p$, with $a$ fixed at the value it has at each optimum of
# Proposition 1: $a = a^*$ (the global optimum, $\theta = 0$) and
# $a = a_s = M^{-1}(\mathbb{1}\mathbb{1}^\top - I)a^*$ (the spurious point, $\theta = \pi$).
# The closed form is compared with a Monte Carlo estimate (16,384 draws of $Z$) at a few angles.

# %%
P, K = 4, 3
V_STAR = teacher_at_angle(P, np.pi / 3, seed=1)
Q = jnp.asarray(np.linalg.svd(np.asarray(V_STAR)[None, :])[2][1])       # a unit vector orthogonal to v*
SHIFT = 1.0 / jnp.sqrt(P)
TEACHERS = {"a* = (1, -0.6, 0.8)": jnp.array([1.0, -0.6, 0.8]), "a* = (1, 1, 1)": jnp.array([1.0, 1.0, 1.0])}


def w_at(theta):
    return jnp.cos(theta) * V_STAR + jnp.sin(theta) * Q - SHIFT


@jax.jit
def loss_on_circle(thetas, a, a_star):
    return jax.vmap(lambda t: population_loss(w_at(t), a, V_STAR, a_star))(thetas)


@jax.jit
def mc_on_circle(keys, thetas, a, a_star):
    est = jax.vmap(lambda kk, t: monte_carlo_loss(kk, w_at(t), a, V_STAR, a_star, 4, 4096))(keys, thetas)
    return est.mean, jnp.sqrt(est.variance / est.samples)


thetas = jnp.linspace(-np.pi, np.pi, 721)            # the curve (its last point is theta = pi)
thetas_mc = jnp.array([0.0, 0.5, 1.5, 2.5, np.pi])
d = jnp.geomspace(1e-3, 1.0, 60)                      # pi - theta, near the spurious point
ALL = jnp.concatenate([thetas, thetas_mc, np.pi - d])  # one shape: one compilation of loss_on_circle
z = z_value(FALSE_ALARM)
fig, axes = plt.subplots(1, 3, figsize=(16, 4.3))
for ax, (name, a_star) in zip(axes[:2], TEACHERS.items()):
    a_s = spurious_output_weights(a_star)
    print(f"{name}: a_s = {np.round(np.asarray(a_s), 4).tolist()}, a_s^T a* = {float(spurious_curvature(a_star)):+.4f}, "
          f"condition (1^T a*)^2 < (k+pi-1)||a*||^2/pi: {condition(a_star)}")
    for a, label, colour in ((a_star, "a = a* (global optimum's a)", "C0"), (a_s, "a = a_s (spurious point's a)", "C3")):
        curve = loss_on_circle(ALL, a, a_star)
        ax.plot(thetas, curve[: len(thetas)], colour, label=label)
        mean, se = mc_on_circle(jax.random.split(jax.random.PRNGKey(1), len(thetas_mc)), thetas_mc, a, a_star)
        closed = curve[len(thetas) : len(thetas) + len(thetas_mc)]
        ax.errorbar(thetas_mc, mean, yerr=z * se, fmt="k.", capsize=3)
        # (at theta = 0 with a = a* every draw is 0 up to rounding: the standard error is floored at 1e-12)
        worst = float(jnp.max(jnp.abs(mean - closed) / jnp.maximum(se, 1e-12)))
        print(f"    {label}: L(0) = {float(closed[0]):.6f}, L(pi) = {float(closed[-1]):.6f}; Monte Carlo at "
              f"{len(thetas_mc)} angles within {worst:.2f} standard errors of the closed form")
    ax.axvline(0, color="gray", lw=0.5)
    ax.set(xlabel=r"$\theta$ = angle between $1/\sqrt{p} + w$ and $v^*$", ylabel="L", title=name)
    ax.legend(fontsize=8)
axes[0].errorbar([], [], yerr=[], fmt="k.", label=f"Monte Carlo, +- {z:.2f} s.e.")
axes[0].legend(fontsize=8)

# Near theta = pi with a = a_s: L - L(pi) = -(a_s^T a*) h / (2 pi), h = sin d - d cos d = d^3/3 - ..., d = pi - theta.
for (name, a_star), colour in zip(TEACHERS.items(), ("C2", "C1")):
    a_s = spurious_output_weights(a_star)
    curve = loss_on_circle(ALL, a_s, a_star)
    excess = curve[-len(d) :] - curve[len(thetas) - 1]     # L(pi - d) - L(pi)
    cubic = -spurious_curvature(a_star) * d**3 / (6 * np.pi)
    sign = "rises" if float(excess[0]) > 0 else "falls"
    axes[2].loglog(d, jnp.abs(excess), colour, lw=2, label=f"{name}: L {sign} away from -v*")
    axes[2].loglog(d, jnp.abs(cubic), "k:", lw=1)
    print(f"{name}: (L(pi - d) - L(pi)) / (-(a_s^T a*) d^3 / (6 pi)) at d = 1e-3: {float(excess[0] / cubic[0]):.6f}")
axes[2].plot([], [], "k:", label=r"$|a_s^\top a^*|\, d^3 / (6\pi)$")
axes[2].set(xlabel=r"$d = \pi - \theta$", ylabel=r"$|L(\pi - d) - L(\pi)|$ at $a = a_s$",
            title="near the spurious point: cubic, sign of $-a_s^\\top a^*$")
axes[2].legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# What the plots show. At $a = a^*$ the loss is 0 at $\theta = 0$ and grows with $|\theta|$. At
# $a = a_s$ the loss is flat at $\theta = \pi$ (it is stationary there: $h'(\pi) = 0$), and
# *flat to second order*: $h(\pi - d) = \sin d - d\cos d = d^3/3 - \dots$, so
# $L(\pi - d) - L(\pi) \approx -(a_s^\top a^*)\,d^3/(6\pi)$, the dotted line on the right. For
# $a^* = (1, -0.6, 0.8)$, $a_s^\top a^* < 0$ and the loss rises away from $-v^*$; for
# $a^* = (1, 1, 1)$, $a_s^\top a^* > 0$ and it *falls*: the "spurious local optimum" of
# Proposition 1 is then not a local minimum at all. The Hessian cannot see this (it vanishes
# along the sphere at $-v^*$); the third-order term decides. Minimising over $a$ as well
# changes only the $O(d^6)$ term (derived in `spurious_curvature`), so the spurious point is a
# local minimum iff $a_s^\top a^* < 0$, that is (for $p \ge 2$)
# $$(\mathbb{1}^\top a^*)^2 < \frac{k + \pi - 1}{\pi}\,\|a^*\|^2,$$
# a condition the seed does not print. (For $p = 1$ the "sphere" is two points and the spurious
# point is always a strict local minimum modulo scaling; for $k = 1$, $a_s = 0$ and the point is
# a saddle of sixth order.)
#
# The claim `liu/population-loss` checks the closed form against Monte Carlo (8,192 draws, an
# interval at false-alarm rate $10^{-6}$) on random instances, and that its gradient and
# Hessian are finite, and equal to their closed form, where $\mathbb{1}/\sqrt p + w$ is parallel
# or antiparallel to $v^*$ (autodiff through $\arccos$ gives NaN there):

# %%
show_sweep("liu/population-loss")

# %% [markdown]
# ## 2. Proposition 1: the two optima, as the engine classifies them
#
# **Proposition 1** (as printed). For any $\alpha > 0$, $(w, a)$ with
# $\mathbb{1}/\sqrt p + w = \alpha v^*$, $a = a^*$ is a global optimum of (7); $(w, a)$ with
# $\mathbb{1}/\sqrt p + w = -\alpha v^*$, $a = (\mathbb{1}\mathbb{1}^\top + (\pi - 1)I)^{-1}(\mathbb{1}\mathbb{1}^\top - I)a^*$
# is a spurious local optimum.
#
# The claim `liu/optima` checks both points with the engine's `classify`, modulo the scaling
# symmetry $\mathbb{1}/\sqrt p + w \mapsto t(\mathbb{1}/\sqrt p + w)$: the gradient must vanish, the
# global point must be a local minimum with $L = 0$, and at the spurious point ($L > 0$) no
# descent may be found, with the higher-order test (a search for descent on small spheres)
# since its Hessian is singular there. Below, `check_instance` on six teachers at $p = k = 3$:
# four fixed ones, and two of the form $a^* = s\,\mathbb{1}/k + a_\perp$ ($a_\perp \perp \mathbb{1}$)
# with $s$ at 0.95 and 1.05 times the largest $|s|$ the condition allows,
# $s_{\max} = \|a_\perp\|\sqrt{k(k + \pi - 1)/((k - 1)(\pi - 1))}$.

# %%
optima = get_claim("liu/optima")
v3 = teacher_at_angle(3, 1.0, seed=2)
perp = np.array([1.0, -0.4, -0.6])                      # sums to 0
s_max = np.linalg.norm(perp) * np.sqrt(3 * (3 + np.pi - 1) / (2 * (np.pi - 1)))
cases = [(np.array([1.0, -1.0, 0.5]), 1.0), (np.array([2.0, -1.0, 0.5]), 2.5), (np.array([1.0, 1.0, 1.0]), 1.0),
         (np.array([1.0, 1.0, 0.2]), 0.4), (perp + 0.95 * s_max / 3, 1.0), (perp + 1.05 * s_max / 3, 1.0)]
rows = ["| a* | alpha | condition holds | a_s^T a* / ‖a*‖² | global point | L at spurious | spurious point: engine | "
        "zero eigenvalues | sphere drop | verdict of `liu/optima` |", "|---" * 10 + "|"]
for a_star, alpha in cases:
    ev = optima.check_instance({"v_star": v3, "a_star": jnp.asarray(a_star), "alpha": jnp.asarray(alpha)})
    m = {n: float(x) for n, x in ev.measured.items()}
    rows.append(f"| {np.round(a_star, 3).tolist()} | {alpha} | {bool(m['condition_holds'])} | "
                f"{m['spurious_a_dot_a_star']:+.4f} | {type_name(m['global_type'])} | {m['spurious_loss']:.4f} | "
                f"**{type_name(m['spurious_type'])}** | {m['spurious_n_zero']:.0f} | {m['spurious_sphere_drop']:.2e} | "
                f"{verify.verdict(ev)} |")
display(Markdown("\n".join(rows)))

# %% [markdown]
# The engine's reading. The global point is always a `LOCAL_MINIMUM` (modulo scaling, $L = 0$).
# At the spurious point the Hessian has $p - 1 = 2$ zero eigenvalues (the sphere's tangent
# directions) after the scaling direction is removed, so second-order evidence cannot decide;
# the higher-order test then finds descent exactly where $a_s^\top a^* > 0$ (the *sphere
# drop* is negative: every small sphere around the point holds a lower loss), and reports a
# `DEGENERATE_SADDLE`: Proposition 1 as printed is refuted. Where the condition holds it finds
# no descent and reports `DEGENERATE_UNDECIDED`: the engine never calls a degenerate point a
# minimum; that it is one follows from the cubic term of section 1. The switch happens at
# $s = s_{\max}$, between the last two rows.
#
# `liu/optima` is Proposition 1 as printed (expected: refuted); `liu/optima-derived` adds the
# condition (for $p \ge 2$) and draws only teachers that meet it (expected: holds).

# %%
show_sweep("liu/optima", keys=["spurious_type", "spurious_sphere_drop", "spurious_a_dot_a_star", "condition_holds"])
res = swept("liu/optima")
conds = [condition(make_instance(get_claim("liu/optima"), SWEEP_SEED, i)["a_star"]) for i in range(N_SWEEP)]
agree = sum((v == "refuted") == (not c) for v, c in zip(res.verdicts, conds))
print(f"liu/optima: refuted on {res.counts['refuted']} of {N_SWEEP} instances; the condition fails on "
      f"{conds.count(False)}; refuted exactly where it fails on {agree} of {N_SWEEP}")
show_sweep("liu/optima-derived", keys=["spurious_type", "spurious_a_dot_a_star", "condition_holds"])

# %% [markdown]
# ### A certified refutation: the descent curve in ball arithmetic
#
# The engine's `DEGENERATE_SADDLE` is float64 evidence. The refutation can be proved. With the
# output weights held at $a_s$ and the first layer turned from $-v^*$ by an angle $d$, the loss
# depends on $v$ only through $h(\cos\theta)$, and exactly
# $$L(d) - L_s = -\frac{a_s^\top a^*}{2\pi}\,(\sin d - d\cos d), \qquad \sin d - d \cos d > 0 \text{ on } (0, \pi),$$
# so once $a_s^\top a^*$ is enclosed above 0 the loss falls along the whole curve and the point
# is not a local optimum. `liu/optima`'s certificate encloses $a_s^\top a^*$ in python-flint
# balls (exact $\pi$) and, as a check on the formula, the loss drops at $d = 10^{-1}, 10^{-2},
# 10^{-3}$ from the closed form. It never guesses: where the condition holds it proves the
# point a minimum (the float64 refutation would be *inconclusive*), and for $k = 1$
# ($a_s = 0$, a sixth-order saddle) it says "uncertified: degenerate".

# %%
rows = ["| a* | status | a_s . a* (enclosure) | L(d) - L_s at d = 0.001, 0.01, 0.1 (enclosures) |", "|---" * 4 + "|"]
for a_star, p_dim in (([1.0, 1.0, 1.0], 3), ([1.0, -1.0, 0.5], 3), ([1.7], 3)):
    inst = {"v_star": np.asarray(teacher_at_angle(p_dim, 1.0, seed=2)), "a_star": np.asarray(a_star),
            "alpha": np.asarray(1.0)}
    cert = optima.certify_refutation(inst)
    e = cert.enclosures
    drops = ", ".join(f"[{e[k][0]:.6e}, {e[k][1]:.6e}]" for k in sorted(e) if k.startswith("L(d="))
    rows.append(f"| {a_star} | **{cert.status}** | [{e['a_s . a_star'][0]:.15f}, {e['a_s . a_star'][1]:.15f}] | "
                f"{drops or '(not computed: ' + (cert.reason or '')[:60] + '...)'} |")
display(Markdown("\n".join(rows)))

a_cube = np.array([1.0, 1.0, 1.0])
curv = float(spurious_curvature(jnp.asarray(a_cube)))
d = np.logspace(-3, 0, 50)
cert = optima.certify_refutation({"v_star": np.asarray(teacher_at_angle(3, 1.0, seed=2)), "a_star": a_cube,
                                  "alpha": np.asarray(1.0)})
fig, ax = plt.subplots(figsize=(7, 4))
ax.loglog(d, curv * (np.sin(d) - d * np.cos(d)) / (2 * np.pi), label=r"$(a_s^\top a^*)(\sin d - d\cos d)/(2\pi)$")
for k in optima.CURVE_ANGLES:
    lo, hi = cert.enclosures[f"L(d={k:g}) - L_s"]
    ax.plot([k], [-hi], "ko")
ax.plot([], [], "ko", label="$L_s - L(d)$ enclosed in balls")
ax.set(xlabel="angle d from $-v^*$", ylabel="loss drop $L_s - L(d)$", title="a* = (1, 1, 1): cubic descent from the spurious point")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The drop is cubic in $d$ (slope 3 on the log-log plot): no second-order test can see it, and
# the enclosures at $d = 10^{-3}$ are still decided (about $-10^{-10}$, with radii near
# $10^{-38}$). `verify check liu/optima` prints `refuted (certified)`, and its record's minimal
# counterexample is $a^* = (1, 1, 1)$, $\alpha = 3$.

# %% [markdown]
# ## 3. Gradient descent with the shortcut (w₀ = 0) and without it (random initialisation)
#
# **Assumption 1** (shortcut prior): $v^* = w^* + \mathbb{1}/\sqrt p$ with $\|w^*\| \le 1$; it implies
# $(\mathbb{1}/\sqrt p)^\top v^* \ge 1/2$ (angle at most $\pi/3$; the claim `liu/shortcut-prior`).
# **The algorithm** (eq. (8)): a gradient step on $w$ and $a$, then $\mathbb{1}/\sqrt p + w$ is
# normalised to unit length. **The theorem**: from $w_0 = 0$ and any $a_0$ in the ball of radius
# $|\mathbb{1}^\top a^*|/\sqrt k$, GD converges to the global optimum, in two stages: (I) $a$
# improves while $w$ moves little and is kept away from the spurious point; (II) joint
# convergence. The seed does not print the step sizes; the claim (and this notebook) uses
# $\eta_a = \pi/(k + \pi - 1)$ and $\eta_w = \eta_a/(2\|a^*\|^2)$ (`step_sizes`).
#
# The instance: $p = 8$, $k = 4$, $v^*$ at angle $\pi/3$ from $\mathbb{1}/\sqrt p$ (the edge of
# Assumption 1), $a^* = (1, -0.6, 0.8, -0.3)$ (the condition holds: there *is* a spurious local
# minimum), $a_0 = -|\mathbb{1}^\top a^*|\,a^*/(\sqrt k\,\|a^*\|)$, the worst point of the ball
# ($a_0^\top a^* < 0$). Against it: 64 runs of the same GD from Du et al.'s random
# initialisation (`random_starts`: $v_0$ uniform on the sphere, $a_0$ uniform in the ball),
# i.e. the network without the shortcut's $w_0 = 0$. The stage boundary (`stage_boundary`) is
# the first step from which $a_t^\top a^* > 0$ for good: from then on the gradient in $w$
# turns $\mathbb{1}/\sqrt p + w$ towards $v^*$.

# %%
P8, K4, STEPS = 8, 4, 1000
v8 = teacher_at_angle(P8, np.pi / 3, seed=3)
a8 = jnp.array([1.0, -0.6, 0.8, -0.3])
radius = abs(float(a8.sum())) / np.sqrt(K4)
a0_worst = -radius * a8 / jnp.linalg.norm(a8)
eta_a = step_sizes(a8)[1]
eta_w = eta_a / (2 * jnp.dot(a8, a8))
print(f"condition holds: {condition(a8)} (a_s^T a* = {float(spurious_curvature(a8)):+.4f}); "
      f"eta_a = {float(eta_a):.4f}, eta_w = {float(eta_w):.4f}; ball radius {radius:.4f}")

w_rand, a_rand = random_starts(jax.random.PRNGKey(5), P8, a8, 64)
w0s = jnp.concatenate([jnp.zeros((1, P8)), w_rand])
a0s = jnp.concatenate([a0_worst[None], a_rand])
run_gd = jax.jit(jax.vmap(lambda w0, a0: normalised_gd(w0, a0, v8, a8, STEPS, eta_w, eta_a)))
ws, as_, traces = run_gd(w0s, a0s)
traces = np.asarray(traces)
phi, corr, loss = traces[..., 0], traces[..., 1], traces[..., 2]
t1 = int(stage_boundary(traces[0]))
print(f"w0 = 0: angle {phi[0, 0]:.4f} -> max {phi[0].max():.4f} (at t = {phi[0].argmax()}) -> {phi[0, -1]:.2e} at t = {STEPS}; "
      f"stage boundary t1 = {t1} (angle there {phi[0, t1]:.4f}); ||a_T - a*|| / ||a*|| = "
      f"{float(jnp.linalg.norm(as_[0] - a8) / jnp.linalg.norm(a8)):.2e}; L_T = {loss[0, -1]:.2e}")
trapped = (phi[1:, -1] > np.pi / 2) & (corr[1:, -1] < 0)
found = (phi[1:, -1] < np.pi / 2) & (corr[1:, -1] > 0)
print(f"random initialisation: {trapped.sum()} of 64 runs end at the spurious optimum (angle near pi, a^T a* < 0), "
      f"{found.sum()} at the global one, {64 - trapped.sum() - found.sum()} undecided")

t = np.arange(STEPS + 1)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.5))
for i in range(1, 65):
    c = "C3" if trapped[i - 1] else ("C0" if found[i - 1] else "gray")
    ax1.plot(t + 1, phi[i], c, lw=0.6, alpha=0.5)
    ax2.plot(t + 1, corr[i], c, lw=0.6, alpha=0.5)
for ax, y in ((ax1, phi[0]), (ax2, corr[0])):
    ax.plot(t + 1, y, "k", lw=2.5, label="w0 = 0, a0 = worst point of the ball (the shortcut)")
    ax.axvline(t1 + 1, color="k", ls="--", lw=1, label=f"stage boundary t1 = {t1}")
    ax.axvspan(1, t1 + 1, color="gold", alpha=0.15, label="stage I")
    ax.set_xscale("log")
    ax.set_xlabel("step t + 1")
ax1.plot([], [], "C3", label="random init, trapped"); ax1.plot([], [], "C0", label="random init, global")
ax1.axhline(np.pi, color="C3", ls=":", lw=1)
ax1.axhline(np.pi / 3, color="gray", ls=":", lw=1)
ax1.set(ylabel="angle between 1/sqrt p + w_t and v*", title="the angle to v*: 0 at the global optimum, pi at the spurious one")
ax2.axhline(0, color="gray", lw=0.5)
ax2.set(ylabel="a_t^T a*", title="the correlation of a with a*")
ax1.legend(fontsize=7, loc="center right")
plt.tight_layout()
plt.show()

# %% [markdown]
# Two stages, as the theorem says. In stage I ($a_t^\top a^* < 0$) the gradient in $w$ pushes
# $\mathbb{1}/\sqrt p + w$ *away* from $v^*$: the angle grows from $\pi/3$, but $a$ moves much
# faster (its step is larger and its problem is a well-conditioned quadratic) and $a^\top a^*$
# turns positive while the angle is still far below $\pi/2$; from the stage boundary on, the
# angle decreases and both converge (stage II, linear convergence to rounding). From a random
# initialisation, the runs that start with $v_0$ in the half-sphere away from $v^*$ and
# $a_0^\top a^* < 0$ can end at the spurious minimum, and some do.
#
# The claim `liu/gd-normalised` checks this on random instances (angle up to $\pi/3$, half on the
# boundary; $a_0$ uniform in the ball or its worst point): the run from $w_0 = 0$ ends within
# $10^{-6}$ of the global optimum and its angle never exceeds $\pi/2$. It also runs 16 random
# initialisations per instance and reports the fraction trapped (the theorem says nothing about
# them).

# %%
show_sweep("liu/shortcut-prior")
show_sweep("liu/gd-normalised", keys=["angle_start", "angle_max", "stage_boundary", "angle_at_stage_boundary",
                                      "angle_end", "a_relative_error_end", "random_init_trapped_fraction"])

# %% [markdown]
# ## 4. How often does random initialisation get trapped? (Du et al., footnote 2)
#
# The seed's footnote: without the shortcut, "GD with random initialization can be trapped in a
# spurious local optimum with a constant probability. The probability is bounded between 1/4
# and 3/4." The claim `du/random-init-trap` takes this literally: for a teacher ($v^*$ uniform,
# $a^* \sim N(0, I_k)$), the probability that GD (`normalised_gd`, 1,000 steps, with the default
# step sizes of `step_sizes`: $\eta_a = \pi/(k + \pi - 1)$, $\eta_w = \pi/\max(\|a^*\|^2, 1)$) from
# Du et al.'s random initialisation ends at the spurious optimum lies in $[1/4, 3/4]$. Below: $p = 4$,
# $k \in \{2, 4, 8\}$, eight random teachers per $k$, 256 runs each (`trap_probability`); the
# interval is Wilson's at false-alarm rate $10^{-6}$ ($z = 4.89$), its upper end counting
# undecided runs as trapped, as the claim does.

# %%
RUNS, N_TEACHERS = 256, 8
zz = z_value(FALSE_ALARM)
rows = ["| k | teacher | condition holds | a_s^T a* / ‖a*‖² | trapped | interval | undecided | meets [1/4, 3/4] |",
        "|---" * 8 + "|"]
points = []
for k in (2, 4, 8):
    kv, ka, kr = jax.random.split(jax.random.PRNGKey(10 + k), 3)
    v4 = jax.random.normal(kv, (4,))
    v4 = v4 / jnp.linalg.norm(v4)
    a_stars = jax.random.normal(ka, (N_TEACHERS, k))
    est = jax.jit(jax.vmap(lambda key, a: trap_probability(key, v4, a, RUNS, STEPS)))(jax.random.split(kr, N_TEACHERS), a_stars)
    for i in range(N_TEACHERS):
        trapped_i, undecided_i = (float(x) for x in est.mean[i])
        lo, _ = wilson_interval(trapped_i * RUNS, RUNS, zz)
        _, hi = wilson_interval((trapped_i + undecided_i) * RUNS, RUNS, zz)
        curv = float(spurious_curvature(a_stars[i]) / jnp.dot(a_stars[i], a_stars[i]))
        meets = float(hi) >= TRAP_INTERVAL[0] and float(lo) <= TRAP_INTERVAL[1]
        points.append((k, curv, trapped_i, float(lo), float(hi)))
        rows.append(f"| {k} | {i} | {condition(a_stars[i])} | {curv:+.3f} | {trapped_i:.3f} | [{float(lo):.3f}, {float(hi):.3f}] | "
                    f"{undecided_i:.3f} | {meets} |")
display(Markdown("\n".join(rows)))

pts = np.array(points)
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.axhspan(*TRAP_INTERVAL, color="gold", alpha=0.25, label="the quoted [1/4, 3/4]")
for k, marker in zip((2, 4, 8), "os^"):
    s = pts[:, 0] == k
    ax.errorbar(pts[s, 1], pts[s, 2], yerr=[pts[s, 2] - pts[s, 3], pts[s, 4] - pts[s, 2]], fmt=marker,
                capsize=3, label=f"k = {k}")
ax.axvline(0, color="k", ls="--", lw=1, label="a_s^T a* = 0: the condition's edge")
ax.set(xlabel=r"$a_s^\top a^* / \|a^*\|^2$ (< 0: a spurious local minimum exists)",
       ylabel="fraction of runs trapped", title="trap probability of randomly initialised GD (p = 4)")
ax.legend(fontsize=8)
plt.show()
print(f"teachers whose interval meets [1/4, 3/4]: {sum(r[4] >= 0.25 and r[3] <= 0.75 for r in points)} of {len(points)}; "
      f"largest trapped fraction {pts[:, 2].max():.3f}")

# %% [markdown]
# The footnote's interval is not a property of the problem; it depends on the teacher. When the
# condition fails ($a_s^\top a^* > 0$) there is no spurious local minimum and no run is trapped:
# the probability is 0 (its interval lies below 1/4). Near the condition's edge
# ($a_s^\top a^* \lesssim 0$) the spurious minimum is shallow (the cubic term of section 1 is
# small) and few runs are trapped. Well inside the condition ($a_s^\top a^*/\|a^*\|^2$ below about
# $-0.3$) the trapped fraction lies between about 0.26 and 0.52 here, inside $[1/4, 3/4]$ and
# not significantly above 1/2 (the two estimates above it have intervals that hold 1/2), in line
# with the seed's remark that "this probability can be as bad as 1/2 with the worst
# configuration of a, v". For
# large $k$ a Gaussian $a^*$ almost always meets the condition ($(\mathbb{1}^\top a^*)^2 \approx k$
# against $(k + \pi - 1)\|a^*\|^2/\pi \approx k^2/\pi$), which is why all eight $k = 8$ teachers here
# are trapped with a probability in the interval, while half of the $k = 2$ teachers are never trapped.
#
# The claim, taken at face value for random teachers, is refuted:

# %%
show_sweep("du/random-init-trap", keys=["trap_probability", "trap_lower", "trap_upper", "undecided_fraction",
                                        "spurious_a_dot_a_star", "condition_holds"])

# %% [markdown]
# ## Verdicts
#
# Each claim over 16 random instances, `verify.sweep(claim, n=16, seed=0)` (the same as
# `verify check <id> --n 16 --seed 0`). *Expected* is the toolkit's conclusion about the claim
# as stated.
#
# The smallest margins are on the toolkit's one scale, $1 - \text{violation}/\text{tolerance}$
# (1: exact agreement, 0: the edge, negative: violated), and each says something specific here:
#
# * `liu/population-loss`: the Monte Carlo part, $1 - |\text{estimate} - \text{closed form}|/\text{half-width}$;
#   about 0.5 means the worst of the 16 estimates lies half an interval from the closed form
#   (the sweep above: 0.451 against 0.432, half-width 0.040).
# * `liu/optima`: $-1$ is a type flag: at a refuting instance the spurious point is a
#   `DEGENERATE_SADDLE`, not the local minimum Proposition 1 prints. `liu/optima-derived`: 1,
#   both points exactly critical and the global loss exactly 0.
# * `liu/shortcut-prior`: 1, the bound $(\mathbb{1}/\sqrt p)^\top v^* \ge 1/2$ attained with equality on
#   the boundary $\|w^*\| = 1$.
# * `liu/gd-normalised`: the part $1 - \text{angle}_{\max}/(\pi/2)$, how far the run from $w_0 = 0$ stays
#   from turning to the spurious side; it starts at most $1 - (\pi/3)/(\pi/2) = 1/3$ for a teacher at
#   the edge of Assumption 1, and 0.31 means the angle grew from $\pi/3$ to about 1.08 in stage I
#   (the convergence part, with rounding-level errors, is near 1).
# * `du/random-init-trap`: $1 - d/h$ where the trap probability's Wilson interval misses
#   $[1/4, 3/4]$; $-0.59$ at a teacher that meets no trap at all (interval $[0, 0.157]$: the gap
#   to 1/4 is 1.59 times the interval's reach).

# %%
ids = ['liu/population-loss', 'liu/optima', 'liu/optima-derived', 'liu/shortcut-prior', 'liu/gd-normalised', 'du/random-init-trap']
verdict_table(ids, swept, started=T0)   # fails the notebook if a verdict is not the expected one
