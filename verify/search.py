"""Search for counterexamples: Hypothesis strategies and the vectorised sweep.

Two ways to run a claim over many instances:

* `sweep`: ``jax.vmap`` of the claim's check over N instances from one seed. Instance i
  uses the parameter set ``claim.params[i % len(claim.params)]`` and the key
  ``jax.random.fold_in(jax.random.PRNGKey(seed), i)``, so every instance is reproducible
  from ``(claim id, seed, i)`` alone, whatever N is. (The key is identical; arrays that
  `generate` computes with arithmetic can differ in the last bits between the batched and
  the one-at-a-time computation, which is why records store the arrays themselves.)
  Parameter values must be hashable (numbers, strings, tuples). Instances are checked in chunks of a
  fixed size (padded), so memory stays bounded and `jit` compiles once per parameter set.
  This is what ``verify check`` runs.
* `instances`: a Hypothesis strategy per claim (``pytest properties/``). Hypothesis owns the
  randomness: it draws the parameter set from the claim's small grid (so the number of
  compilations is bounded) and an integer seed, from which the JAX key is built;
  `hypothesis.target` on the margin steers it towards violations and its shrinker towards
  the smallest parameters and seed.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import note, target
from hypothesis import strategies as st

from verify import _x64  # noqa: F401
from verify.claims.base import (
    CHECK_COMPILER_OPTIONS, HOLDS, INCONCLUSIVE, REFUTED, Claim, Evidence, evidence_numbers,
)
from verify.errors import InvalidInstanceError
from verify.statistics import DETECTABLE

__all__ = [
    "SweepResult",
    "sweep",
    "instance_key",
    "instance_params",
    "make_instance",
    "instances",
    "MinimalCounterexample",
    "minimal_counterexample",
    "round_significant",
]


def instance_key(seed: int, index: int) -> jax.Array:
    """The PRNG key of instance `index` of a sweep with `seed`."""
    return jax.random.fold_in(jax.random.PRNGKey(seed), index)


def instance_params(claim: Claim, index: int) -> dict[str, Any]:
    """The structural parameters of instance `index` (the grid is cycled through)."""
    return dict(claim.params[index % len(claim.params)])


def make_instance(claim: Claim, seed: int, index: int) -> dict[str, jax.Array]:
    """Rebuild instance `index` of a sweep with `seed` (what `verify reproduce` does)."""
    return claim.generate(instance_key(seed, index), **instance_params(claim, index))


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """The outcome of `sweep` over N instances.

    Attributes:
      claim_id, seed, n: what was run.
      verdict: ``"refuted"`` if any instance refutes the claim, else ``"inconclusive"`` if
        any instance is inconclusive, else ``"holds"``.
      counts: instances per verdict.
      margins: the margin of every instance, by index (NaN where not finite).
      verdicts: the verdict of every instance, by index.
      worst_index: the refuting instance with the smallest margin if any, else the
        conclusive instance with the smallest margin (None if there is none).
      smallest_margin: the margin at `worst_index` (NaN if None).
      measured: the measured numbers of `worst_index`.
      seconds: wall time of the sweep (compilation included).
      detectable_deviation: for a claim whose tests measure `verify.statistics.DETECTABLE`
        (the statistical claims), the largest over the conclusive instances of the relative
        deviation from the claimed value that the instance's test would have detected: how
        large a deviation "holds" rules out; None for other claims.
    """

    claim_id: str
    seed: int
    n: int
    verdict: str
    counts: dict[str, int]
    margins: np.ndarray
    verdicts: list[str]
    worst_index: int | None
    smallest_margin: float
    measured: dict[str, Any]
    seconds: float
    detectable_deviation: float | None = None


#: XLA options for the sweep's compiled checks (`verify.claims.base.CHECK_COMPILER_OPTIONS`,
#: which `Claim.check_instance` compiles with too; the reasons and numbers are there).
SWEEP_COMPILER_OPTIONS = CHECK_COMPILER_OPTIONS


@functools.lru_cache(maxsize=None)
def _batched_check(claim: Claim, params_items: tuple) -> Callable:
    params = dict(params_items)
    gen = functools.partial(claim.generate, **params)
    if claim.vectorised:

        @functools.partial(jax.jit, compiler_options=SWEEP_COMPILER_OPTIONS)
        def run(keys):
            inst = jax.vmap(gen)(keys)
            return jax.vmap(claim.check)(inst)

        return run
    one = jax.jit(lambda k: claim.check(gen(k)), compiler_options=SWEEP_COMPILER_OPTIONS)

    def run_loop(keys):
        outs = [one(k) for k in keys]
        return jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *outs)

    return run_loop


def _verdicts(ev: Evidence) -> list[str]:
    finite = np.isfinite(np.asarray(ev.margin))
    for v in evidence_numbers(ev.measured).values():
        a = np.asarray(v)
        finite &= np.all(np.isfinite(a.reshape(a.shape[0], -1)), axis=1)
    conclusive = np.asarray(ev.conclusive, dtype=bool) & finite
    margin = np.asarray(ev.margin)
    return [
        INCONCLUSIVE if not c else (HOLDS if m >= 0 else REFUTED) for c, m in zip(conclusive, margin)
    ]


def sweep(
    claim: Claim,
    n: int,
    seed: int = 0,
    chunk: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Check `claim` on instances 0..n-1 of `seed`, vectorised; see the module docstring.

    Args:
      claim: a registered or user-defined `Claim`.
      n: number of instances (>= 1).
      seed: the sweep's seed (a non-negative integer).
      chunk: instances per vmapped batch; bounds memory (a batch is padded to a power of
        two, at most `chunk`, so that sweeps of other sizes reuse its compiled check).
      progress: optional callback ``(done, total)`` called after each batch; library code
        does not print, the CLI passes a callback that does.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    if chunk < 1:
        raise ValueError(f"chunk must be a positive integer; got {chunk!r}")
    start = time.perf_counter()
    n_sets = len(claim.params)
    margins = np.full(n, np.nan)
    verdicts: list[str] = [INCONCLUSIVE] * n
    measured_by_index: dict[int, dict[str, np.ndarray]] = {}
    all_measured: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
    done = 0
    for j, params in enumerate(claim.params):
        idx = np.arange(j, n, n_sets)
        if idx.size == 0:
            continue
        run = _batched_check(getattr(claim, "_compiled_as", claim), tuple(sorted(params.items())))
        # batches padded to a power of two: sweeps of other sizes (the minimiser's) reuse them
        size = min(chunk, 1 << (int(idx.size) - 1).bit_length())
        for lo in range(0, idx.size, size):
            block = idx[lo : lo + size]
            padded = np.concatenate([block, np.repeat(block[-1:], size - block.size)])
            keys = jax.vmap(lambda i: instance_key(seed, i))(jnp.asarray(padded))
            ev = jax.device_get(run(keys))
            ev = jax.tree_util.tree_map(lambda a: np.asarray(a)[: block.size], ev)
            m = np.asarray(ev.margin, dtype=np.float64)
            margins[block] = np.where(np.isfinite(m), m, np.nan)
            for i, v in zip(block, _verdicts(ev)):
                verdicts[i] = v
            all_measured.append((block, {k: np.asarray(v) for k, v in ev.measured.items()}))
            done += block.size
            if progress is not None:
                progress(done, n)
    counts = {v: verdicts.count(v) for v in (HOLDS, REFUTED, INCONCLUSIVE)}
    refuting = [i for i in range(n) if verdicts[i] == REFUTED]
    conclusive = [i for i in range(n) if verdicts[i] != INCONCLUSIVE]
    pool = refuting or conclusive
    worst = min(pool, key=lambda i: (margins[i], i)) if pool else None
    if worst is not None:
        for block, meas in all_measured:
            where = np.nonzero(block == worst)[0]
            if where.size:
                measured_by_index[worst] = {k: v[where[0]] for k, v in meas.items()}
    overall = REFUTED if refuting else (INCONCLUSIVE if counts[INCONCLUSIVE] else HOLDS)
    detectable = _detectable_deviation(all_measured, verdicts)
    return SweepResult(
        claim_id=claim.id,
        seed=int(seed),
        n=int(n),
        verdict=overall,
        counts=counts,
        margins=margins,
        verdicts=verdicts,
        worst_index=worst,
        smallest_margin=float(margins[worst]) if worst is not None else float("nan"),
        measured=measured_by_index.get(worst, {}) if worst is not None else {},
        seconds=time.perf_counter() - start,
        detectable_deviation=detectable,
    )


def _detectable_deviation(all_measured, verdicts) -> float | None:
    """The largest, over the conclusive instances, of each instance's smallest
    `verify.statistics.DETECTABLE` (a claim with several tests detects a deviation that any
    of them detects; inf where no relative deviation is defined); None when the claim
    measures none."""
    conclusive = np.asarray(verdicts) != INCONCLUSIVE
    worst = None
    for block, meas in all_measured:
        keys = [k for k in meas if k.startswith(DETECTABLE)]
        if not keys:
            continue
        per_instance = np.min(np.stack([np.asarray(meas[k], np.float64).reshape(len(block)) for k in keys]), axis=0)
        kept = per_instance[conclusive[block] & ~np.isnan(per_instance)]
        if kept.size:
            worst = float(kept.max()) if worst is None else max(worst, float(kept.max()))
    return worst


@st.composite
def instances(draw, claim: Claim, params: tuple[dict[str, Any], ...] | None = None):
    """Hypothesis strategy for `(params, seed, instance)` of `claim`.

    The parameter set is drawn from `params` (default: the claim's own grid), earlier
    entries first so that the shrinker moves to the smallest; the seed is an integer that
    Hypothesis owns and shrinks towards 0.
    """
    grid = params if params is not None else claim.params
    chosen = draw(st.sampled_from(list(grid)))
    seed = draw(st.integers(min_value=0, max_value=2**31 - 1))
    instance = claim.generate(jax.random.PRNGKey(seed), **chosen)
    return dict(chosen), seed, instance


@st.composite
def psd_matrices(draw, *, sizes=(2, 3, 5), min_value=-10.0, max_value=10.0, singular=True):
    """Symmetric PSD matrices M = B B^T with Hypothesis-drawn entries, so they shrink.

    ``n`` is drawn from the small set `sizes` (bounded compilations); B is n x k with k
    drawn in [1, n] when `singular` (rank-deficient M included), else k = n.
    """
    n = draw(st.sampled_from(sizes))
    k = draw(st.integers(1, n)) if singular else n
    entries = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    b = np.asarray(draw(st.lists(entries, min_size=n * k, max_size=n * k)), dtype=np.float64)
    b = b.reshape(n, k)
    return b @ b.T


__all__ += ["psd_matrices"]


def targeted_verdict(claim: Claim, instance) -> str:
    """Inside a Hypothesis test: check `instance` (validated), attach the measured numbers
    to a failure with `note`, steer the search towards negative margins with `target`,
    and return the verdict."""
    from verify.claims.base import verdict

    evidence = claim.check_instance(instance)
    margin = float(evidence.margin)
    note(f"measured: { {k: np.asarray(v).tolist() for k, v in evidence.measured.items()} }")
    if np.isfinite(margin):
        target(-margin, label="negative margin")
    return verdict(evidence)


__all__ += ["targeted_verdict"]


# ---------------------------------------------------------------------- minimal counterexamples


@dataclasses.dataclass(frozen=True)
class MinimalCounterexample:
    """A smaller instance that still refutes a claim, found after a refutation.

    Attributes:
      params: its structural parameters (the smallest set of the grid that refutes).
      index: its index in a sweep of `seed` with those parameters only (before rounding).
      arrays: the instance, with each float array rounded to `digits` significant digits.
      digits: per array, the significant digits kept (None: not rounded, e.g. an integer
        array, or one whose rounding broke the refutation at every number of digits).
      margin: the check's margin on `arrays`.
      certified: its certificate's status (`Claim.certify_refutation`), or None when the
        certificate was not asked for.
      tried: instances and roundings checked on the way.
      certificate: its `RefutationCertificate` (None when not asked for).
    """

    params: dict[str, Any]
    index: int
    arrays: dict[str, np.ndarray]
    digits: dict[str, int | None]
    margin: float
    certified: str | None
    tried: int
    certificate: Any = None


def _param_size(params: dict[str, Any]) -> float:
    """How big a parameter set is: the sum of its numbers (dimensions, depth, ...), lists
    and tuples summed too; what "smallest dimensions first" orders by."""
    total = 0.0
    for v in params.values():
        for x in (v if isinstance(v, (list, tuple)) else (v,)):
            if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
                total += abs(float(x))
    return total


def round_significant(a: np.ndarray, digits: int) -> np.ndarray:
    """`a` with every entry rounded to `digits` significant decimal digits (0 stays 0)."""
    a = np.asarray(a, np.float64)
    return np.vectorize(lambda x: float(f"{x:.{digits - 1}e}") if np.isfinite(x) else x, otypes=[np.float64])(a) \
        if a.size else a


def minimal_counterexample(claim: Claim, instance: dict[str, Any], params: dict[str, Any], seed: int, *,
                           n_per_set: int = 16, certify: bool = True, certificate=None) -> MinimalCounterexample:
    """Look for a smaller counterexample than `instance` (a refuting instance with
    structural parameters `params`): smallest dimensions first, then the fewest significant
    digits of each entry that keep the refutation (and, with `certify`, its certificate).

    1. Dimensions: the claim's parameter sets smaller than `params` (`_param_size`, smallest
       first) are swept over `n_per_set` instances of `seed`; the first set with a refuting
       instance gives the new instance (its smallest-margin refutation).
    2. Digits: array by array, the fewest significant digits (1, 2, ..., 16) to which the
       array can be rounded while the check still refutes (and the certificate's status is
       still "certified", if it was): e.g. Sigma = 8.4837... becomes Sigma = 9.
    A rounding that breaks a hypothesis (`InvalidInstanceError`) is not kept; a statistical
    claim's arrays are not rounded (they hold its Monte Carlo sample). Deterministic:
    the same claim, instance and seed give the same result.

    `certificate`: the certificate of `instance` when the caller has it already (it is not
    computed again). Roundings are certified only when the starting instance is certified
    (a rounding must keep the certificate; otherwise only the float64 refutation counts).
    """
    grid = [dict(p) for p in (claim.params_override or claim.params)]
    tried = 0
    best_params, best_index, best = dict(params), -1, {k: np.asarray(v) for k, v in instance.items()}
    for p in sorted((p for p in grid if _param_size(p) < _param_size(params)), key=_param_size):
        res = sweep(claim.with_params(p), n_per_set, seed=seed)
        tried += n_per_set
        if res.verdict == REFUTED:
            best_params, best_index = p, int(res.worst_index)
            best = {k: np.asarray(v) for k, v in jax.device_get(
                claim.generate(instance_key(seed, best_index), **p)).items()}
            break

    def refutes(arrays, with_certificate: bool, known=None):
        try:
            ev = jax.device_get(claim.check_instance(arrays))
        except InvalidInstanceError:
            return False, math.nan, None
        if _verdicts(jax.tree_util.tree_map(lambda x: np.asarray(x)[None], ev))[0] != REFUTED:
            return False, float(np.asarray(ev.margin)), None
        cert = known if known is not None else (
            claim.certify_refutation(arrays, ev.measured) if with_certificate else None)
        return True, float(np.asarray(ev.margin)), cert

    ok, margin, cert = refutes(best, certify, certificate if best_index < 0 else None)
    tried += 1
    keep_status = cert is not None and cert.certified
    digits: dict[str, int | None] = {k: None for k in best}
    # A statistical claim's arrays include its Monte Carlo sample (a key, draws): rounding them
    # would run another experiment, not show the same one with fewer digits.
    if ok and claim.kind != "statistical":
        for name in sorted(best):
            if not np.issubdtype(best[name].dtype, np.floating) or best[name].size == 0:
                continue
            for k in range(1, 17):
                trial = dict(best)
                trial[name] = round_significant(best[name], k).astype(best[name].dtype)
                if np.array_equal(trial[name], best[name]):
                    break  # already this short: rounding changes nothing
                tried += 1
                t_ok, t_margin, t_cert = refutes(trial, keep_status)
                if t_ok and (not keep_status or t_cert.certified):
                    best, margin = trial, t_margin
                    cert = t_cert if keep_status else None
                    digits[name] = k
                    break
    if certify and cert is None:
        cert = claim.certify_refutation(best)  # the start was not certified: certify the result once
    return MinimalCounterexample(params=best_params, index=best_index, arrays=best, digits=digits,
                                 margin=margin, certified=None if cert is None else cert.status, tried=tried,
                                 certificate=cert)
