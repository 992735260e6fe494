"""Result records: a sweep's outcome as JSON, with the instance at full precision.

A record is what ``verify check`` writes for a refuted claim (and prints for every claim
with ``--json``) and what ``verify reproduce FILE`` reads back. It is plain JSON written
with ``sort_keys=True`` and a fixed indent, so that the same claim, ``n`` and seed give
byte-identical files apart from the one timing field, ``seconds``. Library code never
prints; the CLI does.

Record schema ``verify.record/1``
---------------------------------

Top-level keys (all present; ``null`` where stated):

===================  ===========================  ==============================================
key                  type                         meaning
===================  ===========================  ==============================================
``schema``           str                          ``"verify.record/1"``
``claim_id``         str                          the claim's id, ``paper/short-name``
``source``           str                          paper, theorem number and seed file
``statement``        str                          the theorem in words, with every hypothesis
``kind``             str                          landscape / pointwise / statistical / existence
``expected``         str                          the verdict the toolkit expects (holds/refuted)
``claim_module``     object                       ``{"name": str, "file": str | null}``: the
                                                  module that defines the claim class; ``file``
                                                  is its absolute path when it was loaded from a
                                                  ``.py`` file (``--import path.py``), else null
``claim_source``     object | null                a user claim's module source: ``{"sha256":
                                                  str, "text": str, "file": str | null}`` (the
                                                  file's base name); null for built-in claims.
                                                  ``verify reproduce --trust-source`` can rebuild
                                                  the claim from it; nothing in a record runs
                                                  otherwise. Optional (older records lack it)
``verdict``          str                          the sweep's verdict: holds / refuted /
                                                  inconclusive
``n``                int                          instances tried (indices ``0 .. n-1``)
``seed``             int                          the sweep's seed
``params_override``  list of objects | null       the parameter sets the sweep cycled through
                                                  instead of the claim's grid (``verify check
                                                  --params``), else null. Optional: records
                                                  written before it existed lack it (= null)
``counts``           object                       ``{"holds": int, "refuted": int,
                                                  "inconclusive": int}``
``smallest_margin``  float | str                  the sweep's margin at ``worst_index``
                                                  (``"nan"`` when there is no conclusive one)
``worst_index``      int | null                   the refuting instance with the smallest margin,
                                                  else the conclusive one with the smallest
                                                  margin, else null (all inconclusive)
``measured``         object of arrays             the sweep's measured numbers at ``worst_index``
``instance``         object                       the stored instance, see below
``certificate``      object | null                for a refuting instance: ``{"status": "certified" |
                                                  "float64 only" | "inconclusive", "method": str,
                                                  "reason": str | null, "enclosures": {name:
                                                  [lower, upper]}}`` (see
                                                  `verify.landscape.certify.RefutationCertificate`);
                                                  null otherwise. Optional (older records lack it)
``minimal``          object | null                for a refutation: a smaller counterexample
                                                  (`verify.search.minimal_counterexample`):
                                                  ``params``, ``index`` (in a sweep of ``seed``
                                                  with those params; -1: the stored instance),
                                                  ``arrays``, ``digits`` (per array, the
                                                  significant digits kept, or null), ``margin``,
                                                  ``certificate`` (a block as above), ``tried``.
                                                  Optional (older records lack it)
``versions``         object                       ``python, jax, jaxlib, numpy, hypothesis,
                                                  verify`` (str, or null when not installed)
``platform``         object                       ``{"backend", "system", "machine"}`` (str):
                                                  where the numbers were computed
``command``          str                          the command that produced this record
``commands``         object                       ``{"check": str, "reproduce": str}``: the
                                                  command that re-runs the sweep
                                                  (``verify check ID --n N --seed S``, plus
                                                  ``--params`` and ``--import`` where used) and the
                                                  one that recomputes this record
                                                  (``verify reproduce FILE``)
``seconds``          float                        wall time of the sweep; the only field that
                                                  changes between identical runs
===================  ===========================  ==============================================

``instance`` (always present; which instance it is is said by ``role``):

===================  ===========================  ==============================================
key                  type                         meaning
===================  ===========================  ==============================================
``index``            int                          the instance's index in the sweep
``role``             str                          ``"refuting"`` (verdict refuted: the refuting
                                                  instance with the smallest margin),
                                                  ``"worst"`` (no refutation: the conclusive
                                                  instance with the smallest margin) or
                                                  ``"first"`` (nothing conclusive: instance 0)
``params``           object                       its structural parameters (dimensions, ...)
``arrays``           object of arrays             the instance itself, at full precision
``verdict``          str                          the verdict of ``claim.check_instance`` on the
                                                  stored arrays when the record was written
``margin``           float | str                  the margin of that check
``measured``         object of arrays             the measured numbers of that check
``error``            str | null                   why the stored arrays could not be checked
                                                  (they broke a hypothesis), else null
``sweep_verdict``    str                          the verdict the vectorised sweep gave it
``sweep_margin``     float | str                  the margin the vectorised sweep gave it
===================  ===========================  ==============================================

The instance is regenerated for the record with `verify.search.make_instance` (the
unbatched generator) and checked once more, unbatched, with ``claim.check_instance``.
``verdict``/``margin`` belong to exactly the stored arrays; ``sweep_verdict`` /
``sweep_margin`` are what the batched sweep computed and can differ in the last bits.

An *array* is ``{"dtype": str, "shape": [int, ...], "data": [...]}`` with ``data`` the
entries flattened in C order. Floats are written with Python's ``repr``, which
round-trips exactly; NaN and infinities are the strings ``"nan"``, ``"inf"``, ``"-inf"``
(JSON has no literal for them); complex entries are ``[real, imag]`` pairs. Scalars have
shape ``[]`` and one entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import re
import shlex
import sys
import tempfile
from types import MappingProxyType
from typing import Any, Mapping

import jax
import numpy as np

from verify import _x64  # noqa: F401  (float64 on)
from verify.claims.base import (
    HOLDS,
    INCONCLUSIVE,
    REFUTED,
    Claim,
    get_claim,
    registry,
    verdict,
)
from verify.claims import BUILT_IN_MODULES
from verify.errors import InvalidInstanceError, RecordError, UnknownClaimError
from verify.plugins import load_claims, module_file
from verify.search import SweepResult, instance_key, instance_params, make_instance, minimal_counterexample

__all__ = [
    "SCHEMA",
    "ReproduceOutcome",
    "result_record",
    "dumps_record",
    "write_record",
    "read_record",
    "validate_record",
    "reproduce",
    "record_filename",
    "record_path",
    "counterexample_lines",
    "recertify",
    "citation",
    "format_array",
    "save_record",
    "RecordExistsError",
    "claim_source_of",
    "source_sha256",
    "check_command",
    "encode_array",
    "margin_scale_of",
    "decode_array",
]

SCHEMA = "verify.record/1"
_VERDICTS = (HOLDS, REFUTED, INCONCLUSIVE)
_VERSIONED = ("jax", "jaxlib", "numpy", "hypothesis", "verify")
_INDENT = 2

def _claim_module(claim: Claim) -> dict[str, Any]:
    name = type(claim).__module__
    return {"name": name, "file": module_file(name)}


def _import_args(module: Mapping[str, Any]) -> list[str]:
    """The ``--import`` arguments that make the claim of `module` available again."""
    if module.get("file"):
        return ["--import", module["file"]]
    name = module.get("name") or ""
    if name in BUILT_IN_MODULES or name == "__main__":
        return []
    return ["--import", name]


def source_sha256(text: str) -> str:
    """The SHA-256 of a claim module's source text (UTF-8), as 64 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claim_source_of(claim: Claim) -> dict[str, Any] | None:
    """``{"sha256", "text", "file"}`` of the module that defines a user claim (read from its
    file, never executed), or None for a built-in claim or one whose source cannot be read
    (a claim defined in ``__main__`` or an interactive session)."""
    name = type(claim).__module__
    if name in BUILT_IN_MODULES or name.startswith("verify."):
        return None
    path = module_file(name) or getattr(sys.modules.get(name), "__file__", None)
    if not path or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    return {"sha256": source_sha256(text), "text": text, "file": os.path.basename(path)}


