"""Benchmark the engine against a baseline run in the same process (issue #2, point 10).

Prints ratios, never asserts on timings (this is not a test):

(a) Sweep throughput: instances per second of the vmapped `verify.search.sweep` against a
    Python loop over the same jitted check (``jax.jit(claim.check)`` on one instance at a
    time), on ``mf/sosp-global`` for each parameter set of its grid. Both run on the same
    N instances (key ``instance_key(seed, i)``), are warmed up first with the same shapes
    (compile time excluded), and must give the same margins (max |difference| printed).
(b) lambda_min of a Hessian: the matrix-free method (LOBPCG on Hessian-vector products,
    ``lambda_min(loss, x, method="matrix_free")``) against dense ``eigvalsh`` of the dense
    Hessian (``method="dense"``), on the linear residual network loss
    f(A) = (1/N) ||Y - (I + A_l) ... (I + A_1) X||_F^2 at a random A of small norm, with
    about 500, 2,000 and 8,000 parameters. Each is compiled and run once, then the second
    call is timed (``block_until_ready``). The agreement |lambda_dense - lambda_mf| / ||H||_2
    is printed next to the reported error bound.
(c) Compiler setting of the sweep: for each parameter set of a few claims, the vmapped check
    of one chunk is lowered once and compiled twice, with XLA's default options (LLVM
    optimisation level 2) and with `verify.search.SWEEP_COMPILER_OPTIONS` (level 1); both
    are run on the same keys. Printed: compile seconds, run seconds (second call), their
    ratios, the largest |margin difference| and whether the verdicts agree.

Run from the repository root::

    python bench/bench_engine.py            # full run, several minutes on 2 CPU cores
    python bench/bench_engine.py --quick    # smaller sizes, a smoke run
"""

from __future__ import annotations

import argparse
import datetime
import functools
import os
import platform
import resource
import time

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np

import verify
from _table import print_table
from verify.landscape import hessian, hvp, lambda_min
from verify.landscape.spectrum import top_eigenvalue_matrix_free
from verify.search import SWEEP_COMPILER_OPTIONS, _verdicts, instance_key, sweep

CLAIM_ID = "mf/sosp-global"
#: Claims of part (c): the slowest to compile in `verify check --all`, and one whose
#: check runs long (init/balduzzi-scaling).
COMPILE_CLAIMS = ("hardt-ma/critical-points-global", "mf/symmetry", "init/balduzzi-scaling", "auer/exponential-minima")
#: Linear ResNet sizes (d, l): l * d^2 parameters.
RESNET_SIZES = ((10, 5), (20, 5), (40, 5))
RESNET_SIZES_QUICK = ((6, 5), (10, 5))
#: Samples in the data X (d x N_SAMPLES).
N_SAMPLES = 100
#: Operator norm of each residual block A_i is about 2 * A_SCALE (small, near the identity).
A_SCALE = 0.05
#: Block size of the second matrix-free row, for comparison with the default
#: (`verify.landscape.spectrum.BLOCK` = 1): a larger block helps clustered spectra only.
TUNED_BLOCK = 4


def _timed(fn, *args):
    """Seconds of one call of `fn(*args)`, waiting for the result; returns (seconds, result)."""
    start = time.perf_counter()
    out = jax.block_until_ready(fn(*args))
    return time.perf_counter() - start, out


def _machine() -> list[tuple[str, str]]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count()
    devices = ", ".join(str(d) for d in jax.devices())
    return [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("jax / jaxlib", f"{jax.__version__} / {jaxlib.__version__}"),
        ("backend", f"{jax.default_backend()} ({devices})"),
        ("x64", str(jax.config.jax_enable_x64)),
        ("CPUs usable / in machine", f"{usable} / {os.cpu_count()}"),
        ("processor", platform.processor() or platform.machine()),
        ("python / numpy", f"{platform.python_version()} / {np.__version__}"),
        ("verify", getattr(verify, "__version__", "?")),
    ]




# ------------------------------------------------------------------------- (a) the sweep


