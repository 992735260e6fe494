"""Keep jaxlib 0.10's batched CPU LAPACK kernels off the thread pool they can deadlock.

jaxlib 0.10.x splits a batch of matrices (``eigh``, ``svd``, ``lu``, ``qr``, ...) into chunks
and schedules them on XLA's intra-op thread pool (``jax::ParallelBatchMap`` in
``jaxlib/cpu/lapack_kernels.cc``), then blocks that pool thread until the chunks are done.
When every pool thread is blocked this way at once (two vmapped eigendecompositions running
side by side on a 2-core machine is enough), nothing is left to run the chunks and the
process hangs for ever. We saw it in ``verify.sweep`` inside notebooks and in
``verify check`` (gdb: both ``tf_XLAEigen`` threads in ``ParallelBatchMap``). jaxlib 0.11.2
builds that path out; 0.10.2 is the newest jaxlib this project can install.

jaxlib only fans a batch out when ``batch * cost_per_matrix >= 200_000`` FLOP (its
``kMinWorkPerTask``), where ``cost_per_matrix`` is at most ``10 * m * n * min(m, n)`` for the
kernels in that file. `apply` re-registers the CPU lowering of each batched linear-algebra
primitive so that a batch above that size is lowered to a sequential loop over chunks small
enough to run inline on the calling thread. Each matrix still goes to the same LAPACK routine,
so results are unchanged; only the two-thread split of one LAPACK call is given up.

This touches JAX internals (``mlir._platform_specific_lowerings``); importing `verify` applies
it, and only to the jaxlib versions that have the bug.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jaxlib
from jax._src.interpreters import mlir
from jax._src.lax import linalg as _linalg

#: jaxlib's ``kMinWorkPerTask``: a batch below this many FLOP runs inline.
MIN_WORK_PER_TASK = 200_000
#: Largest per-matrix cost factor in jaxlib's kernels (gesdd and geev: 10 m n min(m, n));
#: using m n max(m, n) instead of m n min(m, n) only makes the chunks smaller.
COST_FACTOR = 10
#: First jaxlib release without the parallel batch path.
FIXED_IN = (0, 11, 2)

PRIMITIVES = (
    _linalg.cholesky_p,
    _linalg.eig_p,
    _linalg.eigh_p,
    _linalg.geqrf_p,
    _linalg.hessenberg_p,
    _linalg.householder_product_p,
    _linalg.lu_p,
    _linalg.ormqr_p,
    _linalg.schur_p,
    _linalg.svd_p,
    _linalg.triangular_solve_p,
)


def inline_chunk(shapes) -> int:
    """Largest number of matrices per LAPACK call that jaxlib runs without its thread pool."""
    size = max(max(s[-2:]) for s in shapes if len(s) >= 2)
    return max(1, (MIN_WORK_PER_TASK - 1) // (COST_FACTOR * size**3))


def _batch_shape(shapes):
    """The batch dimensions shared by all operands (the first operand's leading dims)."""
    batch = tuple(shapes[0][:-2])
    if all(tuple(s[: len(batch)]) == batch for s in shapes):
        return batch
    return None


def _chunked(prim, params, chunk, batch, *operands):
    count = math.prod(batch)
    flat = [x.reshape((count,) + x.shape[len(batch):]) for x in operands]
    full = (count // chunk) * chunk

    def one_chunk(_, xs):
        out = prim.bind(*xs, **params)
        return None, out

    head = [x[:full].reshape((count // chunk, chunk) + x.shape[1:]) for x in flat]
    _, outs = jax.lax.scan(one_chunk, None, head)
    outs = outs if prim.multiple_results else [outs]
    outs = [o.reshape((full,) + o.shape[2:]) for o in outs]
    if full < count:
        tail = prim.bind(*[x[full:] for x in flat], **params)
        tail = tail if prim.multiple_results else [tail]
        outs = [jnp.concatenate([o, t]) for o, t in zip(outs, tail)]
    outs = [o.reshape(batch + o.shape[1:]) for o in outs]
    return outs if prim.multiple_results else outs[0]


def _sequential_batches(prim, entry):
    original = entry.rule

    def rule(ctx, *args, **params):
        shapes = [aval.shape for aval in ctx.avals_in]
        batch = _batch_shape(shapes)
        chunk = inline_chunk(shapes)
        if not batch or math.prod(batch) <= chunk:
            return original(ctx, *args, **params)
        lowered = mlir.lower_fun(
            lambda *xs: _chunked(prim, params, chunk, batch, *xs),
            multiple_results=prim.multiple_results,
        )
        return lowered(ctx, *args)

    rule.wrapped_for_sequential_batches = True
    return rule


def needed() -> bool:
    """Whether the installed jaxlib has the deadlocking parallel batch path."""
    version = tuple(int(p) for p in jaxlib.__version__.split(".")[:3] if p.isdigit())
    return version < FIXED_IN


def apply() -> None:
    """Re-register the CPU lowerings of `PRIMITIVES`; idempotent, and a no-op where not `needed`."""
    if not needed():
        return
    cpu = mlir._platform_specific_lowerings["cpu"]
    for prim in PRIMITIVES:
        entry = cpu.get(prim) or mlir._lowerings.get(prim)
        if entry is None or getattr(entry.rule, "wrapped_for_sequential_batches", False):
            continue
        mlir.register_lowering(prim, _sequential_batches(prim, entry), platform="cpu", inline=entry.inline)


apply()