# ---------------------------------------------------------------------------------------
# Arrays and floats at full precision
# ---------------------------------------------------------------------------------------

_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _encode_float(x: float) -> float | str:
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _decode_float(x: Any, where: str) -> float:
    if isinstance(x, str):
        if x in _SPECIAL:
            return _SPECIAL[x]
        raise RecordError(f"{where}: expected a number or 'nan', 'inf', '-inf'; found {x!r}")
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise RecordError(f"{where}: expected a number; found {type(x).__name__} {x!r}")
    return float(x)


def encode_array(value: Any) -> dict[str, Any]:
    """``{"dtype", "shape", "data"}`` for an array-like, with every float exact.

    Python floats are written with ``repr`` by `json`, which round-trips every float64
    (and every float32/float16, which widen exactly); NaN and infinities become strings.
    """
    arr = np.asarray(jax.device_get(value))
    kind = arr.dtype.kind
    flat = arr.reshape(-1)
    if kind == "f" or arr.dtype.name == "bfloat16":
        data: list[Any] = [_encode_float(x) for x in flat.astype(np.float64).tolist()]
    elif kind == "c":
        data = [[_encode_float(z.real), _encode_float(z.imag)] for z in flat.astype(np.complex128).tolist()]
    elif kind in "iub":
        data = flat.tolist()
    else:
        raise TypeError(f"cannot store an array of dtype {arr.dtype} in a record")
    return {"dtype": arr.dtype.name, "shape": list(arr.shape), "data": data}


def _dtype(name: Any, where: str) -> np.dtype:
    if not isinstance(name, str):
        raise RecordError(f"{where}: 'dtype' must be a string such as 'float64'; found {name!r}")
    try:
        dtype = np.dtype(name)
    except TypeError:
        try:
            import jax.numpy as jnp

            dtype = np.dtype(jnp.dtype(name))
        except TypeError:
            raise RecordError(f"{where}: unknown dtype {name!r}") from None
    if dtype.kind not in "fciub" and dtype.name != "bfloat16":
        raise RecordError(f"{where}: dtype must be a float, complex, int or bool; found {name!r}")
    return dtype


def decode_array(obj: Any, where: str = "array") -> np.ndarray:
    """Inverse of `encode_array`; raises RecordError naming `where` and what is wrong."""
    if not isinstance(obj, dict):
        raise RecordError(f"{where}: expected an object with dtype, shape, data; found {type(obj).__name__}")
    missing = [k for k in ("dtype", "shape", "data") if k not in obj]
    if missing:
        raise RecordError(f"{where}: missing key {missing[0]!r} (an array needs dtype, shape, data)")
    dtype = _dtype(obj["dtype"], where)
    shape = obj["shape"]
    if not isinstance(shape, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
    ):
        raise RecordError(f"{where}: 'shape' must be a list of non-negative integers; found {shape!r}")
    data = obj["data"]
    if not isinstance(data, list):
        raise RecordError(f"{where}: 'data' must be a list; found {type(data).__name__}")
    size = math.prod(shape)
    if len(data) != size:
        raise RecordError(
            f"{where}: shape {shape} needs {size} values; 'data' has {len(data)}"
        )
    kind = dtype.kind
    if kind == "f" or dtype.name == "bfloat16":
        values = [_decode_float(x, f"{where}.data[{i}]") for i, x in enumerate(data)]
        out = np.array(values, dtype=np.float64)
        cast = out.astype(dtype)
        exact = np.array_equal(cast.astype(np.float64), out, equal_nan=True)
        if not exact:
            raise RecordError(f"{where}: a value in 'data' is not exactly representable as {dtype.name}")
        return cast.reshape(shape)
    if kind == "c":
        pairs = []
        for i, z in enumerate(data):
            if not (isinstance(z, list) and len(z) == 2):
                raise RecordError(f"{where}.data[{i}]: expected a [real, imag] pair; found {z!r}")
            pairs.append(complex(_decode_float(z[0], f"{where}.data[{i}]"), _decode_float(z[1], f"{where}.data[{i}]")))
        return np.array(pairs, dtype=np.complex128).astype(dtype).reshape(shape)
    if kind == "b":
        if not all(isinstance(x, bool) for x in data):
            raise RecordError(f"{where}: 'data' of a bool array must hold true/false only")
        return np.array(data, dtype=dtype).reshape(shape)
    bad = [x for x in data if isinstance(x, bool) or not isinstance(x, int)]
    if bad:
        raise RecordError(f"{where}: 'data' of an {dtype.name} array must hold integers; found {bad[0]!r}")
    info = np.iinfo(dtype)
    if data and (min(data) < info.min or max(data) > info.max):
        raise RecordError(f"{where}: a value in 'data' is out of range for {dtype.name}")
    return np.array(data, dtype=dtype).reshape(shape)


