"""The `Claim` type, the `Evidence` a check returns, the registry, and the comparison helper.

A claim is data (id, source, statement, the structural parameters it is swept over) plus
two pure functions:

* ``generate(key, **params) -> instance``: a dict of float64 JAX arrays built from a PRNG
  key and a few structural parameters (dimensions, depth, ...). An instance is
  reproducible from ``(claim id, params, seed, index)`` and also from the stored arrays.
* ``check(instance) -> Evidence``: pure JAX, so that `jax.jit` and `jax.vmap` apply; the
  sweep in `verify.search` vmaps it over many instances at once.

A claim's verdict on one instance is derived from its `Evidence`, never stored separately:
*inconclusive* when the check says it could not decide or any number it measured is NaN or
inf; otherwise *holds* when the signed margin is >= 0 and *refuted* when it is < 0.

The margin scale (one for every claim)
--------------------------------------
A margin is measured in units of the tolerance of the comparison it comes from::

    margin = 1 - violation / tolerance

where ``violation`` is the scale-free amount by which the claim's inequality is broken
(``measured - bound`` for an upper bound, ``|measured - claimed|`` for an identity, a loss
gap over the loss scale, a confidence interval's distance from the claimed value, ...;
negative when there is slack) and ``tolerance`` is what rounding or sampling is allowed to
contribute (from `verify.tolerances`, or the half-width of a confidence interval). So:

* **1** means the two sides agree exactly: an identity with no rounding error, a bound
  attained with equality, a Monte Carlo estimate equal to the claimed value;
* **0** is the edge of violation: the discrepancy is exactly the tolerance;
* **negative** means violated: ``-k`` is a violation of ``k + 1`` tolerances;
* **above 1** is slack beyond exactness: ``m`` means ``m - 1`` tolerances of slack (an
  inequality with 10% relative slack and tolerance 1e-10 reads 1e9).

Between 0 and 1 is a near miss (rounding used part of the tolerance); a wide margin is one
far above 1. A yes/no condition (a point's type, a count that must match) enters through
`flag_margin`: +1 when met, -1 when not, as if it were an exact agreement or a violation
by two tolerances; a count compared with ``compare(found, claimed, "identity", 0.5)`` reads
1 when equal and ``1 - 2 |difference|`` otherwise. A claim whose margin is the smallest of
several parts (`all_of`, `min_over`) has each part on this scale, so the smallest is
meaningful; a part with nothing to test (no critical point in the region) is vacuous and
reads 1. The helpers below are the only places margins are made; the conformance suite
(``tests/test_conformance.py``) checks each registered claim at instances whose margin is
known in advance (`Claim.margin_cases`).
"""

from __future__ import annotations

import dataclasses

from typing import Any, Callable, ClassVar, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from verify import _x64  # noqa: F401  (float64 on)
from verify.errors import InvalidInstanceError, UnknownClaimError

__all__ = [
    "Claim",
    "Evidence",
    "HOLDS",
    "REFUTED",
    "INCONCLUSIVE",
    "compare",
    "all_of",
    "tolerance_margin",
    "flag_margin",
    "min_over",
    "MarginCase",
    "verdict",
    "register",
    "registry",
    "get_claim",
    "validate_finite",
    "evidence_numbers",
    "DETECTABLE",
]

HOLDS, REFUTED, INCONCLUSIVE = "holds", "refuted", "inconclusive"

#: The measured number that says how sensitive a statistical test was (see
#: `verify.statistics`): the relative deviation from the claimed value at which its interval
#: just excludes the claim. Measured names starting with it are not evidence: they do not
#: make an instance inconclusive when infinite.
DETECTABLE = "detectable_relative_deviation"


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Evidence:
    """What a check measured on one instance.

    Attributes:
      margin: signed distance from violation in units of the comparison's tolerance
        (the module docstring's scale): 1 for exact agreement, 0 at the edge, ``< 0``
        when the claim is violated on this instance (beyond the stated tolerance).
      conclusive: False when the check could not decide (for example a point that is
        neither clearly critical nor clearly not). NaN/inf anywhere also makes the
        verdict inconclusive, whatever this flag says.
      measured: the numbers behind the margin (gradient norm, lambda_min, loss gap,
        bound, ...), each a float64 array; names are the claim's.
    """

    margin: jax.Array
    conclusive: jax.Array
    measured: dict[str, jax.Array]

    @property
    def finite(self) -> jax.Array:
        """True when the margin and every measured number are finite (a test's power,
        `DETECTABLE`, aside: it describes the test, and is inf where no relative deviation
        is defined)."""
        leaves = [jnp.all(jnp.isfinite(v)) for v in evidence_numbers(self.measured).values()]
        return jnp.all(jnp.stack([jnp.isfinite(self.margin), *leaves]))


