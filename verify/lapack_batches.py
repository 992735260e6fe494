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

How it is applied, and how to switch it off:

* ``import verify`` calls `apply`, which does nothing unless the installed jaxlib has the
  bug (`needed`: jaxlib < 0.11.2) and the environment variable ``VERIFY_LAPACK_WORKAROUND``
  is not ``0``. Setting ``VERIFY_LAPACK_WORKAROUND=0`` before importing `verify` leaves JAX
  untouched (and exposed to the deadlock on an affected jaxlib).
* It needs two JAX internals, imported only inside `apply`: ``jax._src.interpreters.mlir``
  (``register_lowering``, ``lower_fun``, ``_platform_specific_lowerings``) and the linalg
  primitives of ``jax._src.lax.linalg``. If a JAX release renames one of them, `apply` warns
  (`LapackWorkaroundWarning`) and leaves the unpatched lowering in place: ``import verify``
  never fails because of this module.
* Known to work with jax and jaxlib 0.10.2 (the versions pinned in ``.ci/constraints.txt``);
  `STATUS` says what `apply` did.
"""

from __future__ import annotations

import math
import os
import warnings

import jax
import jax.numpy as jnp
import jaxlib

__all__ = ["apply", "needed", "inline_chunk", "LapackWorkaroundWarning", "STATUS", "ENV_SWITCH"]

#: jaxlib's ``kMinWorkPerTask``: a batch below this many FLOP runs inline.
MIN_WORK_PER_TASK = 200_000
#: Largest per-matrix cost factor in jaxlib's kernels (gesdd and geev: 10 m n min(m, n));
#: using m n max(m, n) instead of m n min(m, n) only makes the chunks smaller.
COST_FACTOR = 10
#: First jaxlib release without the parallel batch path.
FIXED_IN = (0, 11, 2)
#: The jax/jaxlib versions the patch was tested with (results bit-identical, no hang).
TESTED_WITH = ("0.10.2",)
#: Environment variable: ``0`` switches the work-around off.
ENV_SWITCH = "VERIFY_LAPACK_WORKAROUND"
#: Names in ``jax._src.lax.linalg`` of the batched primitives whose CPU lowering calls LAPACK.
PRIMITIVE_NAMES = (
    "cholesky_p", "eig_p", "eigh_p", "geqrf_p", "hessenberg_p", "householder_product_p",
    "lu_p", "ormqr_p", "schur_p", "svd_p", "triangular_solve_p",
)
#: What `apply` did: "applied", "not needed (jaxlib X)", "switched off (VERIFY_LAPACK_WORKAROUND=0)",
#: "unavailable: <reason>", or "not applied yet".
STATUS = "not applied yet"


class LapackWorkaroundWarning(RuntimeWarning):
    """The work-around could not be applied (a JAX internal it needs has changed)."""


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


def _sequential_batches(mlir, prim, entry):
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


def apply() -> str:
    """Re-register the CPU lowerings of the batched LAPACK primitives where `needed`.

    Idempotent. Returns (and stores in `STATUS`) what it did; never raises: if a JAX internal
    it needs is missing, it warns with `LapackWorkaroundWarning` and changes nothing."""
    global STATUS
    if os.environ.get(ENV_SWITCH, "").strip() == "0":
        STATUS = f"switched off ({ENV_SWITCH}=0)"
    elif not needed():
        STATUS = f"not needed (jaxlib {jaxlib.__version__})"
    else:
        try:
            from jax._src.interpreters import mlir
            from jax._src.lax import linalg

            primitives = [getattr(linalg, name) for name in PRIMITIVE_NAMES]
            cpu = mlir._platform_specific_lowerings["cpu"]
            for prim in primitives:
                entry = cpu.get(prim) or mlir._lowerings.get(prim)
                if entry is None or getattr(entry.rule, "wrapped_for_sequential_batches", False):
                    continue
                rule = _sequential_batches(mlir, prim, entry)
                mlir.register_lowering(prim, rule, platform="cpu", inline=entry.inline)
            STATUS = "applied"
        except (ImportError, AttributeError, KeyError, TypeError) as e:
            STATUS = f"unavailable: {type(e).__name__}: {e}"
            warnings.warn(
                f"verify could not apply its work-around for jaxlib {jaxlib.__version__}'s batched LAPACK "
                f"deadlock ({type(e).__name__}: {e}); it was tested with jax/jaxlib {', '.join(TESTED_WITH)}. "
                f"Batched linear algebra runs unpatched and can hang on a 2-core CPU; jaxlib >= 0.11.2 "
                f"does not need the work-around. Set {ENV_SWITCH}=0 to silence this warning.",
                LapackWorkaroundWarning,
                stacklevel=2,
            )
    return STATUS
