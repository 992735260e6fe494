# %% [markdown]
# # Lecture 6: the landscape of non-linear networks, and representation power
#
# This notebook follows sections 6.2-6.4 of the lecture notes *Landscape Analysis and
# Representation* (seed `shared/seeds/001_749c64abaf8f8510.txt`): the single neuron of Auer,
# Herbster & Warmuth (1996) with exponentially many local minima (section 6.2, Figure 6.1,
# Theorems 6.1 and 6.2, footnote 1), over-parameterised networks (section 6.3) and the
# representation power of one hidden layer (section 6.4). Every number is computed here, in
# float64, with the toolkit:
#
# * `verify.claims.auer`: the construction `many_minima_data` (data with $\lfloor n/d\rfloor^d$
#   minima), the error `single_neuron_error`, the multi-start search `search_minima` /
#   `count_minima` (in sinh coordinates, `search_scales`), the ball-arithmetic certificate
#   `certify_minimum` (python-flint's arb), the basin count `minimum_basins`;
# * `verify.landscape`: `classify` (*local minimum / strict saddle / degenerate / ...* with the
#   relative tolerances of `verify.tolerances.TOLERANCES`) and `multiscale` (sinh coordinates,
#   the Chao1 estimate of missed minima);
# * the registered claims, each swept with `verify.sweep(claim, n=16, seed=0)` (the same as
#   `verify check <id> --n 16`), tabulated at the end.
#
# The largest search here (1,000 minima) uses 20,480 starts; the whole notebook runs in
# about two to three minutes on two CPU cores.

# %%
import time
from collections import Counter

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import verify
from verify import get_claim
from verify.claims.auer import (LOSSES, SPACING, TARGET, TRANSFERS, certify_minimum, count_minima,
                                expected_minima, loss_scale, many_minima_data, minimum_basins,
                                search_minima, search_scales, single_neuron_error)
from verify.landscape import PointType, classify
from verify.landscape.multiscale import from_sinh_coordinates, to_sinh_coordinates
from verify.tolerances import TOLERANCES

from nbhelpers import SweepCache, type_name, verdict_table

T0 = time.perf_counter()
LOGISTIC, ARCTAN, RELU = (TRANSFERS.index(t) for t in ("logistic", "arctan", "relu"))
SQUARE, PSEUDO_HUBER = (LOSSES.index(l) for l in ("square", "pseudo-huber"))
N_SWEEP, SWEEP_SEED = 16, 0
# swept(claim_id): verify.sweep(claim, N_SWEEP, seed=SWEEP_SEED), run once per claim and reused by the
# table at the end; show_sweep(claim_id, keys) prints its verdict, counts, smallest margin and measured numbers.
swept = SweepCache(N_SWEEP, SWEEP_SEED)
show_sweep = swept.show

print("verify", verify.__version__, "| jax", jax.__version__, "| default float:", jnp.zeros(1).dtype)

# %% [markdown]
# ## 1. Auer et al.: the sum of two good landscapes (section 6.2.1, Figure 6.1)
#
# A single neuron without bias, the logistic function $\sigma$ and the square loss, one input:
# $E_i(w) = (y_i - \sigma(w x_i))^2$. With $y_i$ strictly inside $(0, 1)$, $E_i$ has exactly one
# critical point, its global minimum at $w = \sigma^{-1}(y_i)/x_i$ (where it is 0), and it is
# monotone on either side of it: a good landscape. The lecture's point is that
# $E = E_1 + E_2$ need not have one: take $x = (1, 1/10)$, $y_1 = y_2 = 3/4$. The minima of
# $E_1$ and $E_2$ are at $\ln 3 \approx 1.10$ and $10\ln 3 \approx 11.0$. Near the first,
# $E_2$ is almost linear with a small slope (its example is still in the linear part of
# $\sigma$); near the second, $E_1$ is saturated and almost flat. Neither destroys the other's
# dip, so $E$ has **two** local minima, a local maximum between them, and on $w < 0$ it only
# increases away from 0.
#
# The search: `search_minima` (as in the claim `auer/two-examples`) runs from 64 starts in the
# data-driven box of each function, on the sinh coordinates $w = a\sinh v$ (section 3 says
# why), with saddle-free Newton then a Levenberg-Marquardt polish, and classifies every end point
# with `classify`; equal minima are grouped. The minima it finds are marked, and each minimum of
# $E$ is then certified in ball arithmetic (`certify_minimum`, section 3).

# %%
x_two = jnp.array([[1.0], [0.1]])
y_two = jnp.full(2, TARGET)
SUBSETS = {"E1": jnp.array([1.0, 0.0]), "E2": jnp.array([0.0, 1.0]), "E = E1 + E2": jnp.array([1.0, 1.0])}
starts_two = jax.random.uniform(jax.random.PRNGKey(0), (64, 1), jnp.float64, -1.0, 1.0)


@jax.jit
@jax.vmap
def search_subset(weights):
    # One search per function; its starts cover the function's own data-driven box.
    scale, half = search_scales(x_two * weights[:, None])
    v, c, first, hits = search_minima(x_two, y_two, LOGISTIC, SQUARE, starts_two * half, weights=weights)
    return from_sinh_coordinates(v, scale)[:, 0], first, hits, c.point_type


w_end, first, hits, types = (np.asarray(a) for a in search_subset(jnp.stack(list(SUBSETS.values()))))
found_two = {}
for i, name in enumerate(SUBSETS):
    found_two[name] = np.sort(w_end[i][first[i]])
    print(f"{name:12s}: {first[i].sum()} distinct local minima at w = {np.round(found_two[name], 6).tolist()}, "
          f"reached by {hits[i][first[i]].tolist()} of {len(starts_two)} starts; end points: "
          f"{dict(Counter(type_name(t) for t in types[i]))}")
logit = np.log(TARGET / (1 - TARGET))
print(f"exact minima of E1, E2: sigma^-1(y) / x_i = {logit:.6f}, {logit / 0.1:.6f}")

E = lambda w, i: (TARGET - jax.nn.sigmoid(w * x_two[i, 0])) ** 2
E_sum = lambda w: E(w, 0) + E(w, 1)
for w in found_two["E = E1 + E2"]:
    cert = certify_minimum(x_two, y_two, "logistic", "square", np.array([w]))
    print(f"E: minimum at w = {w:.6f}, E = {float(E_sum(w)):.6f}; arb certificate: {cert['certified']} "
          f"(one critical point in the box: {cert['unique_critical']}, Hessian > 0 on it: {cert['positive_definite']})")
grid = np.geomspace(found_two["E = E1 + E2"][0], found_two["E = E1 + E2"][1], 20001)
top = grid[np.argmax(np.asarray(E_sum(grid)))]
print(f"the local maximum of E between them: w ~ {top:.4f}, E = {float(E_sum(top)):.6f}")