def evidence_numbers(measured: Mapping[str, Any]) -> dict[str, Any]:
    """The measured numbers that are evidence: all but a test's power (`DETECTABLE`), which
    describes the test and may be infinite without making an instance inconclusive."""
    return {k: v for k, v in measured.items() if not k.startswith(DETECTABLE)}


def verdict(evidence: Evidence) -> str:
    """Return ``"holds"``, ``"refuted"`` or ``"inconclusive"`` for one (unbatched) Evidence."""
    if not bool(evidence.finite) or not bool(evidence.conclusive):
        return INCONCLUSIVE
    return HOLDS if float(evidence.margin) >= 0.0 else REFUTED


def tolerance_margin(violation, tolerance) -> jax.Array:
    """The margin scale: ``1 - violation / tolerance`` (see the module docstring).

    Args:
      violation: scale-free amount by which the claim is broken (negative: slack).
      tolerance: the positive amount of `violation` that rounding or sampling may cause.

    Returns:
      1 at exact agreement (violation 0), 0 at the edge (violation = tolerance), negative
      when violated.
    """
    if isinstance(tolerance, (int, float)) and not tolerance > 0:
        raise ValueError(f"tolerance must be a positive number; got {tolerance!r}")
    violation = jnp.asarray(violation, jnp.float64)
    return 1.0 - violation / jnp.asarray(tolerance, jnp.float64)


def flag_margin(ok) -> jax.Array:
    """A yes/no condition on the margin scale: +1 where `ok` holds, -1 where it does not.

    For conditions that are decided without a tolerance of their own (a point's type as
    the classifier decided it, a count that must match, an event that must not happen);
    a condition with a measured size should go through `compare` or `tolerance_margin`.
    """
    return jnp.where(jnp.asarray(ok), 1.0, -1.0).astype(jnp.float64)


def min_over(mask, values, empty: float = 1.0) -> jax.Array:
    """Smallest of `values` where `mask` holds; `empty` (vacuous: 1) where it holds nowhere.

    The entries outside `mask` do not count at all: a margin above 1 (slack) where the mask
    holds is returned as it is, not cut at `empty`."""
    values = jnp.asarray(values, jnp.float64)
    return jnp.where(jnp.any(mask), jnp.min(jnp.where(mask, values, jnp.inf)), empty)


def compare(
    measured, reference, kind: str, rtol: float, scale=1.0, name: str = "measured", **numbers
) -> Evidence:
    """The one comparison helper: an identity, an upper or a lower bound, with relative slack.

    Args:
      measured: the measured value (the left-hand side).
      reference: the claimed value (identity) or bound.
      kind: ``"identity"`` (measured == reference), ``"upper"`` (measured <= reference) or
        ``"lower"`` (measured >= reference).
      rtol: the allowed relative error (> 0), from `verify.tolerances` with its reason.
      scale: the positive scale the difference is measured against (for example
        ``max(|reference|, 1)``).
      name: the name the three numbers are kept under in ``Evidence.measured``:
        ``name``, ``name + "_reference"`` and ``name + "_scale"``.
      **numbers: further measured numbers to keep in the Evidence.

    Returns:
      Evidence whose margin is ``1 - violation / (rtol * scale)`` (the module's scale): 1
      when the two sides agree exactly, 0 when they differ by ``rtol * scale``, negative
      beyond.
    """
    if kind not in ("identity", "upper", "lower"):
        raise ValueError(f"kind must be 'identity', 'upper' or 'lower'; got {kind!r}")
    if isinstance(rtol, (int, float)) and not rtol > 0:
        raise ValueError(f"rtol must be a positive number (a tolerance); got {rtol!r}")
    measured = jnp.asarray(measured, jnp.float64)
    reference = jnp.asarray(reference, jnp.float64)
    scale = jnp.asarray(scale, jnp.float64)
    if kind == "identity":
        violation = jnp.abs(measured - reference)
    elif kind == "upper":
        violation = measured - reference
    else:
        violation = reference - measured
    margin = tolerance_margin(violation / scale, rtol)
    out = {name: measured, f"{name}_reference": reference, f"{name}_scale": scale}
    out.update({k: jnp.asarray(v, jnp.float64) for k, v in numbers.items()})
    return Evidence(margin=margin, conclusive=jnp.asarray(True), measured=out)


