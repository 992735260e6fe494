"""Benchmark gradient descent with the normalisation of eq. (8) of Liu et al. (seed 003).

For each case (p, k, starts), on one teacher (v* at angle pi/3 from 1/sqrt p, the edge of
Assumption 1; a* Gaussian), prints:

* the throughput of `verify.claims.liu.normalised_gd` vmapped over `starts` initialisations
  (Du et al.'s random initialisation, `random_starts`, with the run from w0 = 0 first):
  trajectories per second and gradient steps per second, each trajectory `--steps` steps
  with its full trace (angle to v*, a^T a*, loss at every step);
* the same against a baseline in the same process: a Python loop over a jitted single
  trajectory, on the first `--loop` starts; the ratio of the seconds per trajectory, and
  the largest difference between the two end points (w, a) over those starts (the batched
  and the single computation may differ in the last bits; a run that ends far from where
  its twin ends would show here);
* what the runs found: the fraction of random starts that end at the spurious optimum
  (angle > pi/2 and a^T a* < 0, as `du/random-init-trap` counts them), and for the run from
  w0 = 0 (a0 the worst point of the ball, -|1^T a*| a* / (sqrt k ||a*||)) its stage boundary
  (`stage_boundary`) and its final angle to v*.

The step sizes are those of `liu/gd-normalised`: eta_a = pi / (k + pi - 1), eta_w =
eta_a / (2 ||a*||^2).

Both sides are compiled (and run once) before timing; the best of `--repeat` timings is
shown, and the wall time of the whole run last. Nothing is asserted on time.

Run from the repository root::

    python bench/bench_liu.py            # three cases
    python bench/bench_liu.py --quick    # one small case, a smoke run
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from _table import best_time, print_header, print_table
from verify.claims import liu

#: (p, k, starts)
CASES = ((4, 2, 1024), (8, 4, 1024), (32, 16, 1024))
QUICK = ((4, 2, 256),)


def _teacher(p, k, seed=0):
    rng = np.random.default_rng(seed)
    e = np.ones(p) / np.sqrt(p)
    q = rng.normal(size=p)
    q -= (q @ e) * e
    q /= np.linalg.norm(q)
    v_star = np.cos(np.pi / 3) * e + np.sin(np.pi / 3) * q if p > 1 else e
    return jnp.asarray(v_star), jnp.asarray(rng.normal(size=k))


def bench_case(p, k, n_starts, steps, n_loop, repeat):
    v_star, a_star = _teacher(p, k)
    w0s, a0s = liu.random_starts(jax.random.PRNGKey(1), p, a_star, n_starts - 1)
    radius = jnp.abs(jnp.sum(a_star)) / jnp.sqrt(k)
    w0s = jnp.concatenate([jnp.zeros((1, p)), w0s])
    a0s = jnp.concatenate([(-radius * a_star / jnp.linalg.norm(a_star))[None], a0s])

    # the step sizes of `liu/gd-normalised` (the theorem needs a small w-step; with the larger
    # default of `step_sizes` the run from w0 = 0 can end at the spurious optimum)
    eta_a = liu.step_sizes(a_star)[1]
    eta_w = eta_a / (2.0 * jnp.dot(a_star, a_star))
    gd = lambda w0, a0: liu.normalised_gd(w0, a0, v_star, a_star, steps, eta_w, eta_a)
    batched = jax.jit(jax.vmap(gd))
    single = jax.jit(gd)
    jax.block_until_ready(batched(w0s, a0s))  # compile, and run once
    jax.block_until_ready(single(w0s[0], a0s[0]))

    tb, (wb, ab, traces) = best_time(lambda: batched(w0s, a0s), repeat)
    tl, outs = best_time(lambda: [single(w0s[i], a0s[i]) for i in range(n_loop)], repeat)
    wl = np.stack([np.asarray(o[0]) for o in outs])
    al = np.stack([np.asarray(o[1]) for o in outs])
    diff = max(np.max(np.abs(np.asarray(wb)[:n_loop] - wl)), np.max(np.abs(np.asarray(ab)[:n_loop] - al)))

    traces = np.asarray(traces)
    phi, corr = traces[1:, -1, 0], traces[1:, -1, 1]
    trapped = float(np.mean((phi > np.pi / 2) & (corr < 0)))
    t1 = int(liu.stage_boundary(traces[0]))
    end0 = traces[0, -1, 0]  # the angle to v* at the end of the run from w0 = 0
    per_b, per_l = tb / n_starts, tl / n_loop
    return [
        f"p={p}, k={k}", f"{n_starts}", f"{steps}", f"{tb:.3f}", f"{1 / per_b:,.0f}", f"{steps / per_b:,.0f}",
        f"{1 / per_l:,.0f}", f"{per_l / per_b:.1f}x", f"{diff:.1e}", f"{trapped:.2f}", f"{t1}", f"{end0:.1e}",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small case only")
    parser.add_argument("--steps", type=int, default=liu.GD_STEPS, help="gradient steps per trajectory")
    parser.add_argument("--loop", type=int, default=64, help="starts in the Python-loop baseline")
    parser.add_argument("--repeat", type=int, default=3, help="timings per side (the best is shown)")
    args = parser.parse_args()
    start = time.perf_counter()
    print_header()
    rows = []
    for p, k, n in QUICK if args.quick else CASES:
        rows.append(bench_case(p, k, n, args.steps, min(args.loop, n), args.repeat))
    print_table(
        ["case", "starts", "steps", "vmap s", "traj/s vmap", "steps/s vmap", "traj/s loop", "vmap vs loop",
         "max |end diff|", "trapped", "t1 (w0=0)", "end angle (w0=0)"],
        rows,
    )
    print(f"wall time {time.perf_counter() - start:.1f} s (compilation included)")


if __name__ == "__main__":
    main()