fig, (axl, axr) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 3]})
wl, wr = np.linspace(-40, 0, 400), np.geomspace(1e-2, 1e3, 800)
for ax, w in ((axl, wl), (axr, wr)):
    ax.plot(w, E(w, 0), "C0", label=r"$E_1(w) = (y - \sigma(w))^2$")
    ax.plot(w, E(w, 1), "C1", label=r"$E_2(w) = (y - \sigma(w/10))^2$")
    ax.plot(w, E_sum(w), "k", lw=2, label=r"$E = E_1 + E_2$")
axr.set_xscale("log")
for name, colour, f in (("E1", "C0", lambda w: E(w, 0)), ("E2", "C1", lambda w: E(w, 1)), ("E = E1 + E2", "k", E_sum)):
    w = found_two[name]
    axr.plot(w, f(w), "o", ms=9, mfc="none", mec=colour, mew=2)
axr.plot([], [], "o", mfc="none", mec="gray", mew=2, label="minima found by the search")
axr.plot(top, E_sum(top), "v", color="C3", label="local maximum of E")
axl.set(xlabel="w (< 0, linear axis)", ylabel="error")
axr.set(xlabel="w (> 0, log axis)", ylim=(-0.005, 0.15), title=r"Figure 6.1: $x = (1, 1/10)$, $y = 3/4$, logistic, square loss")
axr.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# The claim `auer/two-examples` runs this search on random instances ($x = (s, s/c)$ with a
# random scale and sign $s$, $c \in [10, 20]$, equal targets in $(0.7, 0.8)$) and checks the
# counts 1, 1, 2 and the locations $\sigma^{-1}(y)/x_i$:

# %%
show_sweep("auer/two-examples")

# %% [markdown]
# ## 2. Exponentially many minima: Theorem 6.1 (Auer et al., Theorem 3.4)
#
# **Theorem 6.1.** If $z \mapsto \ell(y, \phi(z))$ is continuous and bounded, then for every
# $n \ge 1$ there is data such that $F(w) = \frac1n\sum_i \ell(y_i, \phi(w\cdot x_i))$ has
# $\lfloor n/d\rfloor^d$ distinct local minima.
#
# **The construction** (the toolkit's, `many_minima_data`; the paper's proof spaces its
# examples further apart). *One coordinate.* Take $m$ examples $x_k = c^{-k}$, $k = 0..m-1$,
# all with target $y = 3/4$. Example $k$ alone has its minimum at $w = c^k\sigma^{-1}(y)$.
# There, examples $0..k-1$ have $|x w| \ge c$: saturated, flat up to a tail; examples
# $k+1..m-1$ have $|x w| \le 1/c$: linear, adding a slope of relative size $\sim 1/c$ to the
# dip of example $k$. For $c$ large enough the dip survives: the sum has a local minimum near
# each $c^k\sigma^{-1}(y)$, $m$ in all (on $w < 0$ every term increases away from 0). The
# toolkit's spacing is `SPACING` (10 for the logistic function, 100 for arctan, whose tail is
# only polynomial; about twice the smallest spacing that worked in its measurements).
# *$d$ coordinates.* Put $m = \lfloor n/d\rfloor$ such examples on each axis $e_j$ (the
# $n - dm$ left over at $x = 0$ add a constant): $F(w) = \sum_j F_j(w_j)$ is separable, and its
# local minima are exactly the products of the one-coordinate minima, $m^d$ of them.
#
# Below, $n = 8$, $d = 2$: $m = 4$ minima per axis at $w_j \approx 1.3 \cdot 10^k$, $k = 0..3$,
# so 16 minima. The search does not know where they are: `count_minima` draws 2,048 starts
# uniformly in the box of sinh coordinates given by `search_scales` (data-driven: from the
# scale below which every example is linear to the one beyond which every example is
# saturated), descends from each, keeps the end points that `classify` calls
# `LOCAL_MINIMUM`, groups equal ones and certifies each in ball arithmetic. The map is drawn in
# the search's coordinates $v_j = \operatorname{asinh}(w_j/a_j)$, labelled in $w$.

# %%
x8, y8 = many_minima_data(8, 2)
COUNTS = {}                                         # (transfer, n, d) -> MinimaCount, for the table below
count8 = COUNTS["logistic", 8, 2] = count_minima(x8, y8, "logistic", "square", n_starts=2048)
scale8, half8 = (np.asarray(a) for a in search_scales(jnp.asarray(x8)))
print(f"n = 8, d = 2: expected floor(n/d)^d = {expected_minima(8, 2)}; found {count8.n_found}, certified in arb "
      f"{count8.n_certified}; Chao1 estimate of minima missed {count8.unseen:g}; starts per minimum "
      f"{count8.hits.min()}..{count8.hits.max()}; {count8.seconds_search:.1f} s search, "
      f"{count8.seconds_certify:.2f} s certificates")
per_axis = np.unique(np.round(count8.minima, 6))
print("coordinates of the minima:", per_axis.tolist(), "= c^k sigma^-1(y) for c = 10:",
      (SPACING["logistic"] ** np.arange(4) * np.log(3)).round(6).tolist())

F8 = jax.jit(jax.vmap(lambda w: single_neuron_error(w, jnp.asarray(x8), jnp.asarray(y8), LOGISTIC, SQUARE)))
lo_v = -4.0
v = np.linspace(lo_v, half8[0], 361)
V1, V2 = np.meshgrid(v, v)
W = np.stack([(scale8[0] * np.sinh(V1)).ravel(), (scale8[1] * np.sinh(V2)).ravel()], axis=1)
Fgrid = np.asarray(F8(jnp.asarray(W))).reshape(V1.shape)
fig, ax = plt.subplots(figsize=(7.5, 6.5))
levels = np.linspace(Fgrid.min(), 0.07, 36)          # F(0) = 0.0625; higher values (w < 0) in one colour
cs = ax.contourf(V1, V2, Fgrid, levels, cmap="viridis", extend="max")
ax.contour(V1, V2, Fgrid, levels, colors="k", linewidths=0.2)
fig.colorbar(cs, ax=ax, label="F(w)")
vm = to_sinh_coordinates(count8.minima, scale8)
ok = count8.certified
ax.scatter(vm[ok, 0], vm[ok, 1], s=70, c="w", edgecolors="r", linewidths=1.5, label=f"certified minimum ({ok.sum()})")
if (~ok).any():
    ax.scatter(vm[~ok, 0], vm[~ok, 1], s=70, marker="x", c="r", label=f"not certified ({(~ok).sum()})")
ticks_w = np.array([-10.0, -1, 0, 1, 10, 100, 1e3, 1e4, 1e5])
ticks_v = np.arcsinh(ticks_w / scale8[0])
for set_ticks, set_labels in ((ax.set_xticks, ax.set_xticklabels), (ax.set_yticks, ax.set_yticklabels)):
    set_ticks(ticks_v)
    set_labels([f"{t:g}" for t in ticks_w])
ax.set(xlim=(lo_v, half8[0]), ylim=(lo_v, half8[1]), xlabel="$w_1$ (asinh scale)", ylabel="$w_2$ (asinh scale)",
       title=f"F for many_minima_data(8, 2): {count8.n_found} minima found, {count8.n_certified} certified")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# ### The count table
