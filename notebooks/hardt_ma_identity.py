# %% [markdown]
# # Hardt & Ma, *Identity Matters in Deep Learning*: the proofs, step by step, in numbers
#
# This notebook follows the review of Hardt & Ma (ICLR 2017, arXiv:1611.04231v3) in seed
# `shared/seeds/002_56c6572621e81ca1.txt` (G. Li, ELE538B, 2018) and checks each statement
# numerically with the toolkit, in float64. The setting of section 2 of the seed: data
# $y = Rx + \zeta$ with $\Sigma = \mathbb{E}[xx^\top] \succ 0$ and noise
# $\mathbb{E}[\zeta\zeta^\top] = I$ (noise level 1); the deep *linear residual network*
# predicts $(I + A_l)\cdots(I + A_1)x$ and its population risk is (eq. (4))
# $$f(A) = \mathbb{E}\|y - (I + A_l)\cdots(I + A_1)x\|^2, \qquad
# \|A\| = \max_i \|A_i\|_2 \ \text{(eq. (3))}, \qquad \mathcal{B}_\tau = \{A : \|A\| \le \tau\}.$$
#
# Theorems are numbered as in the paper, the seed's number in parentheses: Theorem 2.1 (seed
# Theorem 2) is the existence of a small global minimiser, Theorem 2.2 (seed Theorem 1) says
# that every critical point in $\mathcal{B}_\tau$ is global, the gradient lower bound is the
# paper's eq. (2.3) in the text after Theorem 2.2 (the seed's eq. (6)), and Theorem 3.2 (seed
# Theorem 3) is the memorising ReLU network.
#
# What is used, all from `verify.claims.hardt_ma` (a package: `model`, `linear`, `existence`,
# `expressivity`, every public name re-exported):
#
# * `residual_product`, `max_block_norm`, `population_risk`, `optimal_risk`, `excess_risk`;
#   the three readings of the gradient bound: `gradient_lower_bound` (the constant the proof
#   supports), `gradient_lower_bound_as_printed` (the seed's eq. (6)) and
#   `gradient_lower_bound_in_paper` (the paper's eq. (2.3)); `gradient_descent_trajectory`;
#   `construct_global_minimiser`, `psd_root_blocks`, `existence_bound` (the paper's constant
#   of Theorem 2.1), `existence_bound_review` (the seed's), `negative_determinant_demo`;
#   `build_memorising_resnet`, `apply_resnet`, `parameter_count`, `parameter_count_table`
#   (Theorem 3.2);
# * the instruments of `verify.landscape`: `find_critical_points` (Levenberg-Marquardt on
#   $\nabla f = 0$, attracted to saddles as much as to minima), `find_local_minimum`
#   (saddle-free Newton), `classify`, `hessian`, `extreme_eigenvalues`;
# * the registered claims `hardt-ma/*`, swept with `verify.sweep(claim, n=16, seed=0)`, the
#   same sweep as `verify check <id> --n 16 --seed 0`.
#
# **Margins.** Every check reports a margin on the toolkit's one scale (`verify.claims.base`):
# margin $= 1 - \text{violation}/\text{tolerance}$, so **1** means the two sides agree exactly
# (an identity without rounding error, a bound attained with equality), **0** is the edge (the
# discrepancy is exactly the tolerance), a **negative** margin is a violation ($-k$: $k + 1$
# tolerances) and a margin **above 1** is slack beyond exactness ($m$: $m - 1$ tolerances of
# slack). With the relative tolerances of this notebook, $10^{-9}$ or $10^{-10}$, a bound that
# holds with a few per cent to spare reads of order $10^{8}$ to $10^{9}$, and a counterexample by
# a few per cent of order $-10^{8}$ to $-10^{9}$. A claim
# made of several parts reports the smallest of their margins; each claim's docstring says what
# its margin is (its `Margin:` line).

# %%
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import verify
from verify import InvalidInstanceError, get_claim, verdict
from verify.claims.hardt_ma import (excess_risk, gradient_descent_trajectory, gradient_lower_bound,
                                    gradient_lower_bound_as_printed, gradient_lower_bound_in_paper,
                                    max_block_norm, optimal_risk, population_risk, residual_product)
from verify.landscape import (PointType, classify, extreme_eigenvalues, find_critical_point,
                              find_critical_points, find_local_minimum, hessian)
from verify.search import instance_params
from verify.tolerances import TOLERANCES

from nbhelpers import TYPE_COLOURS, SweepCache, type_name, verdict_table

T0 = time.perf_counter()


def random_problem(rng, d, l, tau, low=0.1, high=10.0):
    # R = I + G / sqrt(d); Sigma = Q diag(lambda) Q^T with lambda log-uniform in [low, high];
    # l blocks with ||A_i||_2 = tau * u_i, u_i uniform in [0, 1] (as the claims draw them).
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = np.exp(rng.uniform(np.log(low), np.log(high), d))
    sigma = (q * lam) @ q.T
    g = rng.normal(size=(l, d, d))
    g /= np.linalg.norm(g, ord=2, axis=(1, 2))[:, None, None]
    blocks = g * (tau * rng.uniform(size=l))[:, None, None]
    r = np.eye(d) + rng.normal(size=(d, d)) / np.sqrt(d)
    return jnp.asarray(r), jnp.asarray(0.5 * (sigma + sigma.T)), jnp.asarray(blocks)


def flat_risk(r, sigma, l):
    # f - f_opt as a function of the flat vector of the l blocks (what the claims hand to the instruments).
    d = r.shape[0]
    return lambda x: excess_risk(x.reshape(l, d, d), r, sigma)


N_SWEEP, SWEEP_SEED = 16, 0
# swept(claim_id): verify.sweep(claim, N_SWEEP, seed=SWEEP_SEED), run once per claim and reused by the
# table at the end; show_sweep(claim_id, keys) prints its verdict, counts, smallest margin and measured numbers.
swept = SweepCache(N_SWEEP, SWEEP_SEED)
show_sweep = swept.show

print("verify", verify.__version__, "| jax", jax.__version__, "| default float:", jnp.zeros(1).dtype)

# %% [markdown]
# ## 1. The population risk in closed form
#
# The seed defines $f(A) = \mathbb{E}\|y - (I + A_l)\cdots(I + A_1)x\|^2$ (eq. (4)) and uses,
# without writing it, its closed form. With $P = (I + A_l)\cdots(I + A_1)$ and $E = R - P$,
# $y - Px = Ex + \zeta$ with $\zeta$ independent of $x$ and centred, so
# $$f(A) = \operatorname{tr}(E\Sigma E^\top) + \mathbb{E}\|\zeta\|^2
#        = \operatorname{tr}(E\Sigma E^\top) + \text{noise}^2\, d, \qquad
#   f_{\rm opt} = \inf_A f = \text{noise}^2\, d,$$
# attained exactly where $P = R$ (for $\Sigma \succ 0$). This is `population_risk`; every claim
# below works with `excess_risk` $= f - f_{\rm opt} = \operatorname{tr}(E\Sigma E^\top)$, computed
# without the cancellation. Below, the closed form against a Monte Carlo mean of
# $\|y - Px\|^2$ over 200,000 samples $x \sim N(0, \Sigma)$, $\zeta \sim N(0, \text{noise}^2 I)$,
# for three random instances with $A \in \mathcal{B}_{0.5}$.

# %%
rng = np.random.default_rng(0)
N_MC = 200_000
rows, running = [], []
print(f"{'d':>3s} {'l':>3s} {'noise':>6s} {'closed form f':>14s} {'Monte Carlo':>12s} {'std err':>9s} "
      f"{'z':>6s} {'f_opt':>6s} {'f - f_opt':>10s}")
for d, l, noise in [(1, 1, 1.0), (3, 4, 0.7), (8, 8, 1.0)]:
    r, sigma, blocks = random_problem(rng, d, l, 0.5)
    p = np.asarray(residual_product(blocks))
    x = rng.normal(size=(N_MC, d)) @ np.linalg.cholesky(np.asarray(sigma)).T
    y = x @ np.asarray(r).T + noise * rng.normal(size=(N_MC, d))
    losses = np.sum((y - x @ p.T) ** 2, axis=1)
    mean, se = losses.mean(), losses.std(ddof=1) / np.sqrt(N_MC)
    exact = float(population_risk(blocks, r, sigma, noise))
    f_opt = float(optimal_risk(r, noise))
    print(f"{d:3d} {l:3d} {noise:6.2f} {exact:14.6f} {mean:12.6f} {se:9.2g} {(mean - exact) / se:6.2f} "
          f"{f_opt:6.2f} {float(excess_risk(blocks, r, sigma)):10.6f}")
    running.append((f"d = {d}, l = {l}, noise = {noise}", np.cumsum(losses) / np.arange(1, N_MC + 1), exact,
                    losses.std(ddof=1)))

fig, ax = plt.subplots(figsize=(7, 3.8))
m = np.arange(1, N_MC + 1)
for (label, run, exact, sd), colour in zip(running, ["tab:blue", "tab:orange", "tab:green"]):
    ax.semilogx(m, run / exact - 1, color=colour, lw=1, label=label)
    ax.fill_between(m, -2 * sd / exact / np.sqrt(m), 2 * sd / exact / np.sqrt(m), color=colour, alpha=0.12)