def _encode_arrays(arrays: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): encode_array(v) for k, v in arrays.items()}


def _params_json(params: Mapping[str, Any]) -> dict[str, Any]:
    """Structural parameters as JSON values (numpy scalars become Python numbers)."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float):
            v = _encode_float(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[str(k)] = v
    return out


# ---------------------------------------------------------------------------------------
# Building, writing and reading records
# ---------------------------------------------------------------------------------------


def _versions() -> dict[str, str | None]:
    """Installed versions; this package's from the code that runs (`verify.__version__`),
    which an editable install's metadata can lag behind."""
    import verify

    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    out["verify"] = verify.__version__
    return out


def record_filename(claim_id: str, seed: int | None = None, n: int | None = None,
                    params_override: list[dict[str, Any]] | None = None) -> str:
    """The file name of a claim's record.

    With only `claim_id`: its id with ``/`` replaced by ``__``, plus ``.json`` (the name
    verify 0.2 used). With `seed` and `n` (what ``verify check`` writes since 0.3): also
    ``.seed{S}.n{N}``, and ``.params-{8 hex digits}`` of the parameter sets when they are
    not the claim's grid, so that sweeps with other seeds, budgets or ``--params`` never
    share a file: ``hardt-ma__gradient-lower-bound.seed0.n64.json``.
    """
    base = claim_id.replace("/", "__")
    if seed is None and n is None and params_override is None:
        return base + ".json"
    if seed is None or n is None:
        raise ValueError(f"seed and n must be given together; got seed={seed!r}, n={n!r}")
    name = f"{base}.seed{int(seed)}.n{int(n)}"
    if params_override is not None:
        digest = hashlib.sha256(json.dumps(params_override, sort_keys=True).encode()).hexdigest()
        name += f".params-{digest[:8]}"
    return name + ".json"


def record_path(folder: str | os.PathLike, claim: Claim, sweep_result: SweepResult) -> str:
    """``folder/record_filename(...)`` for a sweep of `claim` (what ``verify check`` writes)."""
    name = record_filename(claim.id, sweep_result.seed, sweep_result.n, _override_json(claim))
    return os.path.join(os.fspath(folder), name)


def check_command(
    claim_id: str, n: int, seed: int, module: Mapping[str, Any], params_override: list[dict[str, Any]] | None = None
) -> str:
    """``verify check ID --n N --seed S`` (plus ``--params`` for parameter sets other than the
    claim's grid, and ``--import`` for a user-defined claim)."""
    params = [] if params_override is None else ["--params", json.dumps(params_override, sort_keys=True)]
    return shlex.join(["verify", "check", claim_id, "--n", str(n), "--seed", str(seed), *params, *_import_args(module)])


def _override_json(claim: Claim) -> list[dict[str, Any]] | None:
    override = claim.params_override
    return None if override is None else [_params_json(p) for p in override]


def result_record(
    claim: Claim, sweep_result: SweepResult, command: str, *, path: str | os.PathLike | None = None,
    minimise: bool = True,
) -> dict[str, Any]:
    """The JSON record of `sweep_result` (see the module docstring for the schema).

    Args:
      claim: the claim that was swept (its id must match `sweep_result.claim_id`).
      sweep_result: what `verify.search.sweep` returned.
      command: the command that produced the result, stored as is (for example the
        ``verify check ...`` line the user typed).
      path: where the record will be written; names the file in the reproduce command
        (``verify reproduce FILE`` when None).
      minimise: for a refutation, also look for a smaller counterexample
        (`verify.search.minimal_counterexample`) and store it as ``minimal``.

    The stored instance is regenerated from ``(seed, index)`` and checked once more,
    unbatched, so that the record's instance verdict and margin belong to exactly the
    stored arrays.
    """
    if claim.id != sweep_result.claim_id:
        raise ValueError(
            f"claim and sweep_result must match; claim is {claim.id!r}, "
            f"sweep_result is of {sweep_result.claim_id!r}"
        )
    res = sweep_result
    if res.worst_index is not None:
        index = int(res.worst_index)
        role = "refuting" if res.verdict == REFUTED else "worst"
    else:
        index, role = 0, "first"
    arrays = {k: np.asarray(v) for k, v in jax.device_get(make_instance(claim, res.seed, index)).items()}
    error = None
    measured = None
    try:
        ev = jax.device_get(claim.check_instance(arrays))
        inst_verdict = verdict(ev)
        inst_margin = float(np.asarray(ev.margin))
        measured = ev.measured
        inst_measured = _encode_arrays(measured)
    except InvalidInstanceError as e:
        error = str(e)
        inst_verdict, inst_margin, inst_measured = INCONCLUSIVE, math.nan, {}
    cert = claim.certify_refutation(arrays, measured) if inst_verdict == REFUTED else None
    certificate = None if cert is None else cert.to_json()
    minimal = None
    if minimise and inst_verdict == REFUTED:
        found = minimal_counterexample(claim, arrays, instance_params(claim, index), res.seed, certificate=cert)
        minimal = {
            "params": _params_json(found.params),
            "index": found.index,
            "arrays": _encode_arrays(found.arrays),
            "digits": found.digits,
            "margin": _encode_float(found.margin),
            "certificate": found.certificate.to_json(),
            "tried": found.tried,
        }
    module = _claim_module(claim)
    override = _override_json(claim)
    reproduce_cmd = shlex.join(["verify", "reproduce", os.fspath(path)]) if path is not None else "verify reproduce FILE"
    return {
        "schema": SCHEMA,
        "claim_id": claim.id,
        "source": claim.source,
        "statement": claim.statement,
        "kind": claim.kind,
        "expected": claim.expected,
        "claim_module": module,
        "claim_source": claim_source_of(claim),
        "verdict": res.verdict,
        "n": int(res.n),
        "seed": int(res.seed),
        "params_override": override,
        "counts": {v: int(res.counts.get(v, 0)) for v in _VERDICTS},
        "smallest_margin": _encode_float(res.smallest_margin),
        "worst_index": None if res.worst_index is None else int(res.worst_index),
        "measured": _encode_arrays(res.measured),
        "detectable_deviation": None if res.detectable_deviation is None else _encode_float(res.detectable_deviation),
        "instance": {
            "index": index,
            "role": role,
            "params": _params_json(instance_params(claim, index)),
            "arrays": _encode_arrays(arrays),
            "verdict": inst_verdict,
            "margin": _encode_float(inst_margin),
            "measured": inst_measured,
            "error": error,
            "sweep_verdict": res.verdicts[index],
            "sweep_margin": _encode_float(res.margins[index]),
        },
        "certificate": certificate,
        "minimal": minimal,
        "versions": _versions(),
        "platform": {
            "backend": jax.default_backend(),
            "system": platform.system(),
            "machine": platform.machine(),
        },
        "command": command,
        "commands": {
            "check": check_command(claim.id, res.n, res.seed, module, override),
            "reproduce": reproduce_cmd,
        },
        "seconds": float(res.seconds),
    }