#
# `count_minima` on the construction for several $(n, d)$ and the two bounded composites of
# the claims, logistic and arctan-to-$(0,1)$, each with the square loss. *Certified* counts
# the minima whose ball-arithmetic certificate holds (below). *Chao1* is the estimate of how
# many minima the search missed, from the numbers $f_1$, $f_2$ of minima reached by exactly one
# and exactly two starts: $f_1(f_1-1)/(2(f_2+1))$ (Chao 1984; `unseen_estimate`). It is 0 when
# every minimum was reached at least twice, and it is a lower-bound estimator (exact in
# expectation when all basins are equally likely, an underestimate when they are not).
#
# The starts grow with the count: the $(30, 3)$ case has 1,000 minima, with coordinates up to
# $\sim 10^9$, and gets 20,480 starts (logistic only, to keep the notebook quick). (Each new
# $(n, d)$ compiles the search once, a few seconds; the two transfers share it. The $(8, 2)$
# logistic row is the search of the map above.) `bench/bench_auer.py` (about 5 minutes) runs the larger table,
# up to the 1,024 minima of $(64, 2)$, whose coordinates span $10^{31}$, with throughputs.

# %%
CASES = [("logistic", 8, 2, 2048), ("arctan", 8, 2, 2048), ("logistic", 20, 2, 4096), ("arctan", 20, 2, 4096),
         ("logistic", 30, 3, 20480)]


def run_cases(cases):
    for transfer, n, d, starts in cases:
        x, y = many_minima_data(n, d, transfer)
        COUNTS[transfer, n, d] = count_minima(x, y, transfer, "square", n_starts=starts)


def count_table(keys):
    rows = ["| transfer | n | d | starts | found | certified (arb) | expected $\\lfloor n/d\\rfloor^d$ | $f_1$ | $f_2$ | "
            "Chao1 unseen | found + unseen | search (s) | certify (s) |", "|---" * 13 + "|"]
    for transfer, n, d in keys:
        r = COUNTS[transfer, n, d]
        rows.append(f"| {transfer} | {n} | {d} | {r.n_starts:,} | {r.n_found} | {r.n_certified} | {expected_minima(n, d)} | "
                    f"{np.sum(r.hits == 1)} | {np.sum(r.hits == 2)} | {r.unseen:.1f} | {r.n_found + r.unseen:.1f} | "
                    f"{r.seconds_search:.1f} | {r.seconds_certify:.1f} |")
    display(Markdown("\n".join(rows)))


run_cases([c for c in CASES if c[2] < 3 and c[:3] not in COUNTS])
for transfer, n, d, _ in CASES[:4]:
    r = COUNTS[transfer, n, d]
    print(f"{transfer:8s} (n, d) = ({n}, {d}): {r.n_found} found, {r.n_certified} certified, expected {expected_minima(n, d)}")

# %%
run_cases([c for c in CASES if c[2] == 3])
count_table([c[:3] for c in CASES])
r30 = COUNTS["logistic", 30, 3]
print(f"(30, 3), logistic: {r30.n_found} minima found from {r30.n_starts:,} starts, {r30.n_certified} certified, "
      f"coordinates from {np.abs(r30.minima).min():.3g} to {np.abs(r30.minima).max():.3g}; "
      f"losses {r30.losses.min():.6f}..{r30.losses.max():.6f}")

# %% [markdown]
# ### Too few starts, against a known count
#
# How good is the Chao1 estimate? Here the true count is known ($10^3$ for $(30, 3)$), so the
# search can be run with too few starts on purpose (seed 1, 1,024 to 4,096 starts) and the
# estimate compared with it. With uniform starts in sinh coordinates the basins are of unequal
# size (the box reaches further than the outermost minima, whose basins extend to the edge), so
# Chao1, a lower-bound estimator, should fall short when far too few starts are used, and
# close the gap as the starts grow.

# %%
x30, y30 = many_minima_data(30, 3)
rows = ["| starts | found | $f_1$ | $f_2$ | Chao1 unseen | found + unseen | true count | missed |",
        "|---|---|---|---|---|---|---|---|"]
few = []
for starts in (1024, 2048, 4096):
    r = count_minima(x30, y30, "logistic", "square", n_starts=starts, seed=1, certify=False)
    few.append((starts, r.n_found, r.unseen))
    rows.append(f"| {starts:,} | {r.n_found} | {np.sum(r.hits == 1)} | {np.sum(r.hits == 2)} | {r.unseen:.1f} | "
                f"{r.n_found + r.unseen:.1f} | {expected_minima(30, 3)} | {expected_minima(30, 3) - r.n_found} |")
few.append((r30.n_starts, r30.n_found, r30.unseen))
display(Markdown("\n".join(rows)))

s, found, unseen = (np.array(a, float) for a in zip(*few))
fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(s, found, "o-", label="found")
ax.plot(s, found + unseen, "s--", label="found + Chao1 estimate of the unseen")
ax.axhline(1000, color="k", ls=":", label=r"$\lfloor 30/3\rfloor^3 = 1000$")
ax.set_xscale("log", base=2)
ax.set(xlabel="starts", ylabel="minima", title="(30, 3), logistic: the count against the number of starts")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 3. Why sinh coordinates, and the certificate
#
# In the original coordinates a minimum of the construction with $w_j \approx c^k$ has
# curvature $\partial^2 F/\partial w_j^2 \sim c^{-2k}$ along axis $j$ (the example that makes the
# dip has $x = c^{-k}$). At a minimum with one coordinate near 1 and another near $c^{m-1}$ the
# Hessian's eigenvalues span $c^{2(m-1)}$: $10^{18}$ for $m = 10$. `classify` treats eigenvalues
# within `eig_zero` $= 10^{-6}$ of $\max(\|H\|, \text{curvature floor})$ as zero, so it sees a
# singular Hessian: a degenerate point, which it never calls a local minimum.
#
# With $w = a\sinh(v)$ (coordinate-wise; $a > 0$ the base scale of `search_scales`) a step in
# $v$ is a relative step in $w$ far from 0. The change of variables is a diffeomorphism, and at a
# critical point $\nabla^2_v G = J\,\nabla^2_w F\,J$ with $J = \mathrm{diag}(a\cosh v)$ (the term
# with $\nabla_w F$ vanishes), a congruence: by Sylvester's law of inertia the point has the same
# type in both coordinates, and in $v$ every curvature is $O(1)$. Below: the 100 minima of the
# $(20, 2)$ case of the table ($m = 10$, coordinates from 1.3 to $\sim 10^9$), classified in $w$
# and in $v$, with the curvature floor that the search uses (`loss_scale`: the mean loss of
# predicting 0 or 1, here $0.75^2$) and with no floor at all (a purely relative test: then the
# minima whose two coordinates are of similar size pass, and the mixed ones still fail).