ax.axhline(0, color="k", lw=0.7)
ax.set(ylim=(-0.1, 0.1), xlim=(100, N_MC), xlabel="number of samples",
       ylabel="Monte Carlo mean / closed form - 1", title="running Monte Carlo mean (bands: 2 standard errors)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# What the numbers show: the Monte Carlo means agree with the closed form within about one
# standard error (|z| small) for all three instances, and the running means close in on it at
# the $1/\sqrt{m}$ rate: the closed form is the risk of eq. (4), and $f_{\rm opt} = d$ for the
# seed's unit noise.

# %% [markdown]
# ## 2. Theorem 2.2: critical points inside $\mathcal{B}_\tau$ are global, and $\tau < 1$ matters
#
# *Paper Theorem 2.2 (seed Theorem 1): for any $\tau < 1$, all critical points of $f$ in
# $\mathcal{B}_\tau$ are global minima.*
#
# The smallest case shows everything: $d = 1$, $l = 2$,
# $$f(a_1, a_2) - f_{\rm opt} = \Sigma\,\bigl(R - (1 + a_1)(1 + a_2)\bigr)^2,
# \qquad \nabla f = -2\Sigma\bigl(R - (1+a_1)(1+a_2)\bigr)\,(1 + a_2,\ 1 + a_1).$$
# The gradient vanishes on the hyperbola $(1 + a_1)(1 + a_2) = R$ (global minima) and at
# $a_1 = a_2 = -1$, where $f - f_{\rm opt} = \Sigma R^2 > 0$ and the Hessian is
# $\begin{pmatrix}0 & -2\Sigma R\\ -2\Sigma R & 0\end{pmatrix}$: a strict saddle with both
# factors $1 + a_i = 0$. It lies on the boundary of $\mathcal{B}_1$, so the theorem needs
# $\tau < 1$ exactly. Below, with $R = 0.5$ and $\Sigma = 1.5$: the critical points found from
# 64 starts spread over $[-2, 1]^2$ by the claim's search (even starts: Levenberg-Marquardt,
# odd starts: saddle-free Newton then a Levenberg-Marquardt polish, as
# `hardt-ma/critical-points-global` does), classified with the claim's scales (curvature
# $\|\Sigma\|_2$, loss $\|\Sigma\|_2\max(\|R\|_F^2, 1)$). The minima form a curve, so their
# Hessian is singular: the classifier calls them `DEGENERATE_UNDECIDED` unless it is given
# the tangent $(1 + a_1, -(1 + a_2))$ of the symmetry $(1 + a_1, 1 + a_2) \to (t(1 + a_1),
# (1 + a_2)/t)$, with which they are `LOCAL_MINIMUM` modulo the symmetry.

# %%
R1, S1 = 0.5, 1.5
r1, s1 = jnp.array([[R1]]), jnp.array([[S1]])
risk1 = flat_risk(r1, s1, 2)
scales1 = dict(curvature_floor=S1, loss_floor=S1 * max(R1 ** 2, 1.0))


def orbit_tangent(x):
    return jnp.stack([1.0 + x[0], -(1.0 + x[1])])[:, None]


@jax.jit
def search(starts):
    # The claim's search (verify.landscape.search_and_classify): LM from even starts,
    # saddle-free Newton + LM polish from odd ones; then classify the end points.
    lm = find_critical_points(risk1, starts[0::2], 200).x
    sfn = jax.vmap(lambda s: find_critical_point(risk1, find_local_minimum(risk1, s, 200).x, 50).x)(starts[1::2])
    pts = jnp.zeros_like(starts).at[0::2].set(lm).at[1::2].set(sfn)
    plain = jax.vmap(lambda x: classify(risk1, x, **scales1))(pts)
    modulo = jax.vmap(lambda x: classify(risk1, x, symmetry_tangents=orbit_tangent, **scales1))(pts)
    return pts, plain, modulo


starts1 = jnp.asarray(np.random.default_rng(2).uniform(-2.0, 1.0, size=(64, 2)))
pts1, cls1, cls1_sym = search(starts1)
pts1, types1, types1_sym = np.asarray(pts1), np.asarray(cls1.point_type), np.asarray(cls1_sym.point_type)
prod1 = (1 + pts1[:, 0]) * (1 + pts1[:, 1])
norm1 = np.abs(pts1).max(axis=1)                      # ||A|| = max_i |a_i| for d = 1
print(f"{'type (as the claim classifies)':31s} {'modulo symmetry':16s} {'n':>3s} {'min (1+a1)(1+a2)':>17s} "
      f"{'max':>9s} {'max f - f_opt':>14s} {'min ||A||':>10s} {'lambda_min':>11s}")
for t in sorted(set(types1.tolist())):
    for ts in sorted(set(types1_sym[types1 == t].tolist())):
        s = (types1 == t) & (types1_sym == ts)
        print(f"{type_name(t):31s} {type_name(ts):16s} {s.sum():3d} {prod1[s].min():17.12f} {prod1[s].max():9.6f} "
              f"{np.asarray(cls1.loss)[s].max():14.3g} {norm1[s].min():10.4f} {np.asarray(cls1.lambda_min)[s].min():11.4g}")
saddle = np.flatnonzero(types1 == PointType.STRICT_SADDLE)
print("strict saddles found at", np.unique(pts1[saddle].round(12), axis=0).tolist(),
      f"| f - f_opt there = {float(risk1(jnp.asarray(pts1[saddle[0]]))):.6g} (Sigma R^2 = {S1 * R1 ** 2})")
print("Hessian at (-1, -1):", np.linalg.eigvalsh(np.asarray(hessian(risk1, jnp.array([-1.0, -1.0])))),
      "(predicted +-2 Sigma R = +-", 2 * S1 * R1, ")")
for tau in [0.25, 0.5, 0.9, 1.0]:
    inside = norm1 <= tau * (1 + 1e-7)
    crit = inside & (types1 != PointType.NOT_CRITICAL)
    print(f"tau = {tau:4}: {crit.sum():2d} critical points found inside B_tau; largest f - f_opt among them "
          f"{np.asarray(cls1.loss)[crit].max() if crit.any() else float('nan'):.3g}")

grid = np.linspace(-2, 1, 241)
G1, G2 = np.meshgrid(grid, grid)
F = S1 * (R1 - (1 + G1) * (1 + G2)) ** 2
fig, ax = plt.subplots(figsize=(7.5, 6.5))
cs = ax.contourf(G1, G2, np.log10(F + 1e-3), 30, cmap="viridis")
fig.colorbar(cs, ax=ax, label="log10(f - f_opt + 1e-3)")
u = np.linspace(0.24, 2.1, 200)
ax.plot(u - 1, R1 / u - 1, "w--", lw=1, label="global minima (1+a1)(1+a2) = R")
ax.plot(-u - 1, -R1 / u - 1, "w--", lw=1)
for tau, ls in zip([0.25, 0.5, 0.9, 1.0], [":", "-.", "--", "-"]):
    ax.add_patch(plt.Rectangle((-tau, -tau), 2 * tau, 2 * tau, fill=False, ec="w", lw=1.5, ls=ls))
    ax.text(tau - 0.02, -tau + 0.02, f"B_{tau}", color="w", ha="right", va="bottom", fontsize=8)
for t in sorted(set(types1.tolist())):
    s = types1 == t
    ax.scatter(pts1[s, 0], pts1[s, 1], s=45, c=TYPE_COLOURS[PointType(t)], edgecolors="k", zorder=3,
               label=f"found: {type_name(t)} ({s.sum()})")
ax.set(xlim=(-2, 1), ylim=(-2, 1), aspect="equal", xlabel="a1", ylabel="a2",
       title=f"d = 1, l = 2, R = {R1}, Sigma = {S1}: critical points, boxes B_tau")
ax.legend(loc="upper left", fontsize=8)
plt.show()

# %% [markdown]
# What the numbers show: the search finds exactly the two kinds of critical points of the
# formula: points of the hyperbola ($(1 + a_1)(1 + a_2) = R$ to rounding, $f = f_{\rm opt}$),
# which are minima (modulo the symmetry), on both branches, and the strict saddle
# $(-1, -1)$ with $f - f_{\rm opt} = \Sigma R^2$ and Hessian eigenvalues $\pm 2\Sigma R$.
# $\mathcal{B}_{0.25}$ holds no critical point at all ($(1 + a_1)(1 + a_2) \ge 0.75^2 > R$
# there), $\mathcal{B}_{0.5}$ and $\mathcal{B}_{0.9}$ hold only global minima, and the closed
# box $\mathcal{B}_1$ holds the saddle, in its corner.
#
# The claim `hardt-ma/critical-points-global` runs the same search from 16 starts in
# $\mathcal{B}_\tau$ (near its boundary) on random instances ($d, l$ up to 3, half of them with a
# target $R$ that is not reachable in $\mathcal{B}_\tau$) and checks at every critical point
# found inside $\mathcal{B}_\tau$ that $f = f_{\rm opt}$, and at every point visited the
# quantitative form $f - f_{\rm opt} \le \|\nabla f\|^2 / \mu$ of section 3. Then the same check
# on the instance above with $\tau = 1$ (which breaks the hypothesis, so `check_instance`
# refuses it and the check is called directly) and with $\tau = 0.9$, from the same 16 starts
# (scaled by 0.9):

# %%
show_sweep("hardt-ma/critical-points-global",
           keys=["n_critical_inside", "n_outside", "max_gap_at_critical_inside", "global_margin",
                 "quantitative_margin", "mu", "tau"])

cp = get_claim("hardt-ma/critical-points-global")
srng = np.random.default_rng(3)
starts_ball = srng.uniform(0.5, 1.0, size=(16, 2)) * srng.choice([-1.0, 1.0], size=(16, 2))
cp_check = jax.jit(cp.check)
for tau in [1.0, 0.9]:
    inst = {"R": r1, "Sigma": s1, "tau": jnp.asarray(tau), "starts": jnp.asarray(tau * starts_ball).reshape(16, 2, 1, 1)}
    ev = cp_check(inst)
    m = {k: float(v) for k, v in ev.measured.items()}
    print(f"\ntau = {tau}: verdict {verdict(ev)!r}, margin {float(ev.margin):.3g}; critical points found inside "
          f"B_tau: {m['n_critical_inside']:.0f}, largest (f - f_opt) / loss scale among them "
          f"{m['max_gap_at_critical_inside']:.6g} (loss scale {S1 * max(R1 ** 2, 1.0)}), at ||A|| = "
          f"{m['max_norm_at_critical_inside']:.12f}; strict saddles found (inside or not): {m['n_strict_saddle']:.0f}")
    if tau == 1.0:
        try:
            cp.check_instance(inst)
        except InvalidInstanceError as e:
            print("  check_instance refuses it:", e)

# %% [markdown]
# What it shows: over 16 random instances the claim holds (no non-global critical point in
# $\mathcal{B}_\tau$ for $\tau < 1$). Its margin is the smallest of
# $1 - (f - f_{\rm opt})/(\texttt{loss\_equal}\cdot\text{loss scale})$ at the critical points
# found inside ($\texttt{loss\_equal} = 10^{-9}$) and of the same with the quantitative slack
# $\|\nabla f\|^2/\mu$ at every point visited; a smallest margin of 1 (to the digits printed)
# means the critical points found inside are global minima to far below the tolerance, and
# where the quantitative form has slack it reads far above 1. At $\tau = 1$ the same search finds
# the saddle $A_1 = A_2 = -1$ with $\|A\| = 1$ and $f - f_{\rm opt} = \Sigma R^2 = 0.375$ (0.25 of
# the loss scale 1.5, so a margin of $1 - 0.25/10^{-9} \approx -2.5\cdot 10^{8}$): the statement
# is false for $\tau = 1$. With $\tau = 0.9$ the search still finds that saddle, now outside
# $\mathcal{B}_{0.9}$, and the claim holds: the hypothesis $\tau < 1$ is sharp.

# %% [markdown]
# ## 3. The gradient lower bound, eq. (2.3) of the paper and eq. (6) of the seed: as printed, false
#
# The paper states, in the text after Theorem 2.2 (eq. (2.3); $C_{\rm opt} = f_{\rm opt}$), for
# $A \in \mathcal{B}_\tau$,
# $$\|\nabla f(A)\|_F^2 \ \ge\ 4l(1 - \tau)^{l-1}\,\sigma_{\min}(\Sigma)^2\,(f(A) - C_{\rm opt}),$$
# and the seed transcribes it as its eq. (6) with the exponent $2l - 2$:
# $$\|\nabla f(A)\|_F^2 \ \ge\ 4l(1 - \tau)^{2l-2}\,\sigma_{\min}(\Sigma)^2\,(f(A) - f_{\rm opt}).$$
# **Both are false as printed.** Scaling argument: replace $x$ by $\sqrt{c}\,x$, i.e. $\Sigma$ by
# $c\Sigma$, for $c > 0$. Then $f - f_{\rm opt} = \operatorname{tr}(E\Sigma E^\top)$ is multiplied
# by $c$ and $\nabla f$ by $c$, so the left side scales like $c^2$ while the right side scales
# like $c^2 \cdot c$. A valid constant must scale like $c$; both printed ones scale like
# $c^2$ (through $\sigma_{\min}(\Sigma)^2$), so for any $A$ with $f(A) > f_{\rm opt}$ the
# inequality fails once $c$ is large enough. The smallest counterexample, for both: $d = l = 1$,
# $\tau = 0$, $A = 0$, $\Sigma = (s)$, $R = (2)$: $\|\nabla f\|^2 = 4s^2(R - 1)^2$ against
# $4s^3(R - 1)^2$, false for every $s > 1$. The paper's exponent $l - 1$ is a second error, false
# even where $\sigma_{\min}(\Sigma)^2 = \sigma_{\min}(\Sigma)$ (section 3b).
#
# **The bound the proof supports** (the argument behind eq. (2.3), reconstructed in
# `gradient_lower_bound`): with $E = P - R$,
# $\nabla_{A_i} f = 2\,[(I + A_l)\cdots(I + A_{i+1})]^\top E\,\Sigma\,[(I + A_{i-1})\cdots(I + A_1)]^\top$;
# each factor has $\sigma_{\min}(I + A_j) \ge 1 - \tau$, so
# $\|\nabla_{A_i} f\|_F \ge 2(1 - \tau)^{l-1}\|E\Sigma\|_F$, and
# $\|E\Sigma\|_F^2 = \operatorname{tr}(E\Sigma^2E^\top) \ge \sigma_{\min}(\Sigma)\operatorname{tr}(E\Sigma E^\top)$.
# Summing over the $l$ blocks:
# $$\|\nabla f(A)\|_F^2 \ \ge\ \mu\,(f(A) - f_{\rm opt}), \qquad
# \mu = 4l(1 - \tau)^{2l-2}\,\sigma_{\min}(\Sigma),$$
# with $\sigma_{\min}(\Sigma)$, not its square, and the exponent $2l - 2$; it is tight at $A = 0$
# when $\Sigma = cI$. Below, the measured ratio $\|\nabla f\|^2 / (f - f_{\rm opt})$ divided by each
# of the three constants (derived; the seed's eq. (6); the paper's eq. (2.3)), for
# $d = 3$, $l = 4$, 256 random $(\tau, A)$ with $\tau \in [0, 0.95]$, $A \in \mathcal{B}_\tau$, and
# $\Sigma = c\,\Sigma_0$ ($\Sigma_0$ random with $\sigma_{\min}(\Sigma_0) = 1$) for $c$ from
# $10^{-2}$ to $10^{2}$; plus the tight case $A = 0$, $\Sigma = cI$.

# %%
d3, l3, K3 = 3, 4, 256
rng = np.random.default_rng(4)
r3, sigma0, _ = random_problem(rng, d3, l3, 0.0)
sigma0 = sigma0 / jnp.linalg.eigvalsh(sigma0)[0]          # sigma_min(Sigma_0) = 1
taus3 = rng.uniform(0.0, 0.95, K3)
blocks3 = jnp.stack([random_problem(rng, d3, l3, t)[2] for t in taus3])
cs = np.logspace(-2, 2, 17)


@jax.jit
def ratios(blocks, tau, sigma):
    # (||grad f||^2 / (f - f_opt)) / mu for the derived constant, the seed's eq. (6) and the paper's eq. (2.3).
    risk = flat_risk(r3, sigma, l3)
    x = blocks.reshape(-1)
    ratio = jnp.sum(jax.grad(risk)(x) ** 2) / risk(x)
    return (ratio / gradient_lower_bound(l3, tau, sigma), ratio / gradient_lower_bound_as_printed(l3, tau, sigma),
            ratio / gradient_lower_bound_in_paper(l3, tau, sigma))


over_c = jax.vmap(lambda c, s: jax.vmap(lambda b, t: ratios(b, t, c * s))(blocks3, jnp.asarray(taus3)), (0, None))
der, pri, pap = (np.asarray(a) for a in over_c(jnp.asarray(cs), sigma0))           # shape (len(cs), K3)
tight_der, tight_pri, tight_pap = (np.asarray(a) for a in jax.vmap(
    lambda c: ratios(jnp.zeros((l3, d3, d3)), 0.0, c * jnp.eye(d3)))(jnp.asarray(cs)))

print(f"{'sigma_min(Sigma)':>16s} {'min ratio/mu: derived':>22s} {'seed (6)':>9s} {'violated':>9s} "
      f"{'paper (2.3)':>11s} {'violated':>9s} {'A=0, Sigma=cI: derived':>23s} {'(6), (2.3)':>10s}")
for i in range(0, len(cs), 2):
    print(f"{cs[i]:16.3g} {der[i].min():22.6f} {pri[i].min():9.3g} {np.mean(pri[i] < 1):9.0%} "
          f"{pap[i].min():11.3g} {np.mean(pap[i] < 1):9.0%} {tight_der[i]:23.15f} {tight_pri[i]:10.3g}")

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 6))
ax.loglog(cs, der.min(1), "g-", lw=2, label="derived mu = 4l(1-tau)^(2l-2) sigma_min: min over A")
ax.loglog(cs, np.median(der, 1), "g-", lw=1, alpha=0.5, label="derived: median over A")
ax.loglog(cs, pri.min(1), "r-", lw=2, label="seed (6), with sigma_min^2: min over A")
ax.loglog(cs, np.median(pri, 1), "r-", lw=1, alpha=0.5, label="seed (6): median over A")
ax.loglog(cs, pap.min(1), "m--", lw=1.5, label="paper (2.3), sigma_min^2 and (1-tau)^(l-1): min over A")
ax.loglog(cs, tight_der, "g--", lw=1.5, label="derived, A = 0, Sigma = c I (tight: exactly 1)")
ax.loglog(cs, tight_pri, "r--", lw=1.5, label="(6) and (2.3), A = 0, Sigma = c I (= 1/c)")
ax.axhline(1, color="k", lw=1)
ax.set(xlabel="sigma_min(Sigma) = c", ylabel="(||grad f||^2 / (f - f_opt)) / mu",
       title=f"d = {d3}, l = {l3}, {K3} random A in B_tau: below 1 = bound violated")
ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)   # below: the lines fill the axes
i1 = int(np.argmin(np.abs(cs - 1)))
sc = ax2.scatter(taus3, der[i1], c=np.asarray([float(max_block_norm(b)) for b in blocks3]) / np.maximum(taus3, 1e-12),
                 s=12, cmap="viridis")