def dumps_record(record: Any) -> str:
    """The canonical text of a record (or a list of records): sorted keys, indent 2."""
    return json.dumps(record, sort_keys=True, indent=_INDENT, allow_nan=False) + "\n"


def write_record(record: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write `record` to `path` (parent folders are created) in the canonical form."""
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps_record(record))


#: Arrays with at most this many entries are printed in full (exact: shortest round-trip
#: digits); larger ones as their shape, extremes and Frobenius norm.
PRINT_IN_FULL = 16


def format_array(a) -> str:
    """A stored array for a reader: small ones in full with every digit that round-trips,
    large ones summarised."""
    a = np.asarray(a)
    if a.size <= PRINT_IN_FULL:
        if a.ndim == 0:
            return repr(a.item())
        return np.array2string(a, separator=", ", floatmode="unique", max_line_width=10**6).replace("\n", "")
    finite = a[np.isfinite(a)] if np.issubdtype(a.dtype, np.floating) else a
    norm = float(np.linalg.norm(a.astype(np.float64).ravel())) if a.size else 0.0
    lo = float(np.min(finite)) if finite.size else math.nan
    hi = float(np.max(finite)) if finite.size else math.nan
    return f"<{a.dtype.name} array of shape {tuple(a.shape)}: min {lo:.6g}, max {hi:.6g}, Frobenius norm {norm:.6g}>"


def counterexample_lines(record: Mapping[str, Any]) -> list[str]:
    """What a reader needs to see of a record's counterexample: the instance (params and
    arrays), the numbers measured on it, and the certificate's verdict and enclosures."""
    inst = record["instance"]
    lines = []
    minimal = record.get("minimal")
    if minimal is not None:
        digits = {k: v for k, v in minimal["digits"].items() if v is not None}
        lines.append(f"minimal counterexample (params {json.dumps(minimal['params'], sort_keys=True)}"
                     + (f", rounded to {', '.join(f'{k}: {v}' for k, v in sorted(digits.items()))} significant digits"
                        if digits else "") + f"; certificate: {minimal['certificate']['status']}):")
        for name, arr in sorted(minimal["arrays"].items()):
            lines.append(f"  {name} = {format_array(decode_array(arr, name))}")
        encl = minimal["certificate"]["enclosures"]
        sides = [f"{k} in [{_decode_float(encl[k][0], k)!r}, {_decode_float(encl[k][1], k)!r}]"
                 for k in ("lhs", "rhs", "violation") if k in encl]
        if sides:
            lines.append("  " + "; ".join(sides))
    lines.append(f"{'raw refuting ' if minimal is not None else ''}instance {inst['index']}, "
                 f"params {json.dumps(inst['params'], sort_keys=True)}:")
    for name, arr in sorted(inst["arrays"].items()):
        lines.append(f"  {name} = {format_array(decode_array(arr, name))}")
    if inst["measured"]:
        shown = []
        for name, arr in sorted(inst["measured"].items()):
            value = decode_array(arr, name)
            shown.append(f"{name} = {format_array(value) if value.size > 1 else f'{float(value.reshape(-1)[0]):.10g}'}")
        lines.append("measured: " + ", ".join(shown))
    cert = record.get("certificate")
    if cert is not None:
        text = f"certificate: {cert['status']} ({cert['method']})"
        if cert.get("reason"):
            text += f": {cert['reason']}"
        lines.append(text)
        for name, (lo, hi) in sorted(cert["enclosures"].items()):
            lines.append(f"  {name} in [{_decode_float(lo, name)!r}, {_decode_float(hi, name)!r}]")
        test = cert.get("test")
        if test is not None:
            rate = _decode_float(test["false_alarm_rate"], "false_alarm_rate")
            lines.append(f"  statistical test: {test['name']}; false-alarm rate {rate:.3g}; numbers: "
                         + ", ".join(f"{k} = {_decode_float(v, k):.10g}" for k, v in sorted(test["numbers"].items())))
    return lines


class RecordExistsError(RecordError):
    """`save_record` would overwrite a record of a different counterexample."""


def _counterexample(record: Mapping[str, Any]) -> tuple:
    """What makes two records the same counterexample: the claim (and its source), the
    sweep (n, seed, parameter sets), and the stored instance."""
    source = record.get("claim_source") or {}
    inst = record.get("instance") or {}
    return (record.get("claim_id"), source.get("sha256"), record.get("n"), record.get("seed"),
            json.dumps(record.get("params_override"), sort_keys=True), inst.get("index"),
            json.dumps(inst.get("params"), sort_keys=True), json.dumps(inst.get("arrays"), sort_keys=True),
            record.get("verdict"))