# %%
x20, y20 = (jnp.asarray(a) for a in many_minima_data(20, 2))
r20 = COUNTS["logistic", 20, 2]
scale20 = search_scales(x20)[0]
f20 = lambda w: single_neuron_error(w, x20, y20, LOGISTIC, SQUARE)
g20 = lambda v: f20(from_sinh_coordinates(v, scale20))
floor20 = loss_scale(y20, SQUARE)                      # the search's curvature and loss floor
w_min = jnp.asarray(r20.minima)
v_min = to_sinh_coordinates(w_min, scale20)


@jax.jit
def classify_both(w, v):
    return (classify(f20, w, curvature_floor=floor20, loss_floor=floor20),
            classify(f20, w, curvature_floor=0.0, loss_floor=floor20),
            classify(g20, v, curvature_floor=floor20, loss_floor=floor20))


in_w, in_w_nofloor, in_v = jax.vmap(classify_both)(w_min, v_min)
for label, c in (("in w, curvature floor loss_scale", in_w), ("in w, no curvature floor", in_w_nofloor),
                 ("in v = asinh(w / a), same floor", in_v)):
    print(f"{label:34s}: {dict(Counter(type_name(t) for t in c.point_type))}")

lam = {name: (np.asarray(c.lambda_min), np.asarray(c.lambda_max), np.asarray(c.hess_scale))
       for name, c in (("w", in_w), ("w, no floor", in_w_nofloor), ("v", in_v))}
lw_min, lw_max, _ = lam["w, no floor"]
lv_min, lv_max, _ = lam["v"]
print(f"Hessian eigenvalues in w: {lw_min.min():.2e} .. {lw_max.max():.2e} (within one point a ratio up to "
      f"{np.max(lw_max / lw_min):.1e}); in v: {lv_min.min():.2e} .. {lv_max.max():.2e}")
print(f"arb certificates of these {r20.n_found} minima (count_minima, Krawczyk + Gershgorin): {r20.n_certified} of {r20.n_found}")
wm = np.asarray(w_min)
order = np.lexsort((wm[:, 0], np.abs(np.log10(wm[:, 0] / wm[:, 1]))))

k = np.arange(len(w_min))
fig, ax = plt.subplots(figsize=(8, 4))
for name, marker, label in (("w", "o", r"in $w$: $\lambda_{min} / \max(\|H\|, \mathrm{floor})$"),
                            ("w, no floor", "x", r"in $w$: $\lambda_{min} / \|H\|$ (no floor)"),
                            ("v", "s", r"in $v$: $\lambda_{min} / \max(\|H\|, \mathrm{floor})$")):
    lmin, _, hscale = lam[name]
    ax.semilogy(k, (lmin / hscale)[order], marker, mfc="none", label=label)
ax.axhline(TOLERANCES["eig_zero"], color="k", ls=":", label="eig_zero: below it, an eigenvalue is 'zero'")
ax.set(xlabel=f"the {r20.n_found} minima, by the ratio of their two coordinates", ylabel="relative smallest eigenvalue",
       title="(20, 2): the Hessian at the minima in w and in sinh coordinates")
ax.set_ylim(top=1e4)
ax.legend(fontsize=8, loc="upper right", ncol=2)
plt.show()

# %% [markdown]
# **The certificate** (`certify_minimum`). The float64 classification is evidence, not proof.
# Each minimum is also proved, in python-flint's arb ball arithmetic at 128 bits (whose
# exponent range is unbounded, so nothing underflows in the saturated tails): on a box $B$ of
# half-width $10^{-7}$ around the point in $v$,
#
# 1. *Krawczyk:* with $Y$ the inverse of the float64 Hessian at the centre $\tilde v$,
#    $K = \tilde v - Y\nabla G(\tilde v) + (I - Y\,\nabla^2 G(B))(B - \tilde v)$; if $K$ lies in
#    the interior of $B$, then $B$ holds exactly one zero of $\nabla G$;
# 2. *Gershgorin:* if $H_{jj} - \sum_{k\ne j}|H_{jk}| > 0$ on all of $B$ for every row $j$, the
#    Hessian is positive definite on $B$, so that zero is a strict local minimum.
#
# Boxes whose centres differ by more than twice the half-width are disjoint, so the certified
# minima are distinct (`count_minima` checks this). The certified column of the table is this
# count: the table's minima are proved, not only found.
#
# The claim `auer/exponential-minima` sweeps random instances of the construction
# (random spacing $c$ to $2c$, target, per-axis scale and sign, order of the examples;
# $n = 6$, $d = 2$, logistic or arctan) with 256 starts each:

# %%
show_sweep("auer/exponential-minima")

# %% [markdown]
# ## 4. Realizable data: one minimum-containing set (Theorem 6.2; Auer et al., Theorem 5.1)
#
# **Definition 6.1.** An open bounded $U$ is *minimum-containing* for $f$ if every point of its
# boundary has a point of $U$ with a smaller value ("a hole").
#
# **Theorem 6.2.** If $\phi$ is monotone, $\ell$ quasi-monotone and the composite bounded, and
# the data are realizable ($\phi(w_0\cdot x_i) = y_i$ for some $w_0$), then $F$ has only one
# minimum-containing set. The intuition of Remark 6.3: every term is minimised at the same
# $w_0$, so no two terms can make separate dips.
#
# The numerical test (`minimum_basins`, the claim `auer/realizable-one-basin`): descend from
# 256 starts; keep the end points that are minima or possibly non-strict minima
# (`LOCAL_MINIMUM` or `DEGENERATE_UNDECIDED`) and that did not *escape*: a flat end point where
# some example is saturated (for the logistic function $|w\cdot x_i| > 20$, where that example's
# plateau has a slope below the critical-point tolerance), or one more than twice as far out as
# the start box in sinh coordinates (a descent that followed a plateau towards infinity). Join
# two of them when they are at the same level and the straight segment between them stays at
# that level, both within `loss_equal` (relative to `loss_scale`): then no minimum-containing set
# separates them. The number of connected components is the number of *separate*
# minimum-containing sets seen. Below: realizable data ($n = 8$ Gaussian inputs in $d = 2$,
# $y = \phi(x w_0)$) against the construction with $n = 8$, $d = 2$ (the 16 minima of section 2),
# for two transfer/loss pairs. All four share one compilation.

# %%
kx, kw, ks = jax.random.split(jax.random.PRNGKey(5), 3)
x_real = jax.random.normal(kx, (8, 2))
w0 = jnp.array([0.8, -0.5])
starts_b = jax.random.uniform(ks, (256, 2), jnp.float64, -1.0, 1.0)
basins = jax.jit(minimum_basins)
PHI = {"logistic": jax.nn.sigmoid, "arctan": lambda z: 0.5 + jnp.arctan(z) / jnp.pi}

rows = ["| data | transfer | loss | basins | candidates | largest candidate F / loss scale | escaped end points |",
        "|---|---|---|---|---|---|---|"]