def all_of(*parts: Evidence, **numbers) -> Evidence:
    """Combine several pieces of evidence: the margin is the smallest, conclusive only if all are.

    Every part's margin must be on the module's scale. Measured numbers keep their names,
    prefixed by the index of the part when two collide.
    """
    margin = jnp.min(jnp.stack([jnp.asarray(p.margin, jnp.float64) for p in parts]))
    conclusive = jnp.all(jnp.stack([jnp.asarray(p.conclusive) for p in parts]))
    measured: dict[str, jax.Array] = {}
    for i, p in enumerate(parts):
        for k, v in p.measured.items():
            measured[k if k not in measured else f"{k}_{i}"] = v
    measured.update({k: jnp.asarray(v, jnp.float64) for k, v in numbers.items()})
    return Evidence(margin=margin, conclusive=conclusive, measured=measured)


@dataclasses.dataclass(frozen=True)
class MarginCase:
    """An instance whose margin is known before the claim is checked (`Claim.margin_cases`).

    Attributes:
      label: what the case is ("bound attained with equality at A = 0, Sigma = 2 I").
      instance: the instance (a dict of arrays, as `generate` returns).
      expected: the margin the check must return, on the module's scale (1 for an exact
        agreement or a tight bound, 0 at the edge, -1 for a failed yes/no condition, or a
        value computed in closed form).
      atol: how far the margin may be from `expected` (rounding, in tolerance units).
    """

    label: str
    instance: Mapping[str, Any]
    expected: float
    atol: float = 1e-3


def validate_finite(instance: Mapping[str, Any]) -> None:
    """Raise InvalidInstanceError naming every array of `instance` that holds NaN or inf."""
    bad = []
    for name, value in instance.items():
        arr = np.asarray(value)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            bad.append(f"{name} ({int(np.size(arr) - np.isfinite(arr).sum())} non-finite entries)")
    if bad:
        raise InvalidInstanceError(
            "instance arrays must be finite; found NaN or inf in " + ", ".join(bad)
        )


