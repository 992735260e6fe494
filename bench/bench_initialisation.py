"""Benchmark the Monte Carlo of the initialisation claims against a baseline in the same process.

Prints, for each size, Monte Carlo samples per second of

* the vmapped estimator the claims use, `verify.statistics.monte_carlo_mean` (batches of
  `verify.claims.initialisation.MC_BATCH` = 1,024 draws, each batch one `jax.vmap`, batches
  accumulated by `jax.lax.scan`), jitted as a whole; and
* the baseline: a Python loop over a jitted single draw (``jax.jit(draw)`` called once per
  key, results fetched once at the end and averaged with numpy),

on the same keys (those `monte_carlo_mean` derives: ``split(fold_in(key, b), batch)``), and
the largest relative difference of the two means (rounding only: the loop sums in another
order). The draws are those of the claims: the layer gains of the linear residual network
(`linear_resnet_gains`, Xavier scaling, `init/xavier-linear-resnet`) and the forward and
backward chains of Balduzzi et al.'s network (`balduzzi_chains`, gate model, alpha = beta =
1, no batch normalisation, `init/balduzzi-scaling`; one draw includes a backward pass).

Both sides are compiled (and run once) before timing; each time is the best of
`--repeats` (default 3) runs, measured with `time.perf_counter` around the call and
`jax.block_until_ready`. Nothing is asserted on time.

Run from the repository root::

    python bench/bench_initialisation.py             # the claims' size (8 x 1,024 draws)
    python bench/bench_initialisation.py --quick     # fewer samples, a smoke run

The run's own wall time is printed at the end (README gives a measured one).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np

import verify
from _table import best_time, print_table
from verify.claims.initialisation import MC_BATCH, balduzzi_chains, linear_resnet_gains
from verify.statistics import monte_carlo_mean

#: (label, kind, width, depth): "gains" is the linear residual network (width d, L layers),
#: "chains" the Balduzzi network (width N, L blocks).
CASES = (
    ("linear ResNet gains", "gains", 4, 10),
    ("linear ResNet gains", "gains", 16, 10),
    ("Balduzzi chains (fwd + grad)", "chains", 16, 10),
)


def _draw(kind: str, width: int, depth: int):
    """One draw of the claim's sampled quantity, as a function of a key."""
    if kind == "gains":
        x = jax.random.normal(jax.random.PRNGKey(123), (width,))
        variances = jnp.full((depth,), 1.0 / width)
        return lambda k: linear_resnet_gains(k, x, variances)
    ones = jnp.ones((depth,))
    return lambda k: balduzzi_chains(k, jnp.ones((width,)), ones, ones, 0.0)


def _keys(key, n_batches: int, batch: int) -> np.ndarray:
    """The keys `monte_carlo_mean` uses, in order, as a host array (n_batches * batch, 2)."""
    keys = [jax.random.split(jax.random.fold_in(key, b), batch) for b in range(n_batches)]
    return np.asarray(jnp.concatenate(keys))


def bench_case(kind: str, width: int, depth: int, n_batches: int, repeats: int, seed: int) -> list[str]:
    draw = _draw(kind, width, depth)
    key = jax.random.PRNGKey(seed)
    n = n_batches * MC_BATCH

    # Vectorised: the claims' estimator, jitted as a whole.
    vectorised = jax.jit(lambda k: monte_carlo_mean(draw, k, n_batches, MC_BATCH).mean)
    jax.block_until_ready(vectorised(key))  # compile and run once
    t_vec, mean_vec = best_time(lambda: vectorised(key), repeats)

    # Baseline: one jitted draw per key, dispatched from Python; fetched and averaged at the end.
    one = jax.jit(draw)
    keys = _keys(key, n_batches, MC_BATCH)
    jax.block_until_ready(one(keys[0]))  # compile and run once

    def loop():
        outs = [one(k) for k in keys]
        return np.mean(np.stack(jax.device_get(outs)), axis=0)

    t_loop, mean_loop = best_time(loop, repeats)
    mean_vec = np.asarray(mean_vec)
    diff = float(np.max(np.abs(mean_vec - mean_loop) / np.maximum(np.abs(mean_loop), 1e-300)))
    print(f"  [{kind} width={width} depth={depth}] loop {t_loop:.3f}s, vmapped {t_vec:.3f}s", flush=True)
    size = f"d={width}, L={depth}" if kind == "gains" else f"N={width}, {depth} blocks"
    return [size, f"{n:,}", f"{n / t_loop:,.0f}", f"{n / t_vec:,.0f}", f"{t_loop / t_vec:.1f}x", f"{diff:.1e}"]


def _machine() -> list[tuple[str, str]]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count()
    return [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("jax / jaxlib", f"{jax.__version__} / {jaxlib.__version__}"),
        ("backend", f"{jax.default_backend()} ({', '.join(str(d) for d in jax.devices())})"),
        ("x64", str(jax.config.jax_enable_x64)),
        ("CPUs usable / in machine", f"{usable} / {os.cpu_count()}"),
        ("python / numpy", f"{platform.python_version()} / {np.__version__}"),
        ("verify", getattr(verify, "__version__", "?")),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 batches of 1,024 samples per case: a smoke run")
    parser.add_argument("--batches", type=int, default=None, help="batches of 1,024 samples per case (default 8, the claims' size)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side; the best is kept (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    n_batches = args.batches or (2 if args.quick else 8)

    print("verify initialisation Monte Carlo benchmark" + (" (--quick)" if args.quick else ""))
    for k, v in _machine():
        print(f"  {k:26s} {v}")
    print()
    print(f"samples/s: Python loop over jit(one draw) vs vmapped monte_carlo_mean ({n_batches} x {MC_BATCH} draws), "
          f"best of {args.repeats}, compile excluded")
    rows = []
    for label, kind, width, depth in CASES:
        rows.append([label] + bench_case(kind, width, depth, n_batches, args.repeats, args.seed))
    print()
    print_table(["draw", "size", "samples", "loop samples/s", "vmapped samples/s", "ratio", "max rel. diff of means"], rows, left=2)
    print(f"\nwall time of this run (compilation included): {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