for transfer, loss in (("logistic", "square"), ("arctan", "pseudo-huber")):
    t, l = jnp.asarray(TRANSFERS.index(transfer)), jnp.asarray(LOSSES.index(loss))
    y_real = PHI[transfer](x_real @ w0)
    scale, _ = search_scales(x_real)
    box = jnp.arcsinh(10.0 / (jnp.max(jnp.abs(x_real), axis=0) * scale))      # |w . x_i| up to ~10, as the claim
    xc, yc = (jnp.asarray(a) for a in many_minima_data(8, 2, transfer))
    for data, (x, y, b) in (("realizable", (x_real, y_real, box)), ("construction (8, 2)", (xc, yc, search_scales(xc)[1]))):
        nb, cand, worst, sat = (float(a) for a in basins(x, y, t, l, starts_b, b))
        rows.append(f"| {data} | {transfer} | {loss} | **{nb:g}** | {cand:g} | {worst:.2g} | {sat:g} |")
display(Markdown("\n".join(rows)))

f_real = jax.jit(jax.vmap(lambda w: single_neuron_error(w, x_real, jax.nn.sigmoid(x_real @ w0), LOGISTIC, SQUARE)))
g = np.linspace(-4, 4, 241)
G1, G2 = np.meshgrid(g, g)
Freal = np.asarray(f_real(jnp.stack([G1.ravel(), G2.ravel()], axis=1))).reshape(G1.shape)
fig, ax = plt.subplots(figsize=(6, 5))
cs = ax.contourf(G1, G2, np.log10(Freal + 1e-6), 30, cmap="viridis")
fig.colorbar(cs, ax=ax, label=r"$\log_{10}(F + 10^{-6})$")
ax.plot(*w0, "r*", ms=14, label="$w_0$ (F = 0)")
ax.set(xlabel="$w_1$", ylabel="$w_2$", aspect="equal", title="Realizable data, logistic, square loss: one hole")
ax.legend()
plt.show()

# %% [markdown]
# The realizable error has one basin and every candidate is global (the largest candidate value
# is a rounding-level fraction of the loss scale: $F^* = 0$), while the construction has one
# basin per minimum, 16. The escaped end points of the construction are flat points far out on
# saturated plateaus (the search box reaches beyond the outermost minima), not holes. The claim
# sweeps realizable data with $n = d = 2$ (half of them rank one, where the minima form a line:
# one non-strict basin) against the $(4, 2)$ construction:

# %%
show_sweep("auer/realizable-one-basin")

# %% [markdown]
# ### ReLU: unbounded, and the count collapses (footnote 1)
#
# Theorem 6.1 assumes a bounded composite; footnote 1 notes that ReLU does not satisfy it:
# $(y - \mathrm{relu}(z))^2 \to \infty$. On the construction's data the consequence is not more
# minima but fewer: for $w_j > 0$ each term $(y - x_k w_j)^2$ is a parabola, so each
# coordinate's error is convex there (one minimum, at the least-squares
# $w_j = y\sum_k x_k / \sum_k x_k^2$); for $w_j < 0$ every term is $y^2$, constant. So the error
# has exactly **one** strict local minimum, and wherever a coordinate is negative it is flat:
# non-strict minima (and, in the other coordinate, the slope of the convex part). Below, the
# $(6, 2)$ construction (9 minima with the logistic function), searched from 512 starts with
# each transfer function (one compilation for both).

# %%
x6, y6 = (jnp.asarray(a) for a in many_minima_data(6, 2))
starts6 = jax.random.uniform(jax.random.PRNGKey(6), (512, 2), jnp.float64, -1.0, 1.0) * search_scales(x6)[1]
search6 = jax.jit(lambda t: search_minima(x6, y6, t, SQUARE, starts6))
print(f"(y - relu(z))^2 at z = 1e6: {float((TARGET - jax.nn.relu(1e6)) ** 2):.3e}; the logistic composite is at most "
      f"max(y, 1 - y)^2 = {max(TARGET, 1 - TARGET) ** 2}")
ends = {}
for name, t in (("logistic", LOGISTIC), ("relu", RELU)):
    v, c, first, hits = search6(jnp.asarray(t))
    w = np.asarray(from_sinh_coordinates(v, search_scales(x6)[0]))
    first = np.asarray(first)
    ends[name] = (w, np.asarray(c.point_type))
    print(f"{name:8s}: {first.sum()} distinct strict local minima (expected with a bounded composite: "
          f"{expected_minima(6, 2)}); end points: {dict(Counter(type_name(t) for t in c.point_type))}")
    if name == "relu":
        print(f"          the minimum: w = {np.round(w[first][0], 6).tolist()}, least squares "
              f"y sum x / sum x^2 = {TARGET * 1.11 / 1.0101:.6f}")
flat = ends["relu"][1] == PointType.DEGENERATE_UNDECIDED
print(f"relu, degenerate (flat) end points: {flat.sum()}, every one with a negative coordinate: "
      f"{bool(np.all(np.any(ends['relu'][0][flat] < 0, axis=1)))}")

w1 = np.concatenate([-np.geomspace(1e3, 1e-2, 200), np.geomspace(1e-2, 1e4, 400)])
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, (name, t) in zip(axes, (("logistic", LOGISTIC), ("relu", RELU))):
    w, types = ends[name]
    mins = w[types == PointType.LOCAL_MINIMUM]
    w2 = mins[np.argmin(np.abs(mins[:, 1])), 1]       # the innermost minimum's second coordinate
    f = np.asarray(jax.vmap(lambda a: single_neuron_error(jnp.array([a, w2]), x6, y6, t, SQUARE))(jnp.asarray(w1)))
    ax.plot(w1, f, "k")
    on = np.unique(np.round(mins[np.abs(mins[:, 1] - w2) < 1e-6 * abs(w2), 0], 6))
    ax.plot(on, np.asarray(jax.vmap(lambda a: single_neuron_error(jnp.array([a, w2]), x6, y6, t, SQUARE))(jnp.asarray(on))),
            "o", ms=9, mfc="none", mec="r", mew=2, label=f"strict minima found on this line ({len(on)})")
    ax.set_xscale("symlog", linthresh=1e-2)
    ax.set_xticks([-1e3, -1e1, -1e-1, 0, 1e-1, 1e1, 1e3])
    ax.set(xlabel="$w_1$ (symlog)", ylabel=f"F(w1, {w2:.4g})", title=f"{name}: a slice through the (6, 2) construction")
    ax.legend(fontsize=8)
axes[1].set_yscale("log")
plt.tight_layout()
plt.show()

# %%
show_sweep("auer/relu-not-bounded")

# %% [markdown]
# **Section 6.2 in numbers.** A sum of two one-minimum errors has two minima (Figure 6.1); the
# construction has exactly $\lfloor n/d\rfloor^d$ minima, found without being told where they are
# and proved in ball arithmetic, up to 1,000 of them at $(30, 3)$; the searches and
# classifications only work in coordinates that follow the minima's scales; realizable data give
# one basin; and ReLU, which breaks boundedness, leaves one strict minimum and flat regions.