fig.colorbar(sc, ax=ax2, label="||A|| / tau")
ax2.set_yscale("log")
ax2.axhline(1, color="k", lw=1)
ax2.set(xlabel="tau", ylabel="(||grad f||^2 / (f - f_opt)) / mu  (derived)",
        title="how loose the derived bound is: (1 - tau)^(2l-2) is a worst case")
plt.tight_layout()
plt.show()

# %% [markdown]
# The three claims over 16 random instances each: `hardt-ma/gradient-lower-bound` (the seed's
# eq. (6) as printed) and `hardt-ma/gradient-lower-bound-paper` (the paper's eq. (2.3) as
# printed) are expected to be refuted, `hardt-ma/gradient-lower-bound-derived` to hold. Their
# margin is $1 - (\mu(f - f_{\rm opt}) - \|\nabla f\|_F^2)/(10^{-10}\,\mu(f - f_{\rm opt}))$: 1 where
# the bound is attained with equality, $1 + s/10^{-10}$ where it holds with relative slack $s$,
# and $1 - v/10^{-10}$ where the gradient falls short by the fraction $v$ of the right-hand side.
# Then the counterexample record that `verify check hardt-ma/gradient-lower-bound --n 64` writes
# (`results/hardt-ma__gradient-lower-bound.seed0.n64.json`; here written to a temporary folder), reproduced
# from its arrays, and the smallest counterexample $d = l = 1$, $\tau = 0$, $A = 0$,
# $\Sigma = (2)$, $R = (2)$, checked with the three claims:

# %%
GRADIENT_IDS = ["hardt-ma/gradient-lower-bound-derived", "hardt-ma/gradient-lower-bound", "hardt-ma/gradient-lower-bound-paper"]
keys = ["grad_norm_sq", "grad_norm_sq_reference", "excess_risk", "mu", "sigma_min_Sigma", "ratio", "tau", "block_norm"]
for cid in GRADIENT_IDS:
    show_sweep(cid, keys)
for cid in GRADIENT_IDS[1:]:
    refuted_at = [i for i, v in enumerate(swept(cid).verdicts) if v == "refuted"]
    print(f"{cid} refuted at instances", refuted_at, "with params",
          [instance_params(get_claim(cid), i) for i in refuted_at])
printed_claim = get_claim("hardt-ma/gradient-lower-bound")

import tempfile
from verify.records import read_record, record_path, reproduce, result_record, write_record
from verify.search import sweep

# What `verify check hardt-ma/gradient-lower-bound --n 64` writes, made here in a temporary
# folder so that the notebook does not depend on an earlier run.
command = "verify check hardt-ma/gradient-lower-bound --n 64 --seed 0"
with tempfile.TemporaryDirectory() as folder:
    printed_sweep = sweep(printed_claim, 64, seed=0)
    path = record_path(folder, printed_claim, printed_sweep)
    write_record(result_record(printed_claim, printed_sweep, command, path=path), path)
    record = read_record(path)
inst = record["instance"]
arrays = {k: np.asarray(v["data"]).reshape(v["shape"]) for k, v in inst["arrays"].items()}
meas = {k: float(np.asarray(v["data"]).reshape(-1)[0]) for k, v in inst["measured"].items()}
print(f"\nrecord: `{record['commands']['check']}` -> {record['verdict']} {record['counts']}; refuting instance "
      f"{inst['index']} {inst['params']}: R = {arrays['R'].ravel()}, Sigma = {arrays['Sigma'].ravel()}, "
      f"tau = {float(arrays['tau']):.4f}, A = {arrays['A'].ravel()}")
print(f"    ||grad f||^2 = {meas['grad_norm_sq']:.6g} < printed right-hand side {meas['grad_norm_sq_reference']:.6g}; "
      f"ratio {meas['ratio']:.4g} vs printed mu {meas['mu']:.4g} (derived mu: "
      f"{float(gradient_lower_bound(arrays['A'].shape[0], float(arrays['tau']), jnp.asarray(arrays['Sigma']))):.4g})")
again = reproduce(record)
print(f"    reproduce: recomputed verdict {again.recomputed_verdict!r}, margin {again.recomputed_margin:.6g}, "
      f"regenerated bit for bit: {again.regenerated_identical}")

smallest = {"R": jnp.array([[2.0]]), "Sigma": jnp.array([[2.0]]), "tau": jnp.asarray(0.0), "A": jnp.zeros((1, 1, 1))}
print()
for cid in GRADIENT_IDS:
    ev = get_claim(cid).check_instance(smallest)
    print(f"smallest instance, {cid:38s}: {verdict(ev)!r:9s} ||grad f||^2 = {float(ev.measured['grad_norm_sq']):g}, "
          f"mu (f - f_opt) = {float(ev.measured['grad_norm_sq_reference']):g}, margin {float(ev.margin):.4g}")

# %% [markdown]
# **A certified, minimal counterexample.** The record above is float64 evidence until it is
# proved: `verify check` also encloses both sides of the violated inequality in ball
# arithmetic (python-flint arb balls, interpreting the traced JAX programs of $f - f_{\rm opt}$
# and its gradient), proves the theorem's hypotheses on the instance ($\tau < 1$,
# $\Sigma \succ 0$, $\|A_i\|_2 \le \tau$, the last two through a Gershgorin/Ostrowski
# enclosure of eigenvalues), and looks for a smaller counterexample: the smallest dimensions
# that still refute, then the fewest significant digits of each array that keep the
# refutation certified. `verify cite` turns the record into a paragraph for a write-up.

# %%
from verify.records import citation, counterexample_lines

for line in counterexample_lines(record):
    print(line)
print()
print(citation(record)["markdown"])

# %% [markdown]
# What it shows: the derived constant is never violated (the ratio divided by $\mu$ stays
# $\ge 1$, whatever the scale of $\Sigma$: it does not depend on $c$ at all), and it is attained,
# to rounding, at $A = 0$ with $\Sigma = cI$; the two printed constants are violated as soon as
# $\sigma_{\min}(\Sigma)$ exceeds the slack of the derived bound, in the tight case for every
# $\sigma_{\min}(\Sigma) > 1$, and the paper's, with its larger factor $(1 - \tau)^{l-1}$, more
# often than the seed's (their minima over $A$ nearly coincide, at small $\tau$ where the two
# exponents differ little; the table's share of violated points shows the difference). The
# sweeps refute both as printed, and the smallest instance gives
# $16 < 32$ for both (margin $1 - 0.5/10^{-10} \approx -5\cdot 10^{9}$: the gradient falls short by
# half the right-hand side), where the derived bound is attained (margin 1).
# **The bound to use is $\|\nabla f\|_F^2 \ge 4l(1 - \tau)^{2l-2}\sigma_{\min}(\Sigma)(f - f_{\rm opt})$**
# (`hardt-ma/gradient-lower-bound-derived`, holds). The right panel shows how loose it is away
# from $A = 0$: the factor $(1 - \tau)^{2l-2}$ is the worst case over $\mathcal{B}_\tau$ and
# random points sit far above it.

# %% [markdown]
# ### 3b. The paper's eq. (2.3): the exponent $l - 1$ is wrong on its own
#
# `hardt-ma/gradient-lower-bound-paper` encodes eq. (2.3) as printed,
# $\mu = 4l(1 - \tau)^{l-1}\sigma_{\min}(\Sigma)^2$. It departs from the derived
# $\mu = 4l(1 - \tau)^{2l-2}\sigma_{\min}(\Sigma)$ twice, and each departure alone breaks it:
#
# * $\sigma_{\min}(\Sigma)^2$: at $d = l = 1$ the exponent is 0 either way, and the paper's bound
#   is the seed's: false for every $\sigma_{\min}(\Sigma) > 1$ (the smallest instance above);
# * the exponent $l - 1$: take $\Sigma = I$, where $\sigma_{\min}^2 = \sigma_{\min}$, and the point
#   $d = 1$, $l = 2$, $A_1 = A_2 = -\tau$ on the boundary of $\mathcal{B}_\tau$. There
#   $P = (1 - \tau)^2$, each partial derivative is $-2(R - P)(1 - \tau)$, so
#   $\|\nabla f\|^2 = 8(1 - \tau)^2(f - f_{\rm opt})$: the derived bound holds with equality,
#   and the printed $8(1 - \tau)(f - f_{\rm opt})$ is larger by the factor $1/(1 - \tau)$, for
#   every $\tau \in (0, 1)$. Its margin is $1 - \tau/10^{-10}$.
#
# Below, this second counterexample checked with the three claims for a few $\tau$ ($R = 2$),
# then the sweep of `hardt-ma/gradient-lower-bound-paper`:

# %%
print(f"{'tau':>5s} {'||grad f||^2':>13s} {'f - f_opt':>10s} {'ratio':>8s} {'8 (1-tau)^2':>12s} {'8 (1-tau)':>10s}   "
      "margins: derived, seed (6), paper (2.3)")
for tau in [0.1, 0.5, 0.9]:
    corner = {"R": jnp.array([[2.0]]), "Sigma": jnp.array([[1.0]]), "tau": jnp.asarray(tau),
              "A": jnp.full((2, 1, 1), -tau)}
    evs = [get_claim(cid).check_instance(corner) for cid in GRADIENT_IDS]
    m = {k: float(v) for k, v in evs[0].measured.items()}
    print(f"{tau:5.2f} {m['grad_norm_sq']:13.6g} {m['excess_risk']:10.6g} {m['grad_norm_sq'] / m['excess_risk']:8.4f} "
          f"{8 * (1 - tau) ** 2:12.4f} {8 * (1 - tau):10.4f}   "
          + ", ".join(f"{verdict(ev)} {float(ev.margin):.4g}" for ev in evs))
show_sweep("hardt-ma/gradient-lower-bound-paper", keys)

# %% [markdown]
# ## 4. Gradient descent inside the ball
#
# The seed: *gradient descent is guaranteed to converge to the global minimum, provided that
# iterates stay inside $\mathcal{B}_\tau$.* Quantitatively (claim `hardt-ma/gd-in-ball`): a step
# of size $\eta$ with sufficient decrease, $f(A_{t+1}) \le f(A_t) - \frac{\eta}{2}\|\nabla f(A_t)\|^2$,
# combined with the derived gradient bound gives, while the iterates stay in
# $\mathcal{B}_\tau$,
# $$f(A_{t+1}) - f_{\rm opt} \le \Bigl(1 - \frac{\eta\mu}{2}\Bigr)(f(A_t) - f_{\rm opt}),
# \qquad \mu = 4l(1 - \tau)^{2l-2}\sigma_{\min}(\Sigma).$$
# Below: three instances of the claim's generator ($R = (I + A^*_l)\cdots(I + A^*_1)$ with
# $A^*$ and $A_0$ in $\mathcal{B}_{\tau/2}$), `gradient_descent_trajectory` (`optax.sgd`) with
# $\eta = 1/\lambda_{\max}(\nabla^2 f(A_0))$, 300 steps. The predicted rate is very loose for deep
# nets, since $(1 - \tau)^{2l-2}$ is tiny; the observed rate is the geometric mean of
# $(f_{t+1} - f_{\rm opt})/(f_t - f_{\rm opt})$ over the steps above rounding, as the claim measures it.

# %%
gd = get_claim("hardt-ma/gd-in-ball")


@jax.jit
def gd_run(r, sigma, a0):
    # eta = 1 / lambda_max(Hessian at A_0), 300 steps of optax.sgd; f - f_opt, ||grad f||^2, ||A_t|| along the way.
    l, d = a0.shape[0], a0.shape[1]
    risk = flat_risk(r, sigma, l)
    x0 = a0.reshape(-1)
    eta = 1.0 / extreme_eigenvalues(risk, x0)[1].value
    xs = gradient_descent_trajectory(risk, x0, eta, 300)
    return (eta, jax.vmap(risk)(xs), jax.vmap(lambda x: jnp.sum(jax.grad(risk)(x) ** 2))(xs),
            jax.vmap(lambda x: max_block_norm(x.reshape(l, d, d)))(xs))


runs = []
print(f"{'d':>2s} {'l':>2s} {'tau':>6s} {'sigma_min':>9s} {'eta':>9s} {'mu':>10s} {'1 - predicted rate':>18s} "
      f"{'observed rate':>14s} {'f0 - f_opt':>10s} {'final':>9s} {'max ||A_t||':>11s} {'steps checked':>13s} "
      f"{'suff. decrease':>14s}")
for (d, l), seed in zip([(2, 2), (3, 4), (8, 8)], [3, 1, 2]):
    inst = gd.generate(jax.random.PRNGKey(seed), d=d, l=l)
    tau, sigma = float(inst["tau"]), inst["Sigma"]
    eta, exc, gsq, norms = (np.asarray(a) for a in gd_run(inst["R"], sigma, inst["A0"]))
    mu = float(gradient_lower_bound(l, tau, sigma))
    predicted = 1 - eta * mu / 2
    decrease = exc[1:] <= exc[:-1] - 0.5 * eta * gsq[:-1]
    above = exc[:-1] > 1e-9 * exc[0]                  # below that, rounding of f dominates the ratio
    used = above & decrease & (norms[:-1] <= tau) & (norms[1:] <= tau)
    observed = float(np.exp(np.mean(np.log(exc[1:][used] / exc[:-1][used]))))
    runs.append((d, l, tau, exc, norms, predicted, observed))
    print(f"{d:2d} {l:2d} {tau:6.3f} {float(jnp.linalg.eigvalsh(sigma)[0]):9.3g} {float(eta):9.3g} {mu:10.3g} "
          f"{eta * mu / 2:18.3g} {observed:14.6f} {exc[0]:10.3g} {exc[-1]:9.2g} {norms.max():11.4f} "
          f"{used.sum():13d} {decrease[above].mean():14.0%}")

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.5))
steps = np.arange(301)
for (d, l, tau, exc, norms, predicted, observed), colour in zip(runs, ["tab:blue", "tab:orange", "tab:green"]):
    ax.semilogy(steps, np.maximum(exc, 1e-30), color=colour, lw=2, label=f"d = {d}, l = {l}: f - f_opt")
    ax.semilogy(steps, exc[0] * predicted ** steps, color=colour, ls="--", lw=1,
                label=f"  predicted rate 1 - {1 - predicted:.2g}")
    ax.semilogy(steps, exc[0] * observed ** steps, color=colour, ls=":", lw=1.5, label=f"  observed rate {observed:.3f}")
    ax2.plot(steps, norms, color=colour, lw=2, label=f"d = {d}, l = {l}: max_i ||A_i||")
    ax2.axhline(tau, color=colour, ls="--", lw=1, label=f"  tau = {tau:.3f}")
ax.set(ylim=(1e-30, 1e2), xlabel="step", ylabel="f - f_opt (floored at 1e-30)", title="gradient descent in B_tau")
ax.legend(fontsize=7, ncol=1, loc="lower left")
ax2.set(xlabel="step", ylabel="||A_t|| = max_i ||A_i||_2", ylim=(0, 1), title="the iterates stay in B_tau")
ax2.legend(fontsize=7)
plt.tight_layout()
plt.show()
show_sweep("hardt-ma/gd-in-ball", keys=["eta", "mu", "predicted_rate", "observed_rate", "n_checked_steps",
                                        "n_steps_without_sufficient_decrease", "left_ball", "final_excess"])

# %% [markdown]
# What it shows: from $A_0 \in \mathcal{B}_{\tau/2}$ the iterates stay well inside
# $\mathcal{B}_\tau$ and $f - f_{\rm opt}$ falls geometrically (to rounding for $l = 2$ within
# about 20 steps); every step above rounding is a sufficient decrease, and the observed
# contraction is always below the predicted $1 - \eta\mu/2$. That bound is valid but very
# loose for deep nets: $1 - \eta\mu/2$ is within $10^{-4}$ of 1 for $l = 4$ and within about
# $10^{-15}$ of 1 for $l = 8$ ($(1 - \tau)^{14}$ with $\tau \approx 0.9$), while the observed
# rates are about 0.04, 0.87 and 0.94 for $l = 2, 4, 8$. The sweep of `hardt-ma/gd-in-ball` checks
# the per-step contraction on 16 instances. Its margin is
# $1 - (\text{ratio} - (1 - \eta\mu/2))/10^{-6}$ at the worst checked step (`GD_RATE_TOL` $= 10^{-6}$):
# a smallest margin of about $1.4\cdot 10^{4}$ says that even the slowest step contracts about
# 0.014 faster than the predicted rate.

# %% [markdown]
# ## 5. Depth makes a convex problem non-convex
#
# The seed: *Equation 1 is a convex optimization problem, however Equation 2 is nonconvex.*
# Problem (1), $g(A) = \mathbb{E}\|y - Ax\|^2$, has the constant Hessian $2\Sigma \otimes I$
# (eigenvalues $2\sigma_k(\Sigma)$, each $d$ times, all positive: $g$ is strongly convex).
# Problem (2) with $l = 2$ has a Hessian that depends on $A$. Below, its full spectrum
# (`hessian`, then `eigvalsh`) for $d = 2$, $l = 2$ (8 parameters) at a few points, next to
# the 4 eigenvalues of problem (1); and, for targets $R = I + sG$ at a few distances $s$
# from the identity, the smallest Hessian eigenvalue (relative to the largest) at 200 random
# points with $\|A_i\|_2 \le 1.5$ and at 20 global minima ($A_1$ random,
# $A_2 = R(I + A_1)^{-1} - I$), against the residual $\|R - P\|_F$.