class Claim:
    """A theorem or statement from a source, encoded for numerical checking.

    Subclass it and set the class attributes, then implement `generate` and `check` as pure
    JAX functions; `register` the class to add it to `verify list` and `verify check`.
    The class docstring states the theorem in the house order: summary; setting with every
    hypothesis; the claim in math (identity / upper / lower bound); how it is checked;
    References (paper, theorem number, seed file).

    Class attributes:
      id: ``"paper/short-name"``.
      source: paper, theorem number and the seed file that states it.
      statement: the theorem in words with every hypothesis, and which reading is encoded.
      kind: ``"landscape"``, ``"pointwise"``, ``"statistical"`` or ``"existence"``.
      params: the grid of structural parameters the sweep cycles through; shapes come
        from this small set so that `jit` compiles a bounded number of times.
      expected: what the toolkit concludes about the claim as stated: ``"holds"`` or
        ``"refuted"`` (a false statement from a source is encoded as stated and expected
        to be refuted; `properties/` asserts that the search finds the counterexample).
      vectorised: False when `check` cannot be vmapped; the sweep then loops over a
        jitted check.
      test_name: a statistical claim's test (what interval, on what, at what rate), as its
        refutation certificate's ``test`` block names it.
    """

    id: ClassVar[str] = ""
    source: ClassVar[str] = ""
    statement: ClassVar[str] = ""
    kind: ClassVar[str] = "pointwise"
    params: ClassVar[tuple[dict[str, Any], ...]] = ({},)
    expected: ClassVar[str] = HOLDS
    vectorised: ClassVar[bool] = True
    #: A statistical claim's test, as its certificate names it (what interval, on what).
    test_name: ClassVar[str] = "a Monte Carlo test (see the claim's docstring)"

    def generate(self, key: jax.Array, **params) -> dict[str, jax.Array]:
        raise NotImplementedError

    def check(self, instance: Mapping[str, jax.Array]) -> Evidence:
        raise NotImplementedError

    def validate(self, instance: Mapping[str, Any]) -> None:
        """Raise InvalidInstanceError if `instance` breaks a hypothesis; called on the host.

        The default checks that every array is finite. Subclasses add their hypotheses
        (shapes, symmetry, PSD-ness) and call ``super().validate(instance)``.
        """
        validate_finite(instance)

    def margin_cases(self) -> tuple[MarginCase, ...]:
        """Instances whose margin is known in advance, which document the claim's margin.

        Each built-in claim gives at least one (a bound attained with equality reads 1, an
        instance at the edge of a tolerance reads 0, a failed yes/no condition -1); the
        conformance suite checks them, so that every claim's margin is on the common scale
        of the module docstring. The default, for user claims, is none.
        """
        return ()

    def certificate(self, instance: Mapping[str, np.ndarray]):
        """Prove, in ball arithmetic, that `instance` refutes the claim: a
        `verify.landscape.certify.RefutationCertificate`, or None where the claim has no
        certificate (the default; user claims may add one).

        Called on the host with the stored float64 arrays (numpy), only for instances the
        float64 check refutes. By kind: a pointwise claim encloses both sides of the violated
        inequality (`verify.landscape.certify.certify_violation`, with the arrays' exact
        values; `verify.landscape.balls` interprets JAX functions); a landscape claim
        certifies the offending critical point (`verify.landscape.certify.certify_point`)
        and its value; an existence claim evaluates the constructed object in balls.
        """
        return None

    def certify_refutation(self, instance: Mapping[str, Any], measured: Mapping[str, Any] | None = None):
        """`certificate` of `instance`, never raising: a claim without one, or whose
        certificate fails to run, gets a "float64 only" certificate with the reason.

        A statistical claim's certificate also carries its Monte Carlo test (``test``: the
        test's name, `test_name`, its false-alarm rate and the numbers that enter it), from
        `measured` (the check's measured numbers on `instance`; the check is run here when
        it is not given)."""
        from verify.landscape.certify import RefutationCertificate, statistical_test

        arrays = {k: np.asarray(v) for k, v in instance.items()}
        try:
            cert = self.certificate(arrays)
        except Exception as e:  # noqa: BLE001  (claim code: report any failure as the reason)
            cert = RefutationCertificate("float64 only", "ball arithmetic",
                                         f"the certificate could not be computed: {type(e).__name__}: {e}")
        if cert is None and self.kind != "statistical":
            return RefutationCertificate("float64 only", "none",
                                         f"no ball-arithmetic certificate is implemented for {self.id} "
                                         f"({self.kind} claim)")
        if self.kind != "statistical":
            return cert
        try:
            if measured is None:
                measured = jax.device_get(self.check_instance(arrays)).measured
            test = statistical_test(self.test_name, measured)
        except Exception as e:  # noqa: BLE001
            test = None
            why = f"its numbers could not be recomputed: {type(e).__name__}: {e}"
        else:
            why = (f"{test['name']}, false-alarm rate {test['false_alarm_rate']:.3g} (the probability that it "
                   f"refutes a true claim); the numbers that enter it are in the certificate's test block")
        if cert is None:
            return RefutationCertificate("float64 only", "statistical test",
                                         f"a Monte Carlo test: no interval-arithmetic certificate exists; {why}",
                                         test=test)
        return dataclasses.replace(cert, test=test)

    def check_instance(self, instance: Mapping[str, Any]) -> Evidence:
        """Validate `instance` on the host, then run the jitted `check` on it."""
        instance = {k: jnp.asarray(v) for k, v in instance.items()}
        self.validate(instance)
        return _jitted_check(self)(instance)

    #: None for the claim's own grid; the parameter sets given to `with_params` otherwise.
    params_override: ClassVar[tuple[dict[str, Any], ...] | None] = None

    def with_params(self, *param_sets: Mapping[str, Any]) -> "Claim":
        """A copy of this claim whose sweep cycles through `param_sets` instead of `params`.

        Each set holds keyword arguments of `generate` (those it leaves out keep generate's
        defaults). Lists become tuples, since parameter values must be hashable. Each set
        is tried before it is accepted: instance 0 of seed 0 is generated and validated,
        so that a bad value is reported here, naming the set, and not from inside a
        compiled sweep. Every set is a separate compilation of the sweep.

        Raises:
          ValueError: no set; a set that is not a mapping with string keys; a key that
            `generate` does not take; a value that is not hashable; a set whose instance
            cannot be generated or breaks a hypothesis (the message says why).
        """
        import copy
        import inspect

        if not param_sets:
            raise ValueError(f"param_sets: expected at least one parameter set for {self.id}; got none")
        accepted = inspect.signature(self.generate).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
        sets = []
        for k, given in enumerate(param_sets):
            where = f"param_sets[{k}]"
            if not isinstance(given, Mapping) or not all(isinstance(key, str) for key in given):
                raise ValueError(f"{where}: expected a mapping from parameter names to values; found {given!r}")
            unknown = [key for key in given if key == "key" or (key not in accepted and not takes_any)]
            if unknown:
                names = ", ".join(n for n in accepted if n not in ("self", "key"))
                raise ValueError(
                    f"{where}: {self.id}'s generate takes no parameter {unknown[0]!r}; it takes: {names}"
                )
            chosen = {key: _hashable(value) for key, value in given.items()}
            for key, value in chosen.items():
                try:
                    hash(value)
                except TypeError:
                    raise ValueError(f"{where}: value of {key!r} must be hashable; found {value!r}") from None
            try:
                self.validate(self.generate(jax.random.PRNGKey(0), **chosen))
            except Exception as e:  # noqa: BLE001  (claim code: report any failure with the set)
                raise ValueError(f"{where} {chosen!r} does not give a valid {self.id} instance: {e}") from None
            sets.append(chosen)
        claim = copy.copy(self)
        claim.params = tuple(sets)
        claim.params_override = tuple(sets)
        # the copy generates and checks exactly as `self` does: it shares its compiled checks
        claim._compiled_as = getattr(self, "_compiled_as", self)
        return claim

    def __repr__(self) -> str:
        return f"<Claim {self.id}>"