# %% [markdown]
# ## 5. Over-parameterised networks: [PT] does not imply [P] (section 6.3)
#
# Yu & Chen (1995) argued that a one-hidden-layer network with more hidden units than samples
# has no bad local minima. What the argument gives (Li, Ding & Sun 2018) is the weaker
# property
#
# * **[PT]**: from every $\theta$ and every $\epsilon > 0$ there is $\theta'$ with
#   $\|\theta' - \theta\| < \epsilon$ and a strictly decreasing path from $\theta'$ to a global
#   minimum,
#
# not
#
# * **[P]**: from every $\theta$ there is a strictly decreasing path to a global minimum (so no
#   sub-optimal local minimum at all).
#
# [PT] excludes *strict* sub-optimal local minima: around a strict one there is a sphere on which
# $f > f(\theta) + \delta$; a start $\theta'$ close enough has $f(\theta') < f(\theta) + \delta$, and
# a path from it that ends below $f(\theta)$ has to cross the sphere, at a value above its start,
# so it is not decreasing. It does not exclude non-strict ones (the seed's Figures 6.2 and 6.3:
# "no bad basin" is not "no bad local minimum").
#
# The toolkit's explicit example (`verify.claims.overparam`, claim `overparam/pt-not-p`): in
# rotated and scaled coordinates $(t, s)$ of the plane,
# $$f = A\big(s^2 + g(t)\big), \qquad g(t) = e^{-1/t}(t - 2)\ (t > 0), \quad g(t) = 0\ (t \le 0),$$
# a valley whose floor $s = 0$ is exactly flat for $t \le 0$ ($g$ is $C^\infty$, flat to every
# order at 0) and then descends to the unique global minimum $(t, s) = (1, 0)$, $f^* = -A/e$.
# Every floor point $(t_0 < 0, 0)$ is a local minimum, not strict, and sub-optimal by $A/e$;
# [PT] holds (move off the floor by any $\eta > 0$, then along `pt_path`: a segment to
# $(1/4, 0)$ and gradient descent, strictly decreasing); [P] fails on the floor. Below: $A = 1$,
# no rotation, unit scales (so the plane is the $(t, s)$ plane), the floor point $t_0 = -1$ and
# $\eta = 10^{-2}$.

# %%
from verify.claims.overparam import (PROFILE_MIN, gd_from_perturbation, plateau_profile, pt_global_minimum,
                                     pt_loss_function, pt_path, pt_plateau_point)

pt = {"center": jnp.zeros(2), "angle": jnp.asarray(0.0), "scales": jnp.array([1.0, 1.0]),
      "amplitude": jnp.asarray(1.0), "plateau_t": jnp.asarray(-1.0), "eta": jnp.asarray(1e-2)}
f_pt = pt_loss_function(pt)
z_star, f_star = pt_global_minimum(pt)
p_floor = pt_plateau_point(pt)
classify_pt = jax.jit(lambda z: classify(f_pt, z, curvature_floor=1.0, loss_floor=1.0, length_scale=1.0))
for name, z in (("floor point (t, s) = (-1, 0)", p_floor), ("global minimum (1, 0)", z_star),
                ("edge of the floor (0, 0)", jnp.zeros(2))):
    c = classify_pt(z)
    print(f"{name:30s}: {type_name(c.point_type):20s} f = {float(c.loss):+.6f}, lambda_min = {float(c.lambda_min):.4g}, "
          f"lambda_max = {float(c.lambda_max):.4g}, zero eigenvalues {int(c.n_zero)}, sphere drop {float(c.sphere_drop):.2g}")
print(f"f(floor) - f* = {float(f_pt(p_floor) - f_star):.6f} = 1/e = {1 / np.e:.6f}: a sub-optimal, non-strict local minimum")

path, path_f = (np.asarray(a) for a in pt_path(pt))
above = path_f[:-1] - float(f_star) > 1e-10
print(f"[PT] path from the perturbed floor point ({len(path)} points): starts at f = {path_f[0]:.2e}, ends at "
      f"f - f* = {path_f[-1] - float(f_star):.1e}; largest step of f while f - f* > 1e-10: "
      f"{np.max(np.diff(path_f)[above]):.3g} (< 0: strictly decreasing)")
gd_end = np.asarray(gd_from_perturbation(pt))
print(f"gradient descent from the same perturbed point ends at (t, s) = ({gd_end[0]:.6f}, {gd_end[1]:.1e}), "
      f"back on the floor: on t <= 0 the gradient has no t-component")

t = np.linspace(-2.2, 3.0, 261)
s = np.linspace(-1.0, 1.0, 121)
T, S = np.meshgrid(t, s)
F_pt = np.asarray(jax.vmap(f_pt)(jnp.stack([T.ravel(), S.ravel()], axis=1))).reshape(T.shape)
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
cs = ax.contourf(T, S, F_pt, 40, cmap="viridis")
fig.colorbar(cs, ax=ax, label="f")
ax.plot([t[0], 0], [0, 0], "w-", lw=3, label="floor: non-strict local minima, f = 0")
ax.plot(path[:, 0], path[:, 1], "r-", lw=1.5, label="[PT]: a strictly decreasing path after a perturbation")
ax.plot(*p_floor, "wo", mec="k", ms=8)
ax.plot(*gd_end, "x", color="orange", ms=10, mew=2, label="gradient descent from the perturbation ends here")
ax.plot(*z_star, "r*", ms=14, label="global minimum, f* = -1/e")
ax.set(xlabel="t", ylabel="s", title=r"$f = s^2 + g(t)$")
ax.legend(fontsize=7, loc="lower right")
tt = np.linspace(-1.0, 5.0, 400)
ax2.plot(tt, plateau_profile(jnp.asarray(tt)), "k")
ax2.axhline(PROFILE_MIN, color="r", ls=":", label="min g = -1/e at t = 1")
ax2.set(xlabel="t", ylabel="g(t)", title="the profile along the floor of the valley")
ax2.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# The engine's reading is the one the theory asks for: it never calls the floor point a strict
# minimum (it is `DEGENERATE_UNDECIDED`: a singular positive semidefinite Hessian and no descent
# on the spheres around it), and it certifies the global minimum. At the edge of the floor,
# $(0, 0)$, the loss does descend (into $t > 0$), but like $e^{-1/t}$, far below rounding on
# every sphere of the higher-order test: the engine says *undecided*, not *minimum*. Gradient
# descent from the perturbed point goes back to the floor: [PT] is about the *existence* of a
# path, which is why it says little about local search.

# %%
show_sweep("overparam/pt-not-p")