def _one_set(claim, params: dict):
    """The same claim restricted to one parameter set, so that `sweep` runs only that set."""
    cls = type(claim)
    view = type(f"{cls.__name__}OneSet", (cls,), {"params": (dict(params),)})
    return view()


def bench_sweep(n: int, chunk: int, seed: int, quick: bool) -> list[list[str]]:
    claim = verify.get_claim(CLAIM_ID)
    grid = claim.params[:1] if quick else claim.params
    rows = []
    for params in grid:
        view = _one_set(claim, params)
        label = ",".join(f"{k}={v}" for k, v in params.items())

        # Vectorised: warm up with one chunk of the same shape, then time the whole sweep.
        sweep(view, n=chunk, seed=seed, chunk=chunk)
        vec = sweep(view, n=n, seed=seed, chunk=chunk)
        t_vec = vec.seconds

        # Baseline: the same instances, generated and checked one at a time by jitted
        # functions (dispatch is asynchronous; results are fetched once at the end).
        gen = jax.jit(functools.partial(claim.generate, **params))
        check = jax.jit(claim.check)
        jax.block_until_ready(check(gen(instance_key(seed, 0))))  # compile
        start = time.perf_counter()
        outs = [check(gen(instance_key(seed, i))) for i in range(n)]
        loop_margins = np.asarray(jax.device_get([o.margin for o in outs]), dtype=np.float64)
        t_loop = time.perf_counter() - start

        # What a loop pays per instance that vmap can remove: dispatching two jitted calls
        # and fetching a result, measured on calls that do (almost) no work. The loop can be
        # at most t_loop / (t_loop - n * dispatch) times slower than a sweep with zero cost
        # per call, if batching does not change the cost of the work itself.
        zeros_like = lambda shapes: jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
        gen_shapes = jax.eval_shape(gen, instance_key(seed, 0))
        check_shapes = jax.eval_shape(check, gen_shapes)
        gen_nothing = jax.jit(lambda key: zeros_like(gen_shapes))
        check_nothing = jax.jit(lambda instance: zeros_like(check_shapes))
        jax.block_until_ready(check_nothing(gen_nothing(instance_key(seed, 0))))
        start = time.perf_counter()
        outs = [check_nothing(gen_nothing(instance_key(seed, i))) for i in range(n)]
        _ = jax.device_get([o.margin for o in outs])
        dispatch = (time.perf_counter() - start) / n
        bound = t_loop / max(t_loop - n * dispatch, 1e-12)

        both = np.isfinite(vec.margins) & np.isfinite(loop_margins)
        same_nan = bool(np.array_equal(np.isfinite(vec.margins), np.isfinite(loop_margins)))
        diff = float(np.max(np.abs(vec.margins[both] - loop_margins[both]))) if both.any() else float("nan")
        rows.append([
            label,
            str(n),
            f"{n / t_loop:.1f}",
            f"{n / t_vec:.1f}",
            f"{t_loop / t_vec:.1f}x",
            f"{dispatch * 1e6:.0f}",
            f"{bound:.2f}x",
            f"{diff:.1e}" + ("" if same_nan else " (NaN pattern differs)"),
            vec.verdict,
        ])
        print(f"  [{label}] loop {t_loop:.2f}s, sweep {t_vec:.2f}s", flush=True)
    return rows


# ----------------------------------------------------------------- (c) compiler setting