# %%
rng = np.random.default_rng(5)
d5, l5 = 2, 2
r5, sigma5, _ = random_problem(rng, d5, l5, 0.0)
risk5 = flat_risk(r5, sigma5, l5)
g5 = lambda a: jnp.sum(((r5 - a.reshape(d5, d5)) @ sigma5) * (r5 - a.reshape(d5, d5)))
eig_g = np.linalg.eigvalsh(np.asarray(hessian(g5, jnp.zeros(d5 * d5))))
print("problem (1): Hessian eigenvalues", eig_g.round(6), "| 2 sigma(Sigma) =",
      (2 * np.linalg.eigvalsh(np.asarray(sigma5))).round(6))
points = {
    "A = 0": np.zeros((l5, d5, d5)),
    "random, ||A_i|| <= 0.5": np.asarray(random_problem(rng, d5, l5, 0.5)[2]),
    "random, ||A_i|| <= 1.5": np.asarray(random_problem(rng, d5, l5, 1.5)[2]),
    "A_1 = A_2 = -I (P = 0)": -np.stack([np.eye(d5)] * l5),
    "A_1 = 0, A_2 = R - I (P = R)": np.stack([np.zeros((d5, d5)), np.asarray(r5) - np.eye(d5)]),
}
spectra = {k: np.linalg.eigvalsh(np.asarray(hessian(risk5, jnp.asarray(v).reshape(-1))))
           for k, v in points.items()}
for k, e in spectra.items():
    print(f"problem (2) at {k:24s}: eigenvalues {np.array2string(e, precision=3, max_line_width=200)}")
h1 = np.linalg.eigvalsh(np.asarray(hessian(risk1, jnp.array([-1.0, -1.0]))))
print(f"d = 1, l = 2 of section 2 at (-1, -1): {h1} = +-2 Sigma R")

shifts = [0.0, 0.5, 1.0]
g_dir = jnp.asarray(rng.normal(size=(d5, d5)) / np.sqrt(d5))
probes5 = np.asarray(random_problem(rng, d5, l5 * 200, 1.5)[2]).reshape(200, l5, d5, d5)
first5 = np.asarray(random_problem(rng, d5, 20, 0.5)[2])


@jax.jit
def curvature_and_residual(shift):
    # For R = I + shift * G: lambda_min / max|lambda| of the Hessian and ||R - P||_F at the random probes,
    # then at 20 global minima A = (A_1, R (I + A_1)^{-1} - I).
    r = jnp.eye(d5) + shift * g_dir
    risk = flat_risk(r, sigma5, l5)

    def at(b):
        e = jnp.linalg.eigvalsh(hessian(risk, b.reshape(-1)))
        return e[0] / jnp.max(jnp.abs(e)), jnp.linalg.norm(r - residual_product(b))

    minima = jax.vmap(lambda a1: jnp.stack([a1, r @ jnp.linalg.inv(jnp.eye(d5) + a1) - jnp.eye(d5)]))(jnp.asarray(first5))
    return jax.vmap(at)(jnp.asarray(probes5)), jax.vmap(at)(minima)


curv = {s_: curvature_and_residual(s_) for s_ in shifts}
print(f"{'target':>10s} {'random points: lambda_min / max|lambda| < 0':>44s} {'min of it':>10s} "
      f"{'at the 20 global minima: min':>29s} {'max':>9s}")
for s_, ((lam_p, res_p), (lam_m, res_m)) in curv.items():
    lam_p, lam_m = np.asarray(lam_p), np.asarray(lam_m)
    print(f"{'I + ' + str(s_) + ' G':>10s} {np.mean(lam_p < -TOLERANCES['eig_zero']):44.0%} {lam_p.min():10.3f} "
          f"{lam_m.min():29.2e} {lam_m.max():9.2e}")

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.5))
for (k, e), mk in zip(spectra.items(), ["o", "s", "^", "D", "v"]):
    ax.plot(np.arange(1, len(e) + 1), e, marker=mk, lw=1, label=f"problem (2) at {k}")
ax.plot(np.arange(1, len(eig_g) + 1), eig_g, "k*", ms=12, label="problem (1): 2 Sigma (x) I")
ax.axhline(0, color="gray", lw=0.8)
ax.set_yscale("symlog", linthresh=0.1)
ax.set(xlabel="index of the sorted eigenvalue", ylabel="Hessian eigenvalue (symlog)",
       title=f"d = {d5}, l = {l5}: Hessian spectra")
ax.legend(fontsize=8)
for (s_, ((lam_p, res_p), (lam_m, res_m))), colour in zip(curv.items(), ["tab:blue", "tab:orange", "tab:green"]):
    ax2.scatter(res_p, lam_p, s=8, color=colour, alpha=0.6, label=f"R = I + {s_} G: random A")
    ax2.scatter(res_m, lam_m, s=90, marker="*", color=colour, label=f"R = I + {s_} G: global minima")
ax2.axhline(0, color="gray", lw=0.8)
ax2.set(xlabel="||R - P||_F", ylabel="lambda_min / max |lambda| of the Hessian",
        title="problem (2): negative curvature grows with the residual")
ax2.legend(fontsize=7)
plt.tight_layout()
plt.show()
show_sweep("hardt-ma/nonconvex")

# %% [markdown]
# What it shows: the Hessian of problem (1) is the same positive matrix everywhere, while
# problem (2) has negative eigenvalues at every point tried with $P \ne R$: at
# $A_1 = A_2 = -I$ (where $P = 0$, the saddle of section 2 in $d = 2$, eigenvalues in $\pm$
# pairs), at random points, and already at $A = 0$. Only at the global minimum $P = R$ is the
# Hessian PSD, and there it is singular ($d^2 = 4$ zero eigenvalues: the symmetry
# $(I + A_2, I + A_1) \to ((I + A_2)M^{-1}, M(I + A_1))$). The reason: the Gauss-Newton part of the
# Hessian is PSD but singular, and the term $-2\operatorname{tr}(E\Sigma\,(\mathrm{d}A_2\,\mathrm{d}A_1)^\top)$,
# $E = R - P$, is indefinite, so the most negative eigenvalue grows with the residual
# $\|R - P\|_F$ (right panel), for targets near $I$ as well as far from it. Adding depth
# without changing what the model can express makes the problem non-convex; Theorem 2.2 says this
# non-convexity creates no bad critical point in $\mathcal{B}_\tau$, $\tau < 1$. The sweep of
# `hardt-ma/nonconvex` finds negative curvature on every instance and confirms
# $\lambda_{\min} = 2\sigma_{\min}(\Sigma)$ for problem (1). Its margin is the smaller of two
# parts: (a) $1 - |\lambda_{\min}(g) - 2\sigma_{\min}(\Sigma)| / (10^{-10}\cdot 2\sigma_{\max}(\Sigma))$,
# 1 when the identity holds exactly, and (b) $-1 - \lambda_{\min}/(\texttt{eig\_zero}\,\|H\|_2)$ at
# the best probe: 0 when the most negative eigenvalue is just $-\texttt{eig\_zero}\,\|H\|_2$
# ($\texttt{eig\_zero} = 10^{-6}$), about $10^{6}$ times the relative size
# $|\lambda_{\min}|/\|H\|_2$ of the curvature found. A smallest margin near 1 is (a)'s: the
# negative curvature is far beyond the tolerance.

# %% [markdown]
# ## 6. Theorem 2.1: a global minimiser with small norm exists
#
# *Paper Theorem 2.1: let $\gamma = \max\{|\log\sigma_{\max}(R)|, |\log\sigma_{\min}(R)|\}$. If
# $l \ge 3\gamma$, some global minimiser $A^*$ has
# $\|A^*\| \le 2(\sqrt\pi + \sqrt{3\gamma})^2/l$* (`existence_bound`). The seed states it as its
# Theorem 2 with the constant $(4\pi + 3\gamma)/l$ (`existence_bound_review`) and the hypothesis
# $\det R > 0$, which cannot be dropped (below). Neither constant implies the other: the paper's
# is the smaller one for $\gamma < 0.21$ ($2\pi/l$ against $4\pi/l$ at $\gamma = 0$) and the larger
# one above (about $6\gamma/l$ against $3\gamma/l$ as $\gamma$ grows). The claim
# `hardt-ma/existence` checks the paper's constant as the theorem and the seed's as a second
# part, on the same construction.
#
# Theorem 2.2 is only useful if the global minima lie in $\mathcal{B}_\tau$ for some $\tau < 1$;
# this is what Theorem 2.1 provides, with $\tau = O(1/l)$. The seed's remark for PSD $R$:
# $A_i = R^{1/l} - I$ for every $i$ (`psd_root_blocks`), with
# $\|A_i\| = \max_k|\lambda_k^{1/l} - 1| \le e^{\gamma/l} - 1$. For general $R$ with
# $\det R > 0$, `construct_global_minimiser` follows the outline of the proof: polar
# decomposition $R = WS$ ($W$ a rotation, since $\det R > 0$; $S \succ 0$), $\lceil l/2\rceil$
# blocks $S^{1/l_S} - I$, then $\lfloor l/2\rfloor$ blocks that are roots of the rotation $W$ (each
# of norm $2\sin(\theta/(2q)) \le \pi/q$), with a split of $W$ when an angle is close to $\pi$,
# choosing among such splits (and one where $S$ is merged into the first rotation block) the
# one of least norm (the module docstring of `verify.claims.hardt_ma.existence`). Below,
# $d = 4$, targets
# $R = W\,V\operatorname{diag}(e^{s})V^\top$ with $W$, $V$ Haar-random, $s_k \in [-\gamma, \gamma]$ and
# $|s_1| = \gamma$ exactly, 12 targets for each $(\gamma, l)$:

