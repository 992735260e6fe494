"""Benchmark the Hardt & Ma claim sweeps at depth and width up to 32 (issue #3, point 9).

Prints, in one run:

(a) instances per second of `verify.search.sweep` for each claim of
    `verify.claims.hardt_ma` on a grid of (width d, depth l) up to (32, 32), compile time
    excluded (a warm-up sweep of one chunk with the same shapes runs first). Hessian
    spectra above `verify.landscape.spectrum.DENSE_LIMIT` (1,000) parameters are
    matrix-free (LOBPCG on Hessian-vector products); the critical-point search of
    `hardt-ma/critical-points-global` needs dense Hessians (Levenberg-Marquardt steps
    solve with H^2 + mu I), so it is run only where that is affordable.
(b) at the sizes where both run, seconds to lambda_min of the risk's Hessian at one
    point, matrix-free against dense (`lambda_min(..., method=...)`, second call timed),
    with their agreement relative to ||H||_2: the ratio that makes (a) possible.
(c) the existence construction in its worst case (`verify.claims.hardt_ma.worst_case_cost`,
    module docstring of `verify.claims.hardt_ma.existence`): the largest ||A*|| / bound over
    gamma in [0, l/3], for the paper's bound 2 (sqrt(pi) + sqrt(3 gamma))^2 / l and the
    seed's (4 pi + 3 gamma) / l, every l up to 400 (up to 60 with --quick), with and without
    the merged first block. Pure arithmetic: the same numbers on every machine.

Nothing is asserted on time. Run from the repository root::

    python bench/bench_hardt_ma.py           # several minutes on 2 CPU cores
    python bench/bench_hardt_ma.py --quick   # smoke run, small sizes only
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

import verify
from _table import print_table
import verify.claims.hardt_ma as hm
from verify.landscape import lambda_min
from verify.search import sweep

#: (claim id, sizes (d, l), instances per size).
GRID = (
    ("hardt-ma/gradient-lower-bound-derived", ((2, 2), (8, 8), (16, 16), (32, 32)), 64),
    ("hardt-ma/gd-in-ball", ((2, 2), (8, 8), (16, 16), (32, 32)), 8),
    ("hardt-ma/nonconvex", ((2, 2), (8, 8), (16, 16), (32, 32)), 4),
    ("hardt-ma/critical-points-global", ((2, 2), (3, 3), (4, 4)), 8),
)
QUICK_GRID = tuple((cid, sizes[:2], min(n, 4)) for cid, sizes, n in GRID)
SPECTRUM_SIZES = ((8, 8), (16, 16), (32, 32))
#: Above this many parameters the dense Hessian (8 n^2 bytes) is not built in (b).
DENSE_BENCH_LIMIT = 5000


def _one_set(claim, params: dict):
    cls = type(claim)
    return type(f"{cls.__name__}OneSet", (cls,), {"params": (dict(params),)})()


def bench_sweeps(grid, seed: int) -> list[list[str]]:
    rows = []
    for cid, sizes, n in grid:
        claim = verify.get_claim(cid)
        for d, l in sizes:
            view = _one_set(claim, {"d": d, "l": l})
            chunk = min(n, 8)
            sweep(view, n=chunk, seed=seed + 1, chunk=chunk)  # compile
            result = sweep(view, n=n, seed=seed, chunk=chunk)
            params = l * d * d
            spectrum = "-" if cid.endswith("derived") else (
                "matrix-free" if params > verify.landscape.spectrum.DENSE_LIMIT else "dense"
            )
            rows.append([
                cid, f"d={d}, l={l}", f"{params:,}", spectrum, str(n),
                f"{n / result.seconds:.2f}", result.verdict,
            ])
            print(f"  {cid} d={d} l={l}: {result.seconds:.1f}s", flush=True)
    return rows


def bench_spectrum(sizes, seed: int) -> list[list[str]]:
    rows = []
    for d, l in sizes:
        key = jax.random.PRNGKey(seed)
        inst = verify.get_claim("hardt-ma/nonconvex").generate(key, d=d, l=l)
        risk = hm.flat_excess_risk(inst)
        x = inst["probes"][0].reshape(-1)
        n = x.size
        timings, values = {}, {}
        methods = ("matrix_free", "dense") if n <= DENSE_BENCH_LIMIT else ("matrix_free",)
        for method in methods:
            fn = jax.jit(lambda x, method=method: lambda_min(risk, x, method=method))
            jax.block_until_ready(fn(x))
            start = time.perf_counter()
            values[method] = jax.block_until_ready(fn(x))
            timings[method] = time.perf_counter() - start
            print(f"  lambda_min n={n} {method}: {timings[method]:.2f}s", flush=True)
        if "dense" in timings:
            h = np.asarray(jax.jit(lambda x: verify.landscape.hessian(risk, x))(x))
            norm = float(np.max(np.abs(np.linalg.eigvalsh(h))))
            agree = abs(float(values["dense"].value) - float(values["matrix_free"].value)) / norm
            dense_s, ratio, agree_s = f"{timings['dense']:.2f}", f"{timings['dense'] / timings['matrix_free']:.1f}x", f"{agree:.1e}"
        else:
            dense_s, ratio, agree_s = f"not run (Hessian {8 * n * n / 2**30:.0f} GiB)", "-", "-"
        rows.append([
            f"d={d}, l={l}", f"{n:,}", f"{timings['matrix_free']:.2f}", dense_s, ratio,
            str(int(values["matrix_free"].iterations)), agree_s,
        ])
    return rows


def bench_existence_worst_case(max_depth: int) -> list[list[str]]:
    """Largest ||A*|| / bound in the construction's worst case, per regime and bound."""
    worst = {}
    for l in range(2, max_depth + 1):
        g = np.unique(np.concatenate([np.linspace(0.0, l / 3.0, 201), np.geomspace(1e-12, l / 3.0, 200)]))
        bounds = {"paper": 2.0 * (np.sqrt(np.pi) + np.sqrt(3.0 * g)) ** 2 / l,
                  "seed": (4.0 * np.pi + 3.0 * g) / l}
        for (theta_w, theta_z, principal), regime in zip(hm.WORST_CASES, ("principal", "split")):
            for merged in (True, False):
                cost = hm.worst_case_cost(l, g, theta_w, theta_z, principal, merged)
                for name, bound in bounds.items():
                    ratio = cost / bound
                    i = int(np.argmax(ratio))
                    key = (regime, merged, name)
                    if key not in worst or ratio[i] > worst[key][0]:
                        worst[key] = (float(ratio[i]), l, float(g[i]))
    return [
        [regime, "yes" if merged else "no", name, f"{r:.4f}", str(l), f"{gamma:.3g}"]
        for (regime, merged, name), (r, l, gamma) in sorted(worst.items(), key=lambda kv: (kv[0][0], not kv[0][1], kv[0][2]))
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only: a smoke run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"Hardt & Ma claim sweeps; jax {jax.__version__}, backend {jax.default_backend()}, "
          f"{jax.device_count()} device(s)")
    print("(a) sweep throughput")
    rows = bench_sweeps(QUICK_GRID if args.quick else GRID, args.seed)
    print()
    print_table(["claim", "size", "parameters", "spectrum", "N", "inst/s", "verdict"], rows, left=2)
    print()
    print("(b) lambda_min of the risk's Hessian at one point: matrix-free vs dense, second call timed")
    rows = bench_spectrum(SPECTRUM_SIZES[:1] if args.quick else SPECTRUM_SIZES, args.seed)
    print()
    print_table(["size", "parameters", "matrix-free s", "dense s", "ratio", "LOBPCG iters", "|diff|/||H||"], rows, left=2)
    print()
    depth = 60 if args.quick else 400
    print(f"(c) existence construction, worst case over gamma in [0, l/3], l = 2..{depth}: largest ||A*|| / bound")
    rows = bench_existence_worst_case(depth)
    print()
    print_table(["regime", "merged first block", "bound", "largest ratio", "at l", "at gamma"], rows, left=2)


if __name__ == "__main__":
    main()