# %% [markdown]
# ## 6. A degenerate saddle of a deep linear network (Baldi & Hornik 1989; Kawaguchi 2016)
#
# The bibliography of section 6.3 starts from Baldi & Hornik (1989): the square loss of a linear
# network with one hidden layer has no bad local minima. Kawaguchi (2016, Theorem 2.3 and
# Corollary 2.4) extends it to any depth, $f(W) = \frac12\|W_L\cdots W_1X - Y\|_F^2$: every local
# minimum is global and every other critical point is a saddle; but for depth $L \ge 3$ some
# saddles have **no negative curvature**, so second-order information cannot tell them from
# minima.
#
# `verify.claims.deep_linear` builds them (`kawaguchi_point(X, Y, dims, r)`): the balanced
# network whose end-to-end map is $U_rU_r^\top W_{ls}$ (the top $r$ principal directions of
# $\Sigma = YX^\top(XX^\top)^{-1}XY^\top$), with hidden units $r+1, \dots$ exactly zero. For
# $r < q$ it is a critical point that is not global. Switching on unit $r+1$ in every layer
# together (`escape_direction`) lowers the loss like $-c\,t^L$: cubic for depth 3. Every
# second-order term that involves an unused unit vanishes, so the Hessian is positive
# semidefinite. Below: $X \in \mathbb{R}^{3\times 8}$, $Y \in \mathbb{R}^{2\times 8}$ Gaussian
# (Kawaguchi's hypotheses hold: `validate_data`), widths `dims = (3, 2, 2, 2)` (depth 3), the
# point $r = 1$, classified by `classify_point` (the engine's classifier with this problem's
# scales and the $GL(d_k)$ symmetry of every hidden layer removed); and for contrast the same
# construction at depth 2, `dims = (3, 2, 3)`, where the saddle is strict.

# %%
from verify.claims.deep_linear import (classify_point, escape_direction, kawaguchi_point, loss_along_line,
                                       n_parameters, network_loss, optimal_loss)
from verify.claims.deep_linear import validate_data as validate_data_dl

k1, k2, k3 = jax.random.split(jax.random.PRNGKey(7), 3)
X_dl = jax.random.normal(k1, (3, 8))
Y_dl = {3: jax.random.normal(k2, (2, 8)), 2: jax.random.normal(k3, (3, 8))}
DIMS_DL = {3: (3, 2, 2, 2), 2: (3, 2, 3)}
saddle = {}
for depth in (3, 2):
    X, Y, dims = X_dl, Y_dl[depth], DIMS_DL[depth]
    validate_data_dl(X, Y)                           # raises unless Kawaguchi's hypotheses hold
    x = kawaguchi_point(X, Y, dims, 1)
    c = jax.jit(lambda v: classify_point(X, Y, dims, v))(x)
    eig = np.linalg.eigvalsh(np.asarray(jax.jit(jax.hessian(lambda v: network_loss(v, X, Y, dims)))(x)))
    saddle[depth] = (x, c, eig)
    gap = float(network_loss(x, X, Y, dims) - optimal_loss(X, Y, dims))
    print(f"depth {depth}, dims {dims}: {n_parameters(dims)} weights; f - f* = {gap:.4f} (not global); "
          f"classify_point: {type_name(c.point_type)}")
    print(f"    Hessian eigenvalues {eig.min():.2e} .. {eig.max():.2f}; relative lambda_min on the complement of the "
          f"symmetry orbit {float(c.lambda_min / c.hess_scale):.2e}; zero eigenvalues there {int(c.n_zero)}, "
          f"symmetry directions removed {int(c.n_symmetry)}; sphere drop {float(c.sphere_drop):.2e}")

x3, c3, eig3 = saddle[3]
X, Y, dims = X_dl, Y_dl[3], DIMS_DL[3]
v_esc = escape_direction(X, Y, dims, 1)
ts = np.linspace(-0.6, 0.6, 241)
f0 = float(network_loss(x3, X, Y, dims))
along_esc = np.asarray(loss_along_line(X, Y, dims, x3, v_esc, ts)) - f0
small = np.array([1e-3, 1e-2, 1e-1])
ratio = (np.asarray(loss_along_line(X, Y, dims, x3, v_esc, small)) - f0) / small ** 3
print(f"along the escape direction: (f(x + t v) - f(x)) / t^3 at t = {small.tolist()}: {np.round(ratio, 6).tolist()} "
      "(a cubic: descent on one side, no curvature)")
H3 = jax.jit(jax.hessian(lambda v: network_loss(v, X, Y, dims)))(x3)
top = np.linalg.eigh(np.asarray(H3))[1][:, -1]
along_top = np.asarray(loss_along_line(X, Y, dims, x3, jnp.asarray(top), ts)) - f0

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax.plot(ts, along_esc, "C3", label="along escape_direction: $-c\\,t^3$")
ax.plot(ts, along_top, "C0", label="along the top Hessian eigenvector: $+\\lambda t^2/2$")
ax.axhline(0, color="k", lw=0.7)
ax.set(xlabel="t", ylabel="f(x + t v) - f(x)", ylim=(-0.1, 0.3),
       title=f"depth 3: the loss through the saddle r = 1 ({type_name(c3.point_type)})")
ax.legend(fontsize=8)
for depth, marker in ((3, "o"), (2, "s")):
    eig = saddle[depth][2]
    ax2.plot(np.arange(len(eig)), eig, marker, mfc="none", label=f"depth {depth}: {type_name(saddle[depth][1].point_type)}")
ax2.set_yscale("symlog", linthresh=1e-3)
ax2.axhline(0, color="k", lw=0.7)
ax2.set(xlabel="index", ylabel="Hessian eigenvalue (symlog)", title="the Hessian spectrum at the saddle r = 1")
ax2.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# At depth 3 every Hessian eigenvalue is $\ge 0$ up to rounding: the point is a second-order
# stationary point, yet not a local minimum. The engine does not call it a minimum: the Hessian
# on the complement of the symmetry orbit is singular, so it samples the loss on small spheres
# around the point and sees it fall on every one, `DEGENERATE_SADDLE`. At depth 2 the same
# construction has a negative eigenvalue: a strict saddle, as Baldi & Hornik's analysis says.
# The claim `mf/deep-linear` checks Kawaguchi's (i)-(iv) and Corollary 2.4 at depths 2 and 3
# (depth 4 in the tests) by a critical-point search and at these constructed points:

# %%
show_sweep("mf/deep-linear")

# %% [markdown]
# ## 7. Representation power (section 6.4)
#
# The seed's motivation: points of the unit square, class one inside a circle, class two
# outside; no linear classifier separates them. The sufficient condition it quotes (Hornik
# 1991): with $\phi$ bounded, continuous and non-constant, the one-hidden-layer family
# $\mathcal F = \operatorname{span}\{\phi(\langle w, x\rangle + w_0)\}$ is dense in $C(\mathcal D)$ on
# compact $\mathcal D$ (and in $L^p(\mu)$).
#
# The theorem has no rate, so `repr/universal-approximation` checks a finite, quantitative
# form on $\mathcal D = [0, 1]^2$ at widths $m = 1, \dots, 16$, for the circle
# $y = 1\{\|x - c\| < r\}$ and the smooth $y = \sin(2\pi x_1 + \varphi_1)\cos(\pi x_2 + \varphi_2)$,
# fitted on a jittered $16\times16$ grid. The networks are built by `greedy_fit`, the orthogonal
# greedy algorithm of the constructive proofs of Jones (1992) and Barron (1993): from a pool of
# 256 random units ($\phi(w\cdot x + b)$, directions uniform, $\|w\|$ log-uniform in $[2, 20]$,
# edges through the square), add the unit that lowers the least-squares error most and refit
# every output weight; the error $e_m$ is that of an explicit width-$m$ network (a witness: the
# *best* width-$m$ error is at most $e_m$), non-increasing in $m$ by construction. Checked: (a)
# $e_m$ non-increasing; (b) $e_{16}$ at most a fixed fraction of $e_1$ and of
# $e_0 = \operatorname{std}(y)$, the exact best error of a constant (the fractions are measured
# constants with slack: no theorem gives them; printed below); (c) every linear classifier
# misclassifies at least $\frac12(2 - \pi/2)r^2$ of a $32\times32$ sample of the circle example
# (a proof from the Tukey depth of the centre, computed exactly by `min_halfplane_count`; the
# claim's docstring gives it). Below, one instance (`claim.generate`) with each admissible
# activation, logistic and tanh (`error_curves`, one compilation for both).