# %%
from verify.claims.hardt_ma import (construct_global_minimiser, existence_bound, existence_bound_review,
                                    negative_determinant_demo, psd_root_blocks)

rng = np.random.default_rng(6)
d6 = 4


def haar_rotation(d):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def target(gamma, psd=False):
    s = rng.uniform(-gamma, gamma, d6)
    s[0] = gamma * rng.choice([-1.0, 1.0])
    v = haar_rotation(d6)
    spd = (v * np.exp(s)) @ v.T
    return 0.5 * (spd + spd.T) if psd else haar_rotation(d6) @ spd


@jax.jit
def norm_and_error(blocks, r):
    # ||A|| = max_i ||A_i||_2 and ||P - R||_F / ||R||_F.
    return max_block_norm(blocks), jnp.linalg.norm(residual_product(blocks) - r) / jnp.linalg.norm(r)


depths = [6, 8, 16, 32, 64]
gammas = [0.5, 2.0]
results6 = {}
print(f"{'gamma':>5s} {'l':>3s} {'PSD: max ||R^(1/l) - I||':>25s} {'e^(gamma/l) - 1':>16s} "
      f"{'general: max ||A*||':>20s} {'paper bound':>11s} {'max ratio':>9s} {'seed bound':>10s} {'max ratio':>9s} "
      f"{'max ||P - R|| / ||R||':>22s}")
for gamma in gammas:
    for l in depths:
        psd_norms, norms, errs = [], [], []
        for _ in range(12):
            for psd in (True, False):
                rt = target(gamma, psd=psd)
                blocks = psd_root_blocks(rt, l) if psd else construct_global_minimiser(rt, l)
                norm, err = (float(v) for v in norm_and_error(blocks, jnp.asarray(rt)))
                (psd_norms if psd else norms).append(norm)
                errs.append(err)
        bound, review = float(existence_bound(gamma, l)), float(existence_bound_review(gamma, l))
        results6[gamma, l] = (max(psd_norms), np.array(norms), bound, review)
        print(f"{gamma:5.1f} {l:3d} {max(psd_norms):25.4f} {np.expm1(gamma / l):16.4f} {max(norms):20.4f} "
              f"{bound:11.4f} {max(norms) / bound:9.3f} {review:10.4f} {max(norms) / review:9.3f} {max(errs):22.2g}")

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 6))
for gamma, colour in zip(gammas, ["tab:blue", "tab:orange"]):
    ax.loglog(depths, [results6[gamma, l][2] for l in depths], color=colour, ls="--",
              label=f"gamma = {gamma}: paper's bound 2 (sqrt(pi) + sqrt(3 gamma))^2 / l")
    ax.loglog(depths, [results6[gamma, l][3] for l in depths], color=colour, ls="-.", lw=1,
              label=f"gamma = {gamma}: seed's bound (4 pi + 3 gamma) / l")
    ax.loglog(depths, [results6[gamma, l][1].max() for l in depths], "o-", color=colour,
              label=f"gamma = {gamma}: general R, max ||A*|| over 12 R")
    ax.loglog(depths, [results6[gamma, l][0] for l in depths], "s:", color=colour,
              label=f"gamma = {gamma}: PSD R, max ||R^(1/l) - I||")
    for l in depths:
        ax2.scatter(np.full(12, l) * (1.04 if gamma > 1 else 0.96), results6[gamma, l][1] / results6[gamma, l][2],
                    s=14, color=colour, label=f"gamma = {gamma}: / paper's bound" if l == depths[0] else None)
        ax2.scatter(np.full(12, l) * (1.04 if gamma > 1 else 0.96), results6[gamma, l][1] / results6[gamma, l][3],
                    s=14, marker="x", color=colour, label=f"gamma = {gamma}: / seed's bound" if l == depths[0] else None)
ax.axhline(1, color="k", lw=0.8)
ax.set(xlabel="depth l", ylabel="||A*|| = max_i ||A_i||_2", title=f"d = {d6}: the constructed global minimisers")
ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)   # below: the curves fill the axes
ax2.set_xscale("log")
ax2.axhline(1, color="k", lw=0.8)
ax2.set(xlabel="depth l", ylabel="||A*|| / bound", ylim=(0, 1.05),
        title="every constructed A* is within both bounds")
ax2.legend(fontsize=8)
for a in (ax, ax2):
    a.set_xticks(depths, [str(l) for l in depths])
    a.xaxis.set_minor_locator(plt.NullLocator())
plt.tight_layout()
plt.show()

# %% [markdown]
# What the numbers show: every construction reproduces $R$ to rounding ($\|P - R\| / \|R\|$ of
# order $10^{-14}$) and stays below both constants by a wide margin. The bounds exceed 1 (and so
# say nothing for Theorem 2.2) until $l > 2(\sqrt\pi + \sqrt{3\gamma})^2$ for the paper's, about 18
# for $\gamma = 0.5$ and 36 for $\gamma = 2$, and until $l > 4\pi + 3\gamma$ for the seed's, about 14
# and 19; the constructed $\|A^*\|$ falls like $1/l$, at 0.15 to 0.3 of the paper's bound and 0.25
# to 0.46 of the seed's, and is below 1 from $l = 8$ on for both values of $\gamma$ (at $l = 6$,
# $\gamma = 2$ one target needs $\|A^*\| \approx 1.41$). For PSD
# $R$ the naive root has norm exactly $e^{\gamma/l} - 1 \approx \gamma/l$; the rotation part of a
# general $R$ costs up to $\pi/\lfloor l/2\rfloor$, which dominates for small $\gamma$.
#
# **When $\det R < 0$.** For $\|A_i\|_2 < 1$, $\det(I + tA_i) \ne 0$ for $t \in [0, 1]$, so
# $\det(I + A_i) > 0$ and every product $P$ of such factors has $\det P > 0$: no global minimiser
# lies in $\mathcal{B}_\tau$ for any $\tau < 1$ (exact factorisations exist, but need some
# $\|A_i\| \ge 1$). Quantitatively, the segment from $P$ to $R$ crosses $\{\det = 0\}$, so
# $\|P - R\|_F \ge \sigma_{\min}(R)$, and with $\Sigma = I$, $f - f_{\rm opt} \ge \sigma_{\min}(R)^2$ on
# all of $\mathcal{B}_\tau$. `negative_determinant_demo` measures it (smallest $\det P$ over 256
# random $A \in \mathcal{B}_{0.9}$, and projected gradient descent inside $\mathcal{B}_{0.9}$ from 16
# starts):

# %%
r_neg = np.diag([1.5, 0.7, -1.2])
demo = {k: float(v) for k, v in negative_determinant_demo(jax.random.PRNGKey(0), r_neg, 8, tau=0.9).items()}
print(f"R = diag(1.5, 0.7, -1.2), l = 8, tau = 0.9: det R = {demo['det_R']:.3g}")
print(f"    smallest det P over random A in B_0.9:            {demo['min_det_random']:.4g} (> 0)")
print(f"    smallest f - f_opt reached by projected GD:        {demo['min_excess_risk_pgd']:.6g}")
print(f"    lower bound sigma_min(R)^2:                        {demo['excess_risk_lower_bound']:.6g}")
print(f"    largest ||A|| of the projected GD iterates:        {demo['max_block_norm_pgd']:.6g}")
try:
    construct_global_minimiser(r_neg, 8)
except InvalidInstanceError as e:
    print("construct_global_minimiser refuses it:", str(e)[:160], "...")
show_sweep("hardt-ma/existence", keys=["block_norm", "block_norm_reference", "block_norm_review_reference", "gamma",
                                       "ratio", "ratio_review", "relative_error", "split", "theta_max"])

# %% [markdown]
# What it shows: with $\det R < 0$ every product in $\mathcal{B}_{0.9}$ keeps $\det P > 0$, and
# gradient descent constrained to the ball stops at $f - f_{\rm opt}$ just above
# $\sigma_{\min}(R)^2 = 0.49$: the hypothesis $\det R > 0$ of the seed's Theorem 2 cannot be
# dropped. The sweep of `hardt-ma/existence` (targets with angles near $\pi$, near-PSD and
# $\gamma$ at the edge $l/3$) holds on all 16 instances. Its margin is the smallest of three
# parts: the identity $P(A^*) = R$, $1 - (\|P - R\|_F/\|R\|_F)/10^{-10}$, and the two bounds,
# $1 + (\text{bound} - \|A^*\|)/(10^{-10}\,\text{bound})$. The bounds hold with wide slack and
# read far above 1 (about $10^{10}$), so the smallest margin is the identity's: 1 to the digits
# printed ($1 - 3.5\cdot 10^{-4}$ at the worst instance: rounding in the $l$ products used a few
# $10^{-4}$ of the tolerance).