def _hashable(value: Any) -> Any:
    """`value` with lists turned into tuples, recursively (a JSON list becomes a tuple)."""
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


#: XLA options for compiled checks (`verify.sweep` and `Claim.check_instance`). Compiling,
#: not running, is most of a default sweep's time on a CPU, and most of the compiling is
#: LLVM's. Two settings shorten it: LLVM optimisation level 1 instead of XLA's default 2
#: (compiles the checks 2-3 times faster, runs them about as fast: ``bench/bench_engine.py
#: --part c``), and XLA CPU's classic elemental emitters for fusions instead of its newer
#: MLIR fusion emitters (``xla_cpu_use_fusion_emitters``: a further 15-35% off each claim's
#: sweep, e.g. init/isometry 14.8 s -> 10.1 s, mf/symmetry 15.4 s -> 10.6 s on 2 cores, jaxlib
#: 0.10.2; numbers in the README). Like any compiler setting they can change the last bits
#: of a result (FMA contraction), never the float64 arithmetic the tolerances are written
#: for; the same seed still gives the same verdict and counterexample.
CHECK_COMPILER_OPTIONS = {"xla_backend_optimization_level": 1, "xla_cpu_use_fusion_emitters": False}

_JIT_CACHE: dict[Claim, Callable] = {}


def _jitted_check(claim: Claim) -> Callable:
    claim = getattr(claim, "_compiled_as", claim)
    if claim not in _JIT_CACHE:
        _JIT_CACHE[claim] = jax.jit(claim.check, compiler_options=CHECK_COMPILER_OPTIONS)
    return _JIT_CACHE[claim]


_REGISTRY: dict[str, Claim] = {}


def register(cls: type[Claim]) -> type[Claim]:
    """Class decorator: instantiate `cls` and add it to the registry under ``cls.id``."""
    problems = []
    if not cls.id or "/" not in cls.id:
        problems.append(f"id must look like 'paper/short-name'; got {cls.id!r}")
    if not cls.source:
        problems.append("source must name the paper, theorem and seed file; got ''")
    if not cls.statement:
        problems.append("statement must state the theorem; got ''")
    if cls.kind not in ("landscape", "pointwise", "statistical", "existence"):
        problems.append(
            f"kind must be landscape, pointwise, statistical or existence; got {cls.kind!r}"
        )
    if cls.expected not in (HOLDS, REFUTED):
        problems.append(f"expected must be 'holds' or 'refuted'; got {cls.expected!r}")
    if not cls.params:
        problems.append("params must hold at least one parameter set; got ()")
    if problems:
        raise ValueError(f"cannot register claim {cls.__name__}: " + "; ".join(problems))
    if cls.id in _REGISTRY and type(_REGISTRY[cls.id]) is not cls:
        raise ValueError(f"a claim with id {cls.id!r} is already registered")
    _REGISTRY[cls.id] = cls()
    return cls


def registry() -> dict[str, Claim]:
    """All registered claims by id (built-in claims are registered on `import verify`)."""
    return dict(sorted(_REGISTRY.items()))


def get_claim(claim_id: str) -> Claim:
    """Return the registered claim `claim_id`, or raise UnknownClaimError listing close ids."""
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(claim_id, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; run `verify list`"
        raise UnknownClaimError(f"unknown claim id {claim_id!r}{hint}") from None


