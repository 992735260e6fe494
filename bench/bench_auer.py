"""Benchmark counting and certifying the minima of Auer et al.'s construction.

For each case (n, d, transfer) of the count table, prints:

* the count: distinct minima found by `verify.claims.auer.count_minima` (starts uniform in
  the data-driven box of sinh coordinates, in vmapped chunks of 2,048), how many the arb
  ball-arithmetic certificate (`verify.landscape.certify`) proved, the claimed floor(n/d)^d and the Chao1 estimate of
  minima missed;
* the search's throughput (starts per second, minima found per second; compiled first) and
  the certificate's (minima certified per second), each including nothing but its own stage;
* the ratio of the vmapped search to a baseline in the same process: a Python loop over a
  jitted one-start search, on the first `--loop` starts of the same chunk, and the share of
  those starts (among the ones that end at a certified minimum on both sides) that end at
  the same point (within 1e-9 in sinh coordinates). It is not always 1: the batched and
  the single computation differ in the last bits, and a start near the edge of two basins
  can then descend into either.

Both sides are compiled (and run once) before timing. Nothing is asserted on time; the
total wall time is printed at the end.

Run from the repository root::

    python bench/bench_auer.py            # the table up to 1,024 minima
    python bench/bench_auer.py --quick    # small cases, a smoke run
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from _table import print_header, print_table
from verify.claims import auer
from verify.landscape.multiscale import uniform_starts

#: (n, d, transfer, starts): the largest two reach 1,000 and 1,024 minima.
CASES = (
    (8, 1, "logistic", 2048),
    (12, 2, "arctan", 4096),
    (27, 3, "logistic", 16384),
    (30, 3, "logistic", 65536),
    (64, 2, "logistic", 65536),
)
QUICK = ((8, 1, "logistic", 2048), (12, 2, "arctan", 4096))


def _loop_ratio(x, y, transfer, n_loop):
    """Seconds per start of the vmapped chunk and of a Python loop over a jitted single start."""
    t = auer.TRANSFERS.index(transfer)
    starts = uniform_starts(jax.random.PRNGKey(0), 2048, auer.search_scales(jnp.asarray(x))[1])
    batched = lambda: auer.descend_from_starts(x, y, t, 0, starts)
    one = jax.jit(lambda s: auer.descend_from_starts(x, y, t, 0, s[None, :]))
    jax.block_until_ready(batched())
    jax.block_until_ready(one(starts[0]))
    t0 = time.perf_counter()
    vb, kb, _ = jax.block_until_ready(batched())
    tb = (time.perf_counter() - t0) / starts.shape[0]
    t0 = time.perf_counter()
    outs = [one(s) for s in starts[:n_loop]]
    vl = np.asarray([np.asarray(o[0])[0] for o in outs])
    kl = np.asarray([int(o[1][0]) for o in outs])
    tl = (time.perf_counter() - t0) / n_loop
    # end points that are certified minima on both sides (a start that runs along a plateau
    # can end elsewhere when the last bits differ)
    both = (np.asarray(kb)[:n_loop] == 1) & (kl == 1)
    same = np.max(np.abs(np.asarray(vb)[:n_loop] - vl), axis=1) <= 1e-9
    return tb, tl, float(np.mean(same[both])) if both.any() else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument("--loop", type=int, default=64, help="starts in the Python-loop baseline")
    args = parser.parse_args()
    started = time.perf_counter()
    print_header()
    rows = []
    for n, d, transfer, n_starts in QUICK if args.quick else CASES:
        x, y = auer.many_minima_data(n, d, transfer)
        auer.count_minima(x, y, transfer, n_starts=1, certify=False)  # compile
        count = auer.count_minima(x, y, transfer, n_starts=n_starts, seed=0)
        tb, tl, diff = _loop_ratio(x, y, transfer, args.loop)
        rows.append([
            f"({n}, {d}) {transfer}", f"{count.n_found}", f"{count.n_certified}",
            f"{auer.expected_minima(n, d)}", f"{count.unseen:.1f}", f"{n_starts}",
            f"{count.seconds_search:.1f}", f"{n_starts / count.seconds_search:.0f}",
            f"{count.n_found / count.seconds_search:.1f}",
            f"{count.seconds_certify:.2f}", f"{count.n_certified / max(count.seconds_certify, 1e-9):.0f}",
            f"{tl / tb:.1f}x", f"{diff:.2f}",
        ])
    print_table(
        ["case", "found", "certified", "claimed", "Chao1 missed", "starts", "search s",
         "starts/s", "minima found/s", "certify s", "certified/s", "vmap vs loop", "same end"],
        rows,
    )
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