def bench_compile(claim_ids, chunk: int, seed: int) -> list[list[str]]:
    keys = jax.vmap(lambda i: instance_key(seed, i))(jnp.arange(chunk))
    rows = []
    for claim_id in claim_ids:
        claim = verify.get_claim(claim_id)
        for params in claim.params:
            gen = functools.partial(claim.generate, **params)
            lowered = jax.jit(lambda k: jax.vmap(claim.check)(jax.vmap(gen)(k))).trace(keys).lower()
            timings, outs = {}, {}
            for name, options in (("default", None), ("sweep", SWEEP_COMPILER_OPTIONS)):
                start = time.perf_counter()
                compiled = lowered.compile(compiler_options=options)
                t_compile = time.perf_counter() - start
                jax.block_until_ready(compiled(keys))
                t_run, outs[name] = _timed(compiled, keys)
                timings[name] = (t_compile, t_run)
            a, b = (np.asarray(outs[k].margin, dtype=np.float64) for k in ("default", "sweep"))
            both = np.isfinite(a) & np.isfinite(b)
            diff = float(np.max(np.abs(a[both] - b[both]))) if both.any() else float("nan")
            agree = _verdicts(jax.device_get(outs["default"])) == _verdicts(jax.device_get(outs["sweep"]))
            label = claim_id + " " + ",".join(f"{k}={v}" for k, v in params.items())
            (c2, r2), (c1, r1) = timings["default"], timings["sweep"]
            rows.append([label, f"{c2:.2f}", f"{c1:.2f}", f"{c2 / c1:.1f}x", f"{r2:.3f}", f"{r1:.3f}",
                         f"{r2 / r1:.2f}x", f"{diff:.1e}", "yes" if agree else "NO"])
            print(f"  [{label}] compile {c2:.2f}s vs {c1:.2f}s, run {r2:.3f}s vs {r1:.3f}s", flush=True)
    return rows


# ----------------------------------------------------------------- (b) lambda_min


def resnet_loss(x: jax.Array, X: jax.Array, Y: jax.Array, d: int, l: int) -> jax.Array:
    """f(A) = (1/N) ||Y - (I + A_l) ... (I + A_1) X||_F^2 on the flat x = concat(A_i.ravel())."""
    A = x.reshape(l, d, d)
    Z = X
    for i in range(l):
        Z = Z + A[i] @ Z
    return jnp.sum((Y - Z) ** 2) / X.shape[1]


def resnet_problem(key: jax.Array, d: int, l: int, n_samples: int = N_SAMPLES):
    """Random data X (d x N), Y = R X + noise with R near the identity, and a small random A."""
    kx, kr, kn, ka = jax.random.split(key, 4)
    X = jax.random.normal(kx, (d, n_samples))
    R = jnp.eye(d) + 0.3 * jax.random.normal(kr, (d, d)) / jnp.sqrt(d)
    Y = R @ X + 0.1 * jax.random.normal(kn, (d, n_samples))
    x = A_SCALE * jax.random.normal(ka, (l * d * d,)) / jnp.sqrt(d)
    return x, X, Y