def save_record(record: Mapping[str, Any], path: str | os.PathLike, *, force: bool = False) -> bool:
    """Write `record` to `path` unless that would lose a different counterexample.

    An existing file that holds the same counterexample (same claim and source, sweep and
    stored instance: a re-run) is replaced; one that holds anything else, or is not a
    readable record, is kept and `RecordExistsError` is raised, unless `force`.
    Returns True when an existing file was replaced.

    Raises:
      RecordExistsError: `path` holds a different record (the message names both and says
        how to keep both: another ``--out``, or ``--force`` to replace it).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        write_record(record, path)
        return False
    if not force:
        try:
            existing = read_record(path)
        except RecordError as e:
            raise RecordExistsError(
                f"{path} exists and is not a verify record ({e}); not overwritten: pass "
                f"--force to replace it, or choose another --out"
            ) from None
        if _counterexample(existing) != _counterexample(record):
            raise RecordExistsError(
                f"{path} already holds a different record of {existing['claim_id']} (verdict "
                f"{existing['verdict']}, instance {existing['instance']['index']}, written by "
                f"verify {existing['versions'].get('verify')}); not overwritten: pass --force to "
                f"replace it, or choose another --out"
            )
    write_record(record, path)
    return True


_TOP = {
    "schema": str,
    "claim_id": str,
    "source": str,
    "statement": str,
    "kind": str,
    "expected": str,
    "claim_module": dict,
    "verdict": str,
    "n": int,
    "seed": int,
    "counts": dict,
    "smallest_margin": (int, float, str),
    "worst_index": (int, type(None)),
    "measured": dict,
    "instance": dict,
    "versions": dict,
    "platform": dict,
    "command": str,
    "commands": dict,
    "seconds": (int, float),
}
_INSTANCE = {
    "index": int,
    "role": str,
    "params": dict,
    "arrays": dict,
    "verdict": str,
    "margin": (int, float, str),
    "measured": dict,
    "error": (str, type(None)),
    "sweep_verdict": str,
    "sweep_margin": (int, float, str),
}


def _type_names(t) -> str:
    ts = t if isinstance(t, tuple) else (t,)
    names = {int: "integer", float: "number", str: "string", dict: "object", list: "list", type(None): "null"}
    return " or ".join(dict.fromkeys(names[x] for x in ts))


def _check_keys(obj: Mapping[str, Any], spec: Mapping[str, Any], where: str) -> None:
    for key, t in spec.items():
        if key not in obj:
            raise RecordError(f"{where}missing key {key!r}")
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, t):
            raise RecordError(
                f"{where}key {key!r} must be {_type_names(t)}; found {type(value).__name__} {value!r:.60}"
            )


def validate_record(record: Any, source: str = "record") -> None:
    """Raise RecordError naming `source` and the first thing wrong with `record`."""
    pre = f"{source}: "
    if not isinstance(record, dict):
        raise RecordError(f"{pre}a record must be a JSON object; found {type(record).__name__}")
    if "schema" not in record:
        raise RecordError(f"{pre}missing key 'schema' (expected {SCHEMA!r}); is this a verify record?")
    if record["schema"] != SCHEMA:
        raise RecordError(
            f"{pre}unsupported schema version {record['schema']!r}; this verify reads {SCHEMA!r}"
        )
    _check_keys(record, _TOP, pre)
    for key in ("verdict",):
        if record[key] not in _VERDICTS:
            raise RecordError(f"{pre}'verdict' must be one of {', '.join(_VERDICTS)}; found {record[key]!r}")
    if record["n"] < 1 or record["seed"] < 0:
        raise RecordError(f"{pre}'n' must be >= 1 and 'seed' >= 0; found n={record['n']}, seed={record['seed']}")
    _check_keys(record["claim_module"], {"name": str, "file": (str, type(None))}, f"{pre}claim_module: ")
    cert = record.get("certificate")
    if cert is not None:
        if not isinstance(cert, dict):
            raise RecordError(f"{pre}'certificate' must be null or an object; found {type(cert).__name__}")
        _check_keys(cert, {"status": str, "method": str, "reason": (str, type(None)), "enclosures": dict},
                    f"{pre}certificate: ")
        if cert["status"] not in ("certified", "float64 only", "inconclusive"):
            raise RecordError(f"{pre}certificate: 'status' must be certified, float64 only or inconclusive; "
                              f"found {cert['status']!r}")
        test = cert.get("test")
        if test is not None:
            if not isinstance(test, dict):
                raise RecordError(f"{pre}certificate: 'test' must be null or an object; found {type(test).__name__}")
            _check_keys(test, {"name": str, "false_alarm_rate": (int, float, str), "numbers": dict},
                        f"{pre}certificate.test: ")
        for name, pair in cert["enclosures"].items():
            if not (isinstance(pair, list) and len(pair) == 2):
                raise RecordError(f"{pre}certificate: enclosures[{name!r}] must be [lower, upper]; found {pair!r:.60}")
            lo, hi = (_decode_float(v, f"{pre}certificate.enclosures[{name!r}]") for v in pair)
            if not lo <= hi:
                raise RecordError(f"{pre}certificate: enclosures[{name!r}] has lower {lo!r} > upper {hi!r}")
    minimal = record.get("minimal")
    if minimal is not None:
        if not isinstance(minimal, dict):
            raise RecordError(f"{pre}'minimal' must be null or an object; found {type(minimal).__name__}")
        _check_keys(minimal, {"params": dict, "index": int, "arrays": dict, "digits": dict,
                              "margin": (int, float, str), "certificate": dict, "tried": int}, f"{pre}minimal: ")
        for name, arr in minimal["arrays"].items():
            decode_array(arr, f"{pre}minimal.arrays[{name!r}]")
    source = record.get("claim_source")
    if source is not None:
        if not isinstance(source, dict):
            raise RecordError(f"{pre}'claim_source' must be null or an object; found {type(source).__name__}")
        _check_keys(source, {"sha256": str, "text": str, "file": (str, type(None))}, f"{pre}claim_source: ")
        if source_sha256(source["text"]) != source["sha256"]:
            raise RecordError(
                f"{pre}claim_source: 'sha256' is {source['sha256']}, but the stored text hashes to "
                f"{source_sha256(source['text'])} (the record was edited)"
            )
    override = record.get("params_override")
    if override is not None and not (
        isinstance(override, list) and override and all(isinstance(p, dict) for p in override)
    ):
        raise RecordError(f"{pre}'params_override' must be null or a non-empty list of objects; found {override!r:.60}")
    _check_keys(record["commands"], {"check": str, "reproduce": str}, f"{pre}commands: ")
    _decode_float(record["smallest_margin"], f"{pre}smallest_margin")
    for name, arr in record["measured"].items():
        decode_array(arr, f"{pre}measured[{name!r}]")
    inst = record["instance"]
    _check_keys(inst, _INSTANCE, f"{pre}instance: ")
    for key in ("verdict", "sweep_verdict"):
        if inst[key] not in _VERDICTS:
            raise RecordError(f"{pre}instance: {key!r} must be one of {', '.join(_VERDICTS)}; found {inst[key]!r}")
    if not 0 <= inst["index"] < record["n"]:
        raise RecordError(f"{pre}instance: 'index' must be in [0, n={record['n']}); found {inst['index']}")
    _decode_float(inst["margin"], f"{pre}instance.margin")
    _decode_float(inst["sweep_margin"], f"{pre}instance.sweep_margin")
    if not inst["arrays"]:
        raise RecordError(f"{pre}instance: 'arrays' is empty; a record must store the instance")
    for name, arr in inst["arrays"].items():
        decode_array(arr, f"{pre}instance.arrays[{name!r}]")
    for name, arr in inst["measured"].items():
        decode_array(arr, f"{pre}instance.measured[{name!r}]")


def read_record(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate a record file; raise RecordError naming the file and the problem."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise RecordError(f"{path}: cannot read the record file: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise RecordError(f"{path}: not JSON (not UTF-8 text: {e.reason})") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        raise RecordError(f"{path}: not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    validate_record(record, path)
    return record


# ---------------------------------------------------------------------------------------
# Reproduction
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReproduceOutcome:
    """What `reproduce` found.

    Attributes:
      claim_id, seed, index: the claim and the stored instance (``index`` of ``seed``).
      record_verdict: the sweep's overall verdict as stored.
      stored_verdict, stored_margin: the stored instance's verdict and margin (from the
        unbatched check of the stored arrays when the record was written).
      recomputed_verdict, recomputed_margin: the same check recomputed now from the stored
        arrays.
      still_fails: the recomputed verdict is ``"refuted"``.
      measured: the recomputed measured numbers (read-only mapping of numpy arrays).
      error: why the stored arrays could not be checked now (a hypothesis is broken), else
        None; the recomputed verdict is then ``"inconclusive"``.
      regenerated_identical: the instance rebuilt from ``(seed, index)`` with
        `verify.search.make_instance` equals the stored arrays bit for bit.
      differing_arrays: names of the arrays that differ (empty when identical).
      params_match: the grid the sweep used (the claim's, or the record's ``params_override``) gives the stored params at ``index``.
      stored_margin_scale: ``"tolerance"`` when the record's margins are on today's scale
        (tolerance units, verify >= 0.2), ``"relative"`` for a record written by verify 0.1,
        whose margins were relative slacks: its verdicts compare, its margins do not.
      claim_origin: where the claim's code came from (see `reproduce`): "registered",
        "file", "module", "stored source" or "legacy".
      minimal_verdict, minimal_margin: the check recomputed on the record's minimal
        counterexample (None when the record has none); a minimal counterexample refutes
        by construction, so `matches` needs its verdict to be ``"refuted"`` too.
    """

    claim_id: str
    seed: int
    index: int
    record_verdict: str
    stored_verdict: str
    recomputed_verdict: str
    stored_margin: float
    recomputed_margin: float
    still_fails: bool
    measured: Mapping[str, np.ndarray]
    error: str | None
    regenerated_identical: bool
    differing_arrays: tuple[str, ...]
    params_match: bool
    stored_margin_scale: str = "tolerance"
    claim_origin: str = "registered"
    minimal_verdict: str | None = None
    minimal_margin: float | None = None

    @property
    def matches(self) -> bool:
        """The recomputed verdict equals the stored one, and a minimal counterexample still
        refutes (what ``verify reproduce`` exits 0 on)."""
        return self.recomputed_verdict == self.stored_verdict and self.minimal_verdict in (None, REFUTED)


#: The release from which margins are in tolerance units (`verify.claims.base`); records of
#: earlier releases stored relative slacks.
TOLERANCE_SCALE_SINCE = (0, 2)


def margin_scale_of(record: Mapping[str, Any]) -> str:
    """``"tolerance"`` or ``"relative"``: the margin scale of the release that wrote `record`."""
    version = str((record.get("versions") or {}).get("verify") or "")
    parts = tuple(int(p) for p in re.findall(r"\d+", version)[:2])
    return "relative" if parts and parts < TOLERANCE_SCALE_SINCE else "tolerance"


def _file_sha256(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return source_sha256(f.read())
    except (OSError, UnicodeDecodeError):
        return None


def _load_stored_source(source: Mapping[str, Any]) -> str:
    """Write a record's claim source to a fresh temporary folder and import it from there;
    return the file's path. Runs the stored code: only on an explicit request."""
    stem = re.sub(r"\W", "_", os.path.splitext(source.get("file") or "claim.py")[0])
    folder = tempfile.mkdtemp(prefix="verify-source-")
    path = os.path.join(folder, f"{stem}_{source['sha256'][:12]}.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(source["text"])
    load_claims(path)
    return path


def _resolve_claim(record: Mapping[str, Any], where: str, trust_source: bool = False) -> tuple[Claim, str]:
    """The record's claim, and where its code came from: ``"registered"`` (built in, or
    imported already, e.g. with ``--import``), ``"file"`` / ``"module"`` (the module the
    record names, imported again because its source hashes to the stored sha256),
    ``"stored source"`` (`trust_source`), or ``"legacy"`` (a record without stored source:
    the module it names is imported, as verify 0.2 did)."""
    claim_id = record["claim_id"]
    if claim_id in registry():
        return get_claim(claim_id), "registered"
    module = record["claim_module"]
    source = record.get("claim_source")
    origin = "legacy"
    try:
        if source is None:
            spec = module["file"] or module["name"]
            if spec and spec != "__main__":
                load_claims(spec)
        elif module["file"] and _file_sha256(module["file"]) == source["sha256"]:
            load_claims(module["file"])
            origin = "file"
        elif _module_sha256(module["name"]) == source["sha256"]:
            load_claims(module["name"])
            origin = "module"
        elif trust_source:
            _load_stored_source(source)
            origin = "stored source"
        else:
            raise RecordError(
                f"{where}: claim {claim_id!r} is not registered, and no module here has its "
                f"source (sha256 {source['sha256']}, stored in the record as "
                f"{source.get('file') or 'claim source'}). Nothing from the record was run. "
                f"To run the stored source, read it (claim_source.text) and pass "
                f"--trust-source (Python: reproduce(..., trust_source=True)); or pass "
                f"--import MODULE_OR_PATH with your own copy of the claim"
            )
    except ImportError as e:
        raise RecordError(
            f"{where}: claim {claim_id!r} is not registered and its module could not be "
            f"loaded again ({e}); pass --import MODULE_OR_PATH"
        ) from None
    try:
        return get_claim(claim_id), origin
    except UnknownClaimError as e:
        raise UnknownClaimError(f"{where}: {e} (module {module['file'] or module['name']!r})") from None


def _module_sha256(name: str) -> str | None:
    """The sha256 of an importable top-level or already-imported module's source file,
    found without running it (None when there is none)."""
    if not name or name == "__main__" or name.startswith("_verify_user_"):
        return None
    if name in sys.modules:
        path = getattr(sys.modules[name], "__file__", None)
    elif "." in name:
        return None  # finding a submodule would import its parent packages
    else:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        path = spec.origin if spec is not None else None
    return _file_sha256(path) if path and os.path.isfile(path) else None


def _load(path_or_record) -> tuple[dict[str, Any], str]:
    """A validated record and how to name it in messages (its path, or "record")."""
    if isinstance(path_or_record, Mapping):
        record = dict(path_or_record)
        validate_record(record, "record")
        return record, "record"
    where = os.fspath(path_or_record)
    return read_record(where), where


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def reproduce(path_or_record: str | os.PathLike | Mapping[str, Any], *,
              trust_source: bool = False) -> ReproduceOutcome:
    """Recompute a record's check from its stored arrays and say whether it still fails.

    The claim is looked up by id. When it is not registered (a user claim not imported
    with ``--import``): a record that stores the claim's source (``claim_source``) has the
    module it names imported again only if that module's source here hashes to the stored
    sha256 (it is the same code); otherwise the stored source runs only with
    `trust_source` (it is someone else's code), and without it a RecordError says how. A
    record without stored source (verify <= 0.2) has its module imported again:
    ``claim_module.file`` if set, else ``claim_module.name``. The stored arrays are
    checked with ``claim.check_instance`` (which validates them first). Independently, the
    instance is regenerated from ``(seed, index)`` and the stored params (what
    `verify.search.make_instance` does with the claim's current grid) and compared with the
    stored arrays bit for bit.

    Raises:
      RecordError: the file is malformed, or its arrays do not fit the claim (other names,
        shapes or dtypes than the claim generates).
      UnknownClaimError: no claim with the record's id can be found; names the file.
    """
    record, where = _load(path_or_record)
    claim, claim_origin = _resolve_claim(record, where, trust_source)
    inst = record["instance"]
    seed, index = record["seed"], inst["index"]
    stored = {k: decode_array(v, f"{where}: instance.arrays[{k!r}]") for k, v in inst["arrays"].items()}

    try:  # the stored params, so that a changed parameter grid does not change the shapes
        generated = claim.generate(instance_key(seed, index), **inst["params"])
    except Exception as e:  # noqa: BLE001  (claim code: report any failure with the file)
        raise RecordError(
            f"{where}: cannot regenerate instance {index} of seed {seed} with params "
            f"{inst['params']!r}: {type(e).__name__}: {e}"
        ) from None
    regenerated = {k: np.asarray(v) for k, v in jax.device_get(generated).items()}
    problems = []
    for name in sorted(set(stored) | set(regenerated)):
        if name not in regenerated:
            problems.append(f"array {name!r} is stored but claim {claim.id!r} generates no such array")
        elif name not in stored:
            problems.append(f"array {name!r} is missing (claim {claim.id!r} generates it)")
        elif stored[name].shape != regenerated[name].shape:
            problems.append(
                f"array {name!r} has shape {list(stored[name].shape)} but claim {claim.id!r} "
                f"generates shape {list(regenerated[name].shape)}"
            )
        elif stored[name].dtype != regenerated[name].dtype:
            problems.append(
                f"array {name!r} has dtype {stored[name].dtype.name} but claim {claim.id!r} "
                f"generates dtype {regenerated[name].dtype.name}"
            )
    if problems:
        raise RecordError(f"{where}: instance does not fit the claim: " + "; ".join(problems))
    differing = tuple(k for k in sorted(stored) if not _same_bits(stored[k], regenerated[k]))
    grid = record.get("params_override") or [_params_json(p) for p in claim.params]
    params_match = grid[index % len(grid)] == inst["params"]

    error = None
    try:
        ev = jax.device_get(claim.check_instance(stored))
        new_verdict = verdict(ev)
        new_margin = float(np.asarray(ev.margin))
        measured = {k: np.asarray(v) for k, v in ev.measured.items()}
    except InvalidInstanceError as e:
        error = str(e)
        new_verdict, new_margin, measured = INCONCLUSIVE, math.nan, {}
    minimal_verdict = minimal_margin = None
    if record.get("minimal") is not None:
        small = {k: decode_array(v, f"{where}: minimal.arrays[{k!r}]") for k, v in record["minimal"]["arrays"].items()}
        try:
            small_ev = jax.device_get(claim.check_instance(small))
            minimal_verdict, minimal_margin = verdict(small_ev), float(np.asarray(small_ev.margin))
        except InvalidInstanceError:
            minimal_verdict, minimal_margin = INCONCLUSIVE, math.nan
    return ReproduceOutcome(
        claim_id=claim.id,
        seed=seed,
        index=index,
        record_verdict=record["verdict"],
        stored_verdict=inst["verdict"],
        recomputed_verdict=new_verdict,
        stored_margin=_decode_float(inst["margin"], f"{where}: instance.margin"),
        recomputed_margin=new_margin,
        still_fails=new_verdict == REFUTED,
        measured=MappingProxyType(measured),
        error=error,
        regenerated_identical=not differing,
        differing_arrays=differing,
        params_match=params_match,
        stored_margin_scale=margin_scale_of(record),
        claim_origin=claim_origin,
        minimal_verdict=minimal_verdict,
        minimal_margin=minimal_margin,
    )


def recertify(path_or_record: str | os.PathLike | Mapping[str, Any], *, trust_source: bool = False,
              part: str = "instance"):
    """Re-check a record's certificate from its stored arrays, in ball arithmetic alone.

    The claim is found as in `reproduce` (the same rules for user claims and
    `trust_source`); its `Claim.certify_refutation` runs on exactly the stored arrays (no
    float64 check, no regeneration; a statistical claim's test numbers are recomputed by
    its float64 check). `part` is ``"instance"`` (the raw refuting instance) or
    ``"minimal"`` (the minimal counterexample). Returns ``(stored, recomputed)``: the
    stored ``certificate`` block (None when there is none) and the new one (a JSON block),
    or ``(None, None)`` for ``part="minimal"`` when the record has no minimal counterexample.
    """
    if part not in ("instance", "minimal"):
        raise ValueError(f"part must be 'instance' or 'minimal'; got {part!r}")
    record, where = _load(path_or_record)
    block = record["instance"] if part == "instance" else record.get("minimal")
    if block is None:
        return None, None
    claim, _ = _resolve_claim(record, where, trust_source)
    arrays = {k: decode_array(v, f"{where}: {part}.arrays[{k!r}]") for k, v in block["arrays"].items()}
    stored = record.get("certificate") if part == "instance" else block.get("certificate")
    return stored, claim.certify_refutation(arrays).to_json()


def _instance_text(arrays: Mapping[str, Any], latex: bool) -> str:
    parts = []
    for name, arr in sorted(arrays.items()):
        a = decode_array(arr, name)
        text = format_array(a)
        if latex:
            parts.append(f"${_latex_name(name)} = {_latex_array(a)}$" if a.size <= PRINT_IN_FULL else
                         f"${_latex_name(name)}$: {text}")
        else:
            parts.append(f"`{name} = {text}`")
    return ", ".join(parts)


def _latex_name(name: str) -> str:
    greek = {"sigma": r"\Sigma", "tau": r"\tau", "alpha": r"\alpha", "mu": r"\mu"}
    return greek.get(name.lower(), r"\mathrm{" + name.replace("_", r"\_") + "}")


def _latex_array(a: np.ndarray) -> str:
    if a.ndim == 0 or a.size == 1:
        return repr(a.reshape(-1)[0].item())
    rows = a.reshape(-1, a.shape[-1]) if a.ndim >= 2 else a.reshape(1, -1)
    body = r" \\ ".join(" & ".join(repr(x.item()) for x in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def citation(record: Mapping[str, Any], path: str | None = None) -> dict[str, str]:
    """A short paragraph for a write-up, as ``{"markdown": str, "latex": str}``: the statement
    and its source, the (minimal) counterexample, the certified numbers, the command that
    reproduces it and the versions that computed it."""
    validate_record(dict(record), path or "record")
    minimal = record.get("minimal")
    inst = record["instance"]
    cert = (minimal or {}).get("certificate") or record.get("certificate") or {}
    arrays = (minimal or inst)["arrays"]
    params = (minimal or inst)["params"]
    status = cert.get("status", "float64 only")
    encl = cert.get("enclosures", {})
    numbers = "; ".join(f"{k} in [{_decode_float(encl[k][0], k)!r}, {_decode_float(encl[k][1], k)!r}]"
                        for k in ("lhs", "rhs", "violation") if k in encl)
    v = record["versions"]
    versions = ", ".join(f"{k} {v.get(k)}" for k in ("verify", "jax", "jaxlib", "numpy", "python") if v.get(k))
    reproduce_cmd = shlex.join(["verify", "reproduce", path]) if path else record["commands"]["reproduce"]
    how = {"certified": "certified in ball arithmetic (python-flint arb): every number below is an "
                        "enclosure of the exact value",
           "float64 only": f"float64 evidence only ({cert.get('reason') or 'no certificate'})",
           "inconclusive": f"not certified ({cert.get('reason')})"}[status]
    md = (f"**Counterexample to {record['claim_id']}** ({record['source']}). Statement: {record['statement']} "
          f"It fails at the instance with parameters `{json.dumps(params, sort_keys=True)}`: "
          f"{_instance_text(arrays, latex=False)}; {how}"
          + (f": {numbers}" if numbers and status == "certified" else "") + ". "
          f"Found by `{record['commands']['check']}` (instance {inst['index']}"
          + (", minimised" if minimal else "") + f"); reproduce with `{reproduce_cmd}` "
          f"(`verify certify` re-checks the certificate). Computed with {versions}.")
    def tex(text: str) -> str:
        table = {"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#",
                 "{": r"\{", "}": r"\}", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
                 "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "$": r"\$"}
        return "".join(table.get(ch, ch) for ch in text)

    latex = (rf"\paragraph{{Counterexample to \texttt{{{tex(record['claim_id'])}}}.}} "
             f"{tex(record['source'])}. Statement: {tex(record['statement'])} It fails at the instance with "
             rf"parameters \texttt{{{tex(json.dumps(params, sort_keys=True))}}}: {_instance_text(arrays, latex=True)}; "
             f"{tex(how)}" + (f": {tex(numbers)}" if numbers and status == "certified" else "") + ". "
             rf"Found by \texttt{{{tex(record['commands']['check'])}}}; reproduce with "
             rf"\texttt{{{tex(reproduce_cmd)}}}. Computed with {tex(versions)}.")
    return {"markdown": md, "latex": latex}