# %%
from verify.claims.representation import RATIO_TO_CONSTANT, RATIO_TO_WIDTH_ONE, error_curves, network

ua = get_claim("repr/universal-approximation")
curves_fn = jax.jit(error_curves)
curves = {act: curves_fn(ua.generate(jax.random.PRNGKey(0), activation=act)) for act in ("logistic", "tanh")}
inst = ua.generate(jax.random.PRNGKey(0), activation="logistic")
c1, c2, radius = (float(a) for a in inst["circle"])
print(f"circle: centre ({c1:.3f}, {c2:.3f}), radius {radius:.3f}; the claim's bounds: e_16 / e_1 <= "
      f"{RATIO_TO_WIDTH_ONE}, e_16 / e_0 <= {RATIO_TO_CONSTANT}")
widths = np.asarray(curves["logistic"]["widths"]).astype(int)
shown = [i for i, m in enumerate(widths) if m & (m - 1) == 0 or i == len(widths) - 1]   # powers of 2 and the last
m_last = widths[-1]
rows = ["| activation | target | $e_0$ (constant) | " + " | ".join(f"$e_{{{widths[i]}}}$" for i in shown) +
        f" | $e_{{{m_last}}}/e_1$ | $e_{{{m_last}}}/e_0$ | held-out $e_{{{m_last}}}$ |", "|---" * (len(shown) + 6) + "|"]
for act, out in curves.items():
    for target in ("circle", "smooth"):
        e = np.asarray(out[f"rmse_{target}"])
        e0 = float(out[f"rmse_constant_{target}"])
        rows.append(f"| {act} | {target} | {e0:.4f} | " + " | ".join(f"{e[i]:.4f}" for i in shown) +
                    f" | {e[-1] / e[0]:.3f} | {e[-1] / e0:.3f} | {float(out[f'heldout_rmse_{target}']):.4f} |")
display(Markdown("\n".join(rows)))
out = curves["logistic"]
print(f"linear classifiers on the circle sample: every one misclassifies >= {float(out['linear_lower_bound']):.4f} "
      f"(exact Tukey-depth bound; population bound (2 - pi/2) r^2 = {float(out['linear_population_bound']):.4f}); "
      f"least squares misclassifies {float(out['linear_least_squares_error']):.4f}, the best constant "
      f"{float(out['linear_constant_error']):.4f}")
for act in curves:
    print(f"the width-{m_last} {act} network, thresholded at 1/2, misclassifies {float(curves[act]['network_classification_error']):.4f}")

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
for (act, o), style in zip(curves.items(), ("-", "--")):
    for target, colour in (("circle", "C3"), ("smooth", "C0")):
        ax.plot(widths, np.asarray(o[f"rmse_{target}"]), "o" + style, color=colour, mfc="none", label=f"{target}, {act}")
for target, colour in (("circle", "C3"), ("smooth", "C0")):
    ax.axhline(float(out[f"rmse_constant_{target}"]), color=colour, ls=":", lw=1)
ax.set_xscale("log", base=2)
ax.set(xlabel="width m", ylabel="RMS error found on the fitting sample", title="error against width (dotted: best constant)")
ax.legend(fontsize=8)
g = np.linspace(0, 1, 201)
G1, G2 = np.meshgrid(g, g)
grid = jnp.stack([G1.ravel(), G2.ravel()], axis=1)
pred = np.asarray(network(out["params_circle"], grid, inst["activation"])).reshape(G1.shape)
ax2.contourf(G1, G2, pred >= 0.5, levels=[-0.5, 0.5, 1.5], colors=["white", "C3"], alpha=0.3)
ax2.contour(G1, G2, pred, levels=[0.5], colors="C3")
th = np.linspace(0, 2 * np.pi, 200)
ax2.plot(c1 + radius * np.cos(th), c2 + radius * np.sin(th), "k--", label="the circle")
xc = np.asarray(inst["x_class"])
inside = np.linalg.norm(xc - [c1, c2], axis=1) < radius
ax2.scatter(*xc[inside].T, s=2, c="k")
ax2.scatter(*xc[~inside].T, s=2, c="lightgray")
A = np.c_[np.ones(len(xc)), xc]
beta = np.linalg.lstsq(A, inside.astype(float), rcond=None)[0]          # the least-squares linear classifier
if abs(beta[2]) > 1e-12:
    ax2.plot(g, (0.5 - beta[0] - beta[1] * g) / beta[2], "b-.", label="least-squares linear classifier: its boundary")
ax2.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal", xlim=(0, 1), ylim=(0, 1),
        title=f"width {m_last}, logistic: the region predicted inside (red)")
ax2.legend(fontsize=8, loc="lower right")
plt.tight_layout()
plt.show()

# %%
show_sweep("repr/universal-approximation")

# %% [markdown]
# ## Verdicts
#
# Each claim over 16 random instances, `verify.sweep(claim, n=16, seed=0)` (the same as
# `verify check <id> --n 16 --seed 0`). *Expected* is the toolkit's conclusion about the claim
# as stated.
#
# The smallest margins are on the toolkit's one scale, $1 - \text{violation}/\text{tolerance}$ (1:
# exact agreement, 0: the edge, negative: violated, above 1: slack), and every claim here reads 1
# at its worst instance, for reasons of three kinds. A count that must match (minima found,
# basins) enters as $1 - |\text{found} - \text{claimed}|/(1/2)$: 1 when equal, $-1$ when off by one (a
# lower bound on a count reads $1 + 2k$ with $k$ beyond it); so 1 says the counts were exactly
# right. A yes/no condition decided without a tolerance (a point's type, the strict decrease of
# the [PT] path, the least-squares consistency of the linear-classifier bound) reads $+1$ when
# met. And the identities with a tolerance (the minima's locations, the candidates' losses, the
# global value of the constructed deep linear minimum) hold to far below it. Parts with wide slack
# (the ReLU growth, about $10^9$; the approximation ratios) read far above 1 and do not set the
# minimum.

# %%
ids = ['auer/two-examples', 'auer/exponential-minima', 'auer/realizable-one-basin', 'auer/relu-not-bounded', 'overparam/pt-not-p', 'mf/deep-linear', 'repr/universal-approximation']
verdict_table(ids, swept, started=T0)   # fails the notebook if a verdict is not the expected one