def bench_lambda_min(sizes, seed: int) -> tuple[list[list[str]], list[str]]:
    rows, notes = [], []
    for d, l in sizes:
        x, X, Y = resnet_problem(jax.random.PRNGKey(seed), d, l)
        n = x.size
        loss_of = lambda X, Y: (lambda v: resnet_loss(v, X, Y, d, l))

        dense = jax.jit(lambda x, X, Y: lambda_min(loss_of(X, Y), x, method="dense"))
        matfree = jax.jit(lambda x, X, Y: lambda_min(loss_of(X, Y), x, method="matrix_free"))
        tuned = jax.jit(
            lambda x, X, Y: top_eigenvalue_matrix_free(
                lambda v: -hvp(loss_of(X, Y), x, v), n, jax.random.PRNGKey(0), block=TUNED_BLOCK
            )
        )
        build = jax.jit(lambda x, X, Y: hessian(loss_of(X, Y), x))

        timings = {}
        results = {}
        for name, fn in (("dense", dense), ("matrix_free", matfree), ("tuned", tuned), ("build", build)):
            fn(x, X, Y)  # compile and run once
            timings[name], results[name] = _timed(fn, x, X, Y)
            print(f"  [n={n}] {name}: {timings[name]:.3f}s", flush=True)

        # Reference: the spectrum of the same dense Hessian by LAPACK, eigenvalues only
        # (numpy.linalg.eigvalsh, jobz='N'); gives ||H||_2 and the cost of a values-only solver.
        h = np.asarray(results.pop("build"))
        start = time.perf_counter()
        eigs = np.linalg.eigvalsh(h)
        t_np = time.perf_counter() - start
        del h
        norm_h = float(max(abs(eigs[0]), abs(eigs[-1])))
        lam_dense = float(results["dense"].value)
        lam_mf = float(results["matrix_free"].value)
        lam_tuned = -float(results["tuned"].value)

        for label, lam, res, key in (
            ("lambda_min(method='matrix_free')", lam_mf, results["matrix_free"], "matrix_free"),
            (f"top_eigenvalue_matrix_free(-hvp, block={TUNED_BLOCK})", lam_tuned, results["tuned"], "tuned"),
        ):
            rows.append([
                f"{n} (d={d}, l={l})",
                label,
                f"{timings['dense']:.3f}",
                f"{timings[key]:.3f}",
                f"{timings['dense'] / timings[key]:.1f}x",
                str(int(res.iterations)),
                f"{abs(lam_dense - lam) / norm_h:.1e}",
                f"{float(res.error) / norm_h:.1e}",
            ])
        values_only = timings["build"] + t_np
        notes.append(
            f"n={n}: lambda_min {lam_dense:.10g}, ||H||_2 {norm_h:.4g}; dense = Hessian "
            f"{timings['build']:.2f}s + eigh with vectors {timings['dense'] - timings['build']:.2f}s; "
            f"numpy eigvalsh of the same H (values only) {t_np:.2f}s, so a values-only dense "
            f"path would take ~{values_only:.2f}s (ratios {values_only / timings['matrix_free']:.1f}x "
            f"default, {values_only / timings['tuned']:.1f}x block={TUNED_BLOCK})"
        )
    return rows, notes


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--n", type=int, default=None, help="instances per parameter set (default 256; 16 with --quick)")
    parser.add_argument("--chunk", type=int, default=None, help="sweep batch size (default 64, the sweep's default; 16 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--part", choices=("a", "b", "c", "all"), default="all",
        help="run only (a) the sweep, (b) lambda_min or (c) the compiler setting",
    )
    args = parser.parse_args(argv)
    n = args.n or (16 if args.quick else 256)
    chunk = min(args.chunk or (16 if args.quick else 64), n)
    sizes = RESNET_SIZES_QUICK if args.quick else RESNET_SIZES

    print("verify engine benchmark" + (" (--quick)" if args.quick else ""))
    for k, v in _machine():
        print(f"  {k:26s} {v}")
    print()

    if args.part in ("a", "all"):
        _part_a(n, chunk, args.seed, args.quick)
    if args.part in ("b", "all"):
        _part_b(sizes, args.seed)
    if args.part in ("c", "all"):
        _part_c(COMPILE_CLAIMS[:1] if args.quick else COMPILE_CLAIMS, chunk, args.seed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"peak resident memory: {peak:.2f} GiB")


def _part_a(n, chunk, seed, quick):
    print(f"(a) {CLAIM_ID}: vmapped sweep vs Python loop over jit(claim.check), N={n}, chunk={chunk}, seed={seed}")
    rows_a = bench_sweep(n, chunk, seed, quick)
    print()
    print_table(
        ["params", "N", "loop inst/s", "sweep inst/s", "ratio", "dispatch us/inst", "bound", "max |margin diff|", "verdict"], rows_a
    )
    print()


def _part_b(sizes, seed):
    print(f"(b) lambda_min of the Hessian of a linear ResNet loss (N={N_SAMPLES} samples), second call timed")
    rows_b, notes_b = bench_lambda_min(sizes, seed)
    print()
    print_table(
        ["parameters", "matrix-free method", "dense s", "matfree s", "ratio", "iters",
         "|dl|/||H||", "bound/||H||"],
        rows_b,
    )
    for note in notes_b:
        print("  " + note)
    print()


def _part_c(claim_ids, chunk, seed):
    print(f"(c) compiling one chunk ({chunk} instances) with XLA's default options vs the sweep's {SWEEP_COMPILER_OPTIONS}")
    rows_c = bench_compile(claim_ids, chunk, seed)
    print()
    print_table(
        ["claim, params", "compile default s", "compile sweep s", "ratio", "run default s", "run sweep s",
         "ratio", "max |margin diff|", "same verdicts"],
        rows_c,
    )
    print()


if __name__ == "__main__":
    main()