# %% [markdown]
# ## 7. Theorem 3.2: a ReLU residual network with $O(n\log n + r^2)$ parameters memorises $n$ points
#
# *Paper Theorem 3.2 (seed Theorem 3): if $\|x^{(i)} - x^{(j)}\|^2 \ge \rho > 0$ for $i \ne j$, a
# residual network with $O(n\log n + r^2)$ parameters maps each $x^{(i)}$ to its label
# $y^{(i)} \in \{e_1, \dots, e_r\}$.* The construction (seed section 3): $h_0 = A_0 x$ with a
# random $A_0 \in \mathbb{R}^{k \times d}$; $l = \lceil n/k\rceil$ blocks
# $h_j = h_{j-1} + V_j\,\mathrm{ReLU}(U_j h_{j-1} + s_j)$, each moving $k$ points to random
# "surrogate labels" $q_c$ and leaving the others exactly in place; a last block
# $\hat y = B\,\mathrm{ReLU}(A h_l + b)$ mapping $q_c \to e_c$; $k = O(\log n)$;
# $kd + l(2k^2 + k) + kr + r^2 + r$ parameters. `build_memorising_resnet` builds it, with the
# slips of the printed proof corrected (the paper's last block adds a vector of
# $\mathbb{R}^k$ to one of $\mathbb{R}^r$; its single ReLU threshold $1 - 2\rho'$ can fire on
# a neighbouring point; each unit's threshold is set inside its own margin instead: in
# `verify.claims.hardt_ma.expressivity`). First, $n = 12$ points on the unit circle with
# random labels in $r = 3$ classes, and the network's output along the whole circle:

# %%
from verify.claims.hardt_ma import apply_resnet, build_memorising_resnet, parameter_count, parameter_count_table

angles7 = np.linspace(0, 2 * np.pi, 13)[:-1]
x7 = np.stack([np.cos(angles7), np.sin(angles7)], axis=1)
labels7 = np.random.default_rng(7).integers(0, 3, 12)
net7, margins7 = build_memorising_resnet(x7, labels7, 3, jax.random.PRNGKey(0), with_margins=True)
apply_all = jax.jit(jax.vmap(lambda p: apply_resnet(net7, p)))
out7 = np.asarray(apply_all(jnp.asarray(x7)))
k7, l7 = net7.width, net7.blocks
print(f"n = 12, d = 2, r = 3: width k = {k7}, blocks l = {l7}, parameters {parameter_count(net7)} "
      f"= kd + l(2k^2 + k) + kr + r^2 + r = {k7 * 2 + l7 * (2 * k7 ** 2 + k7) + k7 * 3 + 9 + 3}")
print("labels:             ", labels7.tolist())
print("argmax N(x_i):      ", out7.argmax(1).tolist())
print(f"max_i ||N(x_i) - e_(y_i)||_inf = {np.abs(out7 - np.eye(3)[labels7]).max():.2g}; margins: hidden "
      f"{float(margins7.hidden_gap):.3g}, final {float(margins7.final_gap):.3g}, rho = {float(margins7.min_sq_distance):.3g}")

theta = np.linspace(0, 2 * np.pi, 1441)
curve = np.asarray(apply_all(jnp.asarray(np.stack([np.cos(theta), np.sin(theta)], axis=1))))
rows = parameter_count_table(ns=(16, 100, 500, 2000), d=8, r=10)
print(f"\n{'n':>5s} {'k':>3s} {'l':>3s} {'parameters':>10s} {'n ln n + r^2':>12s} {'ratio':>6s} {'max label error':>15s} "
      f"{'rho':>8s}")
for row in rows:
    print(f"{row.n:5d} {row.k:3d} {row.l:3d} {row.count:10d} {row.n_log_n_plus_r2:12.0f} {row.ratio:6.2f} "
          f"{row.max_label_error:15.2g} {row.min_sq_distance:8.2g}")

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.3))
for c, colour in enumerate(["tab:blue", "tab:orange", "tab:green"]):
    ax.plot(theta, curve[:, c], color=colour, lw=1.2, label=f"N(x)_{c + 1}")
    s = labels7 == c
    ax.plot(angles7[s], np.ones(s.sum()), "o", color=colour, ms=8, mec="k")
ax.set(xlabel="angle of x on the unit circle", ylabel="output of the network",
       title="N(x) along the circle (dots: the 12 data points, at their label)")
ax.legend(fontsize=8)
ns = np.array([row.n for row in rows])
ax2.loglog(ns, [row.count for row in rows], "o-", label="parameters of the constructed network")
ax2.loglog(ns, [row.n_log_n_plus_r2 for row in rows], "k--", label="n ln n + r^2")
ax2.loglog(ns, [8 * row.n_log_n_plus_r2 for row in rows], "k:", lw=1, label="8 (n ln n + r^2)")
ax2.set(xlabel="n", ylabel="count", title="d = 8, r = 10: size of the memorising network")
ax2.legend(fontsize=8)
plt.tight_layout()
plt.show()
show_sweep("hardt-ma/expressivity", keys=["max_label_error", "count_ratio", "k", "l", "hidden_gap", "conditioning",
                                          "min_sq_distance"])

# %% [markdown]
# What it shows: the network maps every data point exactly (to $10^{-14}$) to its one-hot
# label; between the points its output is whatever the construction leaves there (bumps of
# any class, or no class at all on parts of the circle): the theorem is about expressivity,
# memorising the training set, and says nothing about other points. Its size follows $n\ln n + r^2$ with a nearly constant
# ratio of about 8 from $n = 16$ to $n = 2000$ (with $k \approx 4\ln(n + r)$ and $l = \lceil n/k\rceil$
# blocks of $2k^2 + k$ parameters, $2lk^2 \approx 8\,n\ln n$), also when the generator's
# near-copies push the separation $\rho$ down to about $3 \cdot 10^{-5}$ (the label error grows
# with the conditioning, to about $10^{-10}$). The sweep of `hardt-ma/expressivity`
# holds on all 16 instances; its margin, the smaller of
# $1 - \text{error}/(\texttt{MEMORISATION\_TOL}\cdot\text{conditioning})$ and the parameter count's
# $1 - 2|\text{count} - \text{formula}|$, reads 1: every point lands on its label far within the
# rounding allowance, and the count equals the formula exactly.

# %% [markdown]
# ## 8. Verdicts of all the Hardt & Ma claims
#
# Every `hardt-ma/*` claim over 16 random instances, `verify.sweep(claim, n=16, seed=0)` (the
# same as `verify check <id> --n 16 --seed 0`). *Expected* is the toolkit's conclusion about the
# claim as stated: the paper's eq. (2.3) and the seed's eq. (6), as printed, are false
# statements, encoded to be refuted (`hardt-ma/gradient-lower-bound-paper`,
# `hardt-ma/gradient-lower-bound`). The smallest margin is on the one scale of the introduction:
# 1 where the closest instance agrees exactly, far above 1 where every instance has slack, and
# for a refuted claim the most negative margin, $-k$ for a violation of $k + 1$ tolerances. Here:
# the critical points, the existence construction, the memorising network and problem (1)'s
# curvature are exact to rounding (1); the derived gradient bound is attained (1, at $d = l = 1$);
# gradient descent beats its predicted rate at every checked step (about $1.4\cdot 10^{4}$, in units
# of $10^{-6}$); and the two printed gradient bounds fail, at a $d = l = 1$ instance with
# $\sigma_{\min}(\Sigma) \approx 5.5$, by $1 - 1/5.5 \approx 0.82$ of the right-hand side, i.e. about
# $-8\cdot 10^{9}$ in units of $10^{-10}$.

# %%
ids = sorted(cid for cid in verify.registry() if cid.startswith("hardt-ma/"))
verdict_table(ids, swept, started=T0)   # fails the notebook if a verdict is not the expected one

# %% [markdown]
# Summary, in the seed's terms: the closed-form risk is the risk; inside $\mathcal{B}_\tau$,
# $\tau < 1$, every critical point of the non-convex deep linear residual risk is global, and
# $\tau = 1$ already fails (Theorem 2.2); the gradient bound holds with $\sigma_{\min}(\Sigma)$ and
# $(1 - \tau)^{2l-2}$, and is false with $\sigma_{\min}(\Sigma)^2$ as the seed's eq. (6) and the
# paper's eq. (2.3) print it, and with the paper's exponent $l - 1$ even where
# $\sigma_{\min}(\Sigma) = 1$; gradient descent that stays in the ball
# converges linearly, much faster than the bound predicts for deep nets; a global minimiser
# with $\|A^*\| = O(1/l)$ exists when $\det R > 0$, within both the paper's constant
# $2(\sqrt\pi + \sqrt{3\gamma})^2/l$ and the seed's $(4\pi + 3\gamma)/l$ (Theorem 2.1; and none
# in any $\mathcal{B}_\tau$, $\tau < 1$, when $\det R < 0$); and a ReLU residual network of $O(n\log n + r^2)$ parameters memorises
# any labelling of $n$ separated points.
