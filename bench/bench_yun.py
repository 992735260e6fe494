"""Benchmark finding and classifying critical points of the multi-block ResNet risk (seed 004).

The ResNet of `verify.claims.yun` (h_1 = x + V_1 phi^1(x), h_l = h_{l-1} + V_l phi^l(U_l h_{l-1}),
f = w^T h_L; phi^l one hidden layer of width k with tanh), square loss, n samples from
`make_data`. For each case (d_x, L, widths; the number of parameters P is shown):

* search: `--starts` starting points (`init_params`), each minimised by L-BFGS
  (`optax.lbfgs`, `--steps` iterations, vmapped over the starts). The claim's own finders
  (Levenberg-Marquardt and saddle-free Newton, `search_and_classify`) form and factor the dense
  P x P Hessian at every step, so they stop at a few hundred parameters on 2 cores; the
  quasi-Newton search needs only gradients, at any P. It finds minima, not saddles.
* classify: at every end point, `dichotomy_at` (the Theorem's quantities at one point: the
  relative gradient, lambda_min and lambda_max of the Hessian, the two conditions, R - R_lin)
  with the matrix-free spectrum (LOBPCG on Hessian-vector products), one jitted call per point.
  A point counts as critical when its relative gradient is <= TOLERANCES["grad_critical"].
* throughput: critical points found and classified per minute (search and classification
  together, compilation excluded).
* baseline, in the same process and on the same end points, where P allows (`--dense-limit`):
  `dichotomy_at` with the dense spectrum (the autodiff Hessian and eigvalsh); the ratio of the
  seconds per point (``mf speed-up``: dense / matrix-free, > 1 where matrix-free is faster), and the largest |lambda_min(dense) - lambda_min(matrix-free)| relative
  to the Hessian scale, against the matrix-free error bound (LOBPCG's residual).

Every jitted function is compiled (and run once) before timing; the best of `--repeat`
timings is shown. Nothing is asserted on time.

Run from the repository root::

    python bench/bench_yun.py            # three cases up to ~5,000 parameters
    python bench/bench_yun.py --quick    # one small case, a smoke run
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax

from _table import best_time, print_header, print_table
from verify.claims import yun
from verify.tolerances import TOLERANCES

#: (d_x, L, m, k, n_width, samples)
CASES = ((4, 3, 1, 8, 4, 16), (8, 4, 2, 16, 8, 16), (16, 8, 4, 16, 16, 32))
QUICK = ((4, 3, 1, 8, 4, 16),)


def _lbfgs(risk, theta0, steps):
    """`steps` L-BFGS iterations (optax.lbfgs with its zoom line search) from theta0."""
    opt = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(risk)

    def step(carry, _):
        theta, state = carry
        value, grad = value_and_grad(theta, state=state)
        updates, state = opt.update(grad, state, theta, value=value, grad=grad, value_fn=risk)
        return (optax.apply_updates(theta, updates), state), None

    (theta, _), _ = jax.lax.scan(step, (theta0, opt.init(theta0)), None, length=steps)
    return theta


def bench_case(d, depth, m, k, nw, samples, n_starts, steps, dense_limit, repeat):
    arch = yun.Architecture.make(d, depth, m, k, nw)
    size = arch.size
    x, y = yun.make_data(jax.random.PRNGKey(0), d, samples, "square")
    fit = yun.linear_fit(x, y, "square")
    keys = jax.random.split(jax.random.PRNGKey(1), n_starts)
    scales = jnp.linspace(0.3, 1.2, n_starts)
    starts = [yun.init_params(kk, arch, float(sc)) for kk, sc in zip(keys, scales)]
    theta0, unflatten = yun.flatten_params(starts[0])
    thetas0 = jnp.stack([yun.flatten_params(p)[0] for p in starts])
    risk = lambda th: yun.empirical_risk(unflatten(th), x, y, "square", "tanh")

    search = jax.jit(jax.vmap(lambda t0: _lbfgs(risk, t0, steps)))
    classify = {
        method: jax.jit(lambda th, method=method: yun.dichotomy_at(unflatten(th), x, y, "square", "tanh", method, fit))
        for method in ("matrix_free", "dense")
    }
    dense = size <= dense_limit

    jax.block_until_ready(search(thetas0))  # compile, and run once
    ts, points = best_time(lambda: search(thetas0), repeat)
    jax.block_until_ready(classify["matrix_free"](points[0]))
    tm, reports = best_time(lambda: [classify["matrix_free"](p) for p in points], repeat)
    lam_m = np.array([float(r.lambda_min) for r in reports])
    err_m = np.array([float(r.lambda_min_error) for r in reports])
    grad = np.array([float(r.grad_relative) for r in reports])
    excess = np.array([float(r.excess) for r in reports])
    critical = grad <= TOLERANCES["grad_critical"]
    per_min = 60.0 * critical.sum() / (ts + tm)
    row = [
        f"d={d}, L={depth}, m={m}, k={k}, n={nw}", f"{size:,}", f"{n_starts}", f"{ts:.2f}", f"{tm / n_starts:.4f}",
        f"{critical.sum()}/{n_starts}", f"{per_min:,.0f}", f"{lam_m.min():+.1e}", f"{excess.max():+.2g}",
    ]
    if dense:
        jax.block_until_ready(classify["dense"](points[0]))
        td, dreports = best_time(lambda: [classify["dense"](p) for p in points], repeat)
        lam_d = np.array([float(r.lambda_min) for r in dreports])
        row += [f"{td / n_starts:.4f}", f"{td / tm:.2g}x", f"{np.max(np.abs(lam_d - lam_m)):.1e}", f"{err_m.max():.1e}"]
    else:
        row += ["-", "-", "-", f"{err_m.max():.1e}"]
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small case, one timing")
    parser.add_argument("--starts", type=int, default=8, help="starting points per case")
    parser.add_argument("--steps", type=int, default=300, help="L-BFGS iterations per start")
    parser.add_argument("--dense-limit", type=int, default=2500, help="largest P for the dense baseline")
    parser.add_argument("--repeat", type=int, default=2, help="timings per side (the best is shown)")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 1
    print_header()
    rows = []
    for case in QUICK if args.quick else CASES:
        rows.append(bench_case(*case, args.starts, args.steps, args.dense_limit, args.repeat))
        print("done:", rows[-1][0], flush=True)
    print_table(
        ["case", "params", "starts", "search s", "classify s/pt (mf)", "critical", "critical/min",
         "min lambda_min/scale", "max excess", "classify s/pt (dense)", "mf speed-up", "max |lam diff|",
         "mf error bound"],
        rows,
    )


if __name__ == "__main__":
    main()
