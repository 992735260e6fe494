"""The ``verify`` command line: ``verify list | check | reproduce``.

::

    verify list                              # the registered claims
    verify check mf/scalar mf/sosp-global    # sweep some claims (or --all)
    verify check --all --n 256 --seed 1 --json > results.json
    verify check my/claim --import my_claims.py
    verify check yun/dichotomy --params '{"d": 5, "depth": 4}'   # other sizes than the grid's
    verify reproduce results/mf__sosp-global.seed0.n64.json

Exit codes: 0 when every verdict is the expected one (a claim the toolkit expects to be
refuted that is refuted counts as expected), 1 when a verdict differs from expectation
(``check``) or a recomputed verdict differs from the stored one (``reproduce``), 2 for
usage errors (unknown claim id, bad option value, malformed record file, a record file that
``check`` would overwrite with a different counterexample: the table is printed, the old
file is kept, and ``--force`` replaces it). User errors are
reported on stderr in one line, never as a traceback. Progress goes to stderr as plain
lines, so it works when stderr is not a terminal; results go to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import sys
import time
from typing import Any, Sequence, TextIO

from verify.tables import text_table

__all__ = ["main", "DEFAULT_N", "DEFAULT_SEED", "DEFAULT_OUT"]

#: Instances per claim for ``verify check`` when ``--n`` is not given. One vmapped chunk
#: (the sweep's default chunk size is 64), so each parameter set compiles once and
#: ``verify check --all`` stays within a few minutes on a 2-core machine.
DEFAULT_N = 64
DEFAULT_SEED = 0
#: Default cap on ``--jobs``: each worker process holds its own JAX runtime (about 1 GB).
MAX_DEFAULT_JOBS = 4
DEFAULT_OUT = "results"
_SOURCE_WIDTH = 40


class _UsageError(Exception):
    """A user error: printed on stderr as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and sys.exit(2)
        raise _UsageError(f"{self.prog}: error: {message}\n{self.format_usage().strip()}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; found {text!r}")
    return value


def _param_sets(text: str) -> list[dict[str, Any]]:
    """``--params``: a JSON object (one parameter set) or a non-empty list of objects."""
    example = """such as '{"d": 5, "depth": 4}'"""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"expected JSON, {example}; found {text!r} ({e.msg})") from None
    sets = [value] if isinstance(value, dict) else value
    if not isinstance(sets, list) or not sets or not all(isinstance(p, dict) for p in sets):
        raise argparse.ArgumentTypeError(
            f"expected a JSON object or a non-empty list of objects, {example}; found {text!r}"
        )
    return sets


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer; found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer; found {text!r}")
    return value


def _build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE_OR_PATH",
        help="import user-defined claims from a module name or a .py file first (repeatable)",
    )
    parser = _Parser(
        prog="verify",
        description="Check theorems about neural-network loss landscapes numerically.",
    )
    sub = parser.add_subparsers(dest="command", metavar="{list,check,reproduce,certify,cite}", parser_class=_Parser)
    sub.required = True

    sub.add_parser("list", parents=[common], help="list the registered claims")

    check = sub.add_parser(
        "check",
        parents=[common],
        help="sweep claims over random instances and print the verdicts",
        description="Sweep claims over random instances (vectorised) and print the verdicts. "
        "Records of refuted claims are written to --out.",
    )
    check.add_argument("ids", nargs="*", metavar="ID", help="claim ids (see `verify list`)")
    check.add_argument("--all", action="store_true", help="check every registered claim")
    check.add_argument(
        "--n", type=_positive_int, default=DEFAULT_N, help=f"instances per claim (default {DEFAULT_N})"
    )
    check.add_argument(
        "--seed", type=_non_negative_int, default=DEFAULT_SEED, help=f"sweep seed (default {DEFAULT_SEED})"
    )
    check.add_argument(
        "--params",
        type=_param_sets,
        metavar="JSON",
        help="sweep these parameter sets instead of each claim's grid: a JSON object of keyword "
        "arguments of the claim's generate, or a list of them (instance i uses set i mod the "
        "number of sets; each set compiles once); not with --all",
    )
    check.add_argument("--json", action="store_true", help="print a JSON array of records instead of the table")
    check.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"folder for records of refuted claims (default ./{DEFAULT_OUT}/)"
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=_default_jobs(),
        help="claims swept at once, each in its own process (default: the CPU cores, at most "
        f"{MAX_DEFAULT_JOBS}; here {_default_jobs()}); the verdicts do not depend on it",
    )
    check.add_argument(
        "--force",
        action="store_true",
        help="replace a record file that holds a different counterexample (by default it is "
        "kept and the new record is not written)",
    )
    check.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")

    rep = sub.add_parser(
        "reproduce",
        parents=[common],
        help="recompute a record from its stored arrays",
        description="Recompute a record's check from its stored arrays; exit 0 when the verdict is unchanged.",
    )
    rep.add_argument("file", metavar="FILE", help="a record written by `verify check`")
    rep.add_argument("--json", action="store_true", help="print the outcome as JSON")
    rep.add_argument(
        "--trust-source",
        action="store_true",
        help="run the claim source stored in the record (a user claim not importable here); "
        "it is code: read it first (its sha256 is printed)",
    )
    cert = sub.add_parser(
        "certify",
        parents=[common],
        help="re-check a record's certificate in ball arithmetic",
        description="Re-check a record's refutation certificate from its stored arrays in ball "
        "arithmetic alone; exit 0 when it is certified again, 1 when not.",
    )
    cert.add_argument("file", metavar="FILE", help="a record written by `verify check`")
    cert.add_argument("--json", action="store_true", help="print the recomputed certificate as JSON")
    cert.add_argument("--trust-source", action="store_true", help="as for `verify reproduce`")

    cite = sub.add_parser(
        "cite",
        parents=[common],
        help="print a paragraph citing a record's counterexample (Markdown and LaTeX)",
        description="Print a short paragraph for a write-up: statement, source, the (minimal) "
        "counterexample, certified numbers, reproduce command and versions. Runs nothing.",
    )
    cite.add_argument("file", metavar="FILE", help="a record written by `verify check`")
    cite.add_argument("--format", choices=("markdown", "latex", "both"), default="both")
    return parser


# ---------------------------------------------------------------------------------------


def _truncate(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _fmt_margin(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3e}"


def _import_all(imports: Sequence[str]) -> set[str]:
    """Import the ``--import`` specs; return the names of the modules they loaded."""
    from verify.plugins import load_claims

    names = set()
    for spec in imports:
        try:
            names.add(load_claims(spec).__name__)
        except ImportError as e:
            raise _UsageError(f"verify: error: {e}") from None
    return names


def _default_jobs() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_JOBS))


# Worker processes of `verify check --jobs N`. Each is a fresh Python (spawned, not forked:
# JAX is multithreaded) that imports verify and the --import specs, then sweeps the claims it
# is given by id. A sweep's result depends only on (claim, n, seed), never on the process.
_PROGRESS_QUEUE = None


def _worker_init(imports: Sequence[str], queue) -> None:
    import signal

    global _PROGRESS_QUEUE
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports; no traceback here
    _PROGRESS_QUEUE = queue
    import verify  # noqa: F401  (registers the built-in claims)
    from verify.plugins import load_claims

    for spec in imports:
        load_claims(spec)


def _worker_sweep(index: int, claim_id: str, n: int, seed: int, params_override, recording):
    from verify import get_claim, sweep

    def progress(done: int, total: int) -> None:
        _PROGRESS_QUEUE.put((index, done, total))

    progress(0, n)
    claim = get_claim(claim_id)
    if params_override is not None:
        claim = claim.with_params(*params_override)
    res = sweep(claim, n, seed=seed, progress=progress)
    return res, _build_record(claim, res, *recording)


def _build_record(claim, res, out_dir: str, command: str, every: bool):
    """The record of a sweep (with its certificate and minimal counterexample), its path and
    the seconds it took: for a refutation, or for every sweep with `every` (``--json``);
    (None, None, 0.0) otherwise. Built where the sweep ran, so that certifying one claim
    overlaps with sweeping the others."""
    from verify.records import record_path, result_record

    path = record_path(out_dir, claim, res) if res.verdict == "refuted" else None
    if path is None and not every:
        return None, None, 0.0
    t0 = time.perf_counter()
    record = result_record(claim, res, command, path=path)
    return record, path, time.perf_counter() - t0


def _is_portable(claim, imported: set[str]) -> bool:
    """Whether a fresh worker process can look `claim` up by id after the imports."""
    from verify.claims import BUILT_IN_MODULES

    module = type(claim).__module__
    return module in BUILT_IN_MODULES or module in imported


def _sweep_all(claims, args, imported: set[str], started, progress, finished, recording) -> list:
    """Sweep `claims` (in up to ``args.jobs`` processes); return ``(result, (record, path,
    seconds))`` per claim, in order (`_build_record` with `recording`).

    `started(k)`, `progress(k, done, n)` and `finished(k, result)` report on claim k (0-based).
    Claims a worker cannot load (registered in this process by other means than --import)
    are swept here, after the others.
    """
    from verify import sweep

    results = [None] * len(claims)
    portable = [k for k, c in enumerate(claims) if _is_portable(c, imported)]
    jobs = min(args.jobs, len(portable))
    local = [k for k in range(len(claims)) if jobs <= 1 or k not in set(portable)]
    if jobs > 1:
        import concurrent.futures as cf
        import multiprocessing
        import queue as queue_module

        ctx = multiprocessing.get_context("spawn")
        updates = ctx.Queue()
        # Long sweeps first, so that none starts last and leaves the other workers idle:
        # landscape claims (finders and classification from many starts: 10-50 s each on
        # 2 cores) before the others (mostly under 10 s), most parameter sets first within.
        order = sorted(portable, key=lambda k: (claims[k].kind != "landscape", -len(claims[k].params)))
        with cf.ProcessPoolExecutor(
            max_workers=jobs, mp_context=ctx, initializer=_worker_init, initargs=(list(args.imports), updates)
        ) as pool:
            futures = {}
            for k in order:
                submitted = (k, claims[k].id, args.n, args.seed, claims[k].params_override, recording)
                futures[pool.submit(_worker_sweep, *submitted)] = k
            pending = set(futures)
            last: dict[int, int] = {}  # claim -> instances reported done
            while pending:
                done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                while True:
                    try:
                        k, d, n = updates.get_nowait()
                    except queue_module.Empty:
                        break
                    if results[k] is not None:
                        continue  # a late message of a claim already reported finished
                    if k not in last:
                        started(k)  # prints 0/n
                    elif d > last[k]:
                        progress(k, d, n)
                    last[k] = d
                for fut in done:
                    k = futures[fut]
                    res, built = fut.result()
                    results[k] = (res, built)
                    if k not in last:
                        started(k)
                    if last.get(k) != res.n:
                        progress(k, res.n, res.n)
                    finished(k, res)
    for k in local:
        started(k)
        res = sweep(claims[k], args.n, seed=args.seed, progress=lambda d, n, k=k: progress(k, d, n))
        finished(k, res)
        results[k] = (res, _build_record(claims[k], res, *recording))
    return results


def _cmd_list(args, out: TextIO, err: TextIO) -> int:
    from verify import registry

    claims = registry()
    if not claims:
        print("no claims registered", file=out)
        return 0
    width = max(48, shutil.get_terminal_size((100, 24)).columns - 46)
    rows = [[c.id, c.kind, c.expected, _truncate(c.source, width)] for c in claims.values()]
    print(text_table(["id", "kind", "expected", "source"], rows), file=out)
    return 0


def _cmd_check(args, argv: Sequence[str], imported: set[str], out: TextIO, err: TextIO) -> int:
    from verify import get_claim, registry
    from verify.errors import UnknownClaimError
    from verify.records import (
        RecordExistsError,
        counterexample_lines,
        dumps_record,
        save_record,
    )

    if args.all and args.ids:
        raise _UsageError("verify check: error: give claim ids or --all, not both")
    if args.all and args.params is not None:
        raise _UsageError("verify check: error: argument --params: give it with claim ids, not with --all")
    if not args.all and not args.ids:
        raise _UsageError("verify check: error: give at least one claim id (see `verify list`) or --all")
    if args.all:
        claims = list(registry().values())
        if not claims:
            print("verify check: no claims registered", file=err)
            return 0
    else:
        claims = []
        for claim_id in dict.fromkeys(args.ids):
            try:
                claims.append(get_claim(claim_id))
            except UnknownClaimError as e:
                raise _UsageError(f"verify check: error: argument ID: {e}") from None
    if args.params is not None:
        try:
            claims = [c.with_params(*args.params) for c in claims]
        except ValueError as e:
            raise _UsageError(f"verify check: error: argument --params: {e}") from None

    command = shlex.join(["verify", *argv])
    total = len(claims)

    def label(k: int) -> str:
        return f"[{k + 1}/{total}] {claims[k].id}"

    def started(k: int) -> None:
        if not args.quiet:
            print(f"{label(k)} 0/{args.n}", file=err, flush=True)

    def progress(k: int, done: int, n: int) -> None:
        if not args.quiet:
            print(f"{label(k)} {done}/{n}", file=err, flush=True)

    def finished(k: int, res) -> None:
        if not args.quiet:
            print(f"{label(k)} {res.verdict} ({res.seconds:.1f}s)", file=err, flush=True)

    if not args.quiet and total > 1 and args.jobs > 1:
        print(f"verify check: {total} claims in up to {args.jobs} processes", file=err, flush=True)
    swept = _sweep_all(claims, args, imported, started, progress, finished, (args.out, command, args.json))
    results = []
    kept = []  # records not written: the file holds a different counterexample
    record_seconds: dict[str, float] = {}
    for claim, (res, (record, path, seconds)) in zip(claims, swept):
        record_seconds[claim.id] = seconds
        if path is not None:
            try:
                save_record(record, path, force=args.force)
            except RecordExistsError as e:
                kept.append(str(e))
                path = None
            except OSError as e:
                raise _UsageError(
                    f"verify check: error: argument --out: cannot write {path}: {e.strerror or e}"
                ) from None
        results.append((claim, res, record, path))

    unexpected = [(c, r) for c, r, rec, _ in results if _effective_verdict(r.verdict, rec) != c.expected]
    if args.json:
        out.write(dumps_record([rec for _, _, rec, _ in results]))
    else:
        rows = []
        for claim, res, rec, _ in results:
            shown = _shown_verdict(res.verdict, rec)
            effective = _effective_verdict(res.verdict, rec)
            if effective != claim.expected:
                tag = shown[len(effective):].strip(" ()")
                shown = f"{effective} (expected {claim.expected})" + (f" [{tag}]" if tag else "")
            v = shown
            rows.append(
                [claim.id, _truncate(claim.source, _SOURCE_WIDTH), str(res.n), v, _fmt_margin(res.smallest_margin), f"{res.seconds:.1f}s"]
            )
        print(
            text_table(["claim", "source", "instances", "verdict", "smallest margin", "time"], rows, right=(2, 4, 5)),
            file=out,
        )
        if args.params is not None:
            print(f"parameter sets (--params, instead of each claim's grid): {json.dumps(args.params)}", file=out)
        powered = [(c, r) for c, r, _, _ in results if r.detectable_deviation is not None]
        if powered:
            print("\nstatistical power: the relative deviation from the claimed value that each sweep would "
                  "have detected (at its worst-powered instance, at the test's false-alarm rate):", file=out)
            for claim, res in powered:
                print(f"  {claim.id}: {res.detectable_deviation:.3%}", file=out)
        written = [(c, r, p) for c, r, _, p in results if p is not None]
        if written:
            print("", file=out)
            for claim, res, path in written:
                rec = next(r for c, _, r, p in results if p == path)
                print(f"{claim.id}: {_shown_verdict(res.verdict, rec, reason=True)} at instance "
                      f"{res.worst_index} (seed {res.seed}); record {path}", file=out)
                for line in counterexample_lines(rec):
                    print(f"  {line}", file=out)
                print(f"  reproduce: {shlex.join(['verify', 'reproduce', path])}", file=out)
                print(f"  (record, certificate and minimal counterexample: {record_seconds[claim.id]:.1f}s; "
                      f"sweep {res.seconds:.1f}s)", file=out)
        print("", file=out)
    stream = err if args.json else out
    for message in kept:
        print(f"verify check: error: {message}", file=err)
    if kept:
        return 2
    if unexpected:
        for claim, res in unexpected:
            print(f"UNEXPECTED: {claim.id} is {res.verdict}; expected {claim.expected}", file=stream)
        print(f"{len(unexpected)} of {total} verdicts differ from expectation", file=stream)
        return 1
    if not args.json:
        print(f"all {total} verdicts as expected", file=out)
    return 0


def _shown_verdict(verdict: str, record, reason: bool = False) -> str:
    """"refuted (certified)", "refuted (float64 only[: reason])", or "inconclusive (...)" for
    a refutation whose certificate undid it; other verdicts as they are."""
    cert = (record or {}).get("certificate")
    if verdict != "refuted" or cert is None:
        return verdict
    if cert["status"] == "certified":
        return "refuted (certified)"
    if cert["status"] == "inconclusive":
        return f"inconclusive (refutation not certified: {cert['reason']})" if reason else "inconclusive (not certified)"
    return f"refuted (float64 only: {cert['reason']})" if reason else "refuted (float64 only)"


def _effective_verdict(verdict: str, record) -> str:
    """The verdict after certification: a refutation its certificate undid is inconclusive."""
    cert = (record or {}).get("certificate")
    if verdict == "refuted" and cert is not None and cert["status"] == "inconclusive":
        return "inconclusive"
    return verdict


def _cmd_reproduce(args, out: TextIO, err: TextIO) -> int:
    from verify.records import _decode_float, counterexample_lines, read_record, reproduce

    record = read_record(args.file)
    if args.trust_source:
        source = record.get("claim_source")
        if source is not None:
            print(f"verify reproduce: --trust-source: the claim's stored source "
                  f"({source.get('file') or 'claim source'}, sha256 {source['sha256']}) runs "
                  f"if no module here has that source", file=err, flush=True)
    t0 = time.perf_counter()
    outcome = reproduce(args.file, trust_source=args.trust_source)
    seconds = time.perf_counter() - t0
    if args.json:
        doc: dict[str, Any] = {
            "claim_id": outcome.claim_id,
            "seed": outcome.seed,
            "index": outcome.index,
            "stored_verdict": outcome.stored_verdict,
            "recomputed_verdict": outcome.recomputed_verdict,
            "stored_margin": _json_float(outcome.stored_margin),
            "recomputed_margin": _json_float(outcome.recomputed_margin),
            "still_fails": outcome.still_fails,
            "regenerated_identical": outcome.regenerated_identical,
            "differing_arrays": list(outcome.differing_arrays),
            "params_match": outcome.params_match,
            "error": outcome.error,
            "matches": outcome.matches,
            "stored_margin_scale": outcome.stored_margin_scale,
            "claim_origin": outcome.claim_origin,
            "minimal_verdict": outcome.minimal_verdict,
            "minimal_margin": None if outcome.minimal_margin is None else _json_float(outcome.minimal_margin),
        }
        out.write(json.dumps(doc, sort_keys=True, indent=2) + "\n")
    else:
        rows = [
            ["verdict", outcome.stored_verdict, outcome.recomputed_verdict],
            ["margin", _fmt_full(outcome.stored_margin), _fmt_full(outcome.recomputed_margin)],
        ]
        if outcome.minimal_verdict is not None:
            rows.append(["minimal verdict", "refuted", outcome.minimal_verdict])
            rows.append(["minimal margin", _fmt_full(_decode_float(record["minimal"]["margin"], "margin")),
                         _fmt_full(outcome.minimal_margin)])
        print(f"claim {outcome.claim_id}, instance {outcome.index} of seed {outcome.seed}", file=out)
        print(text_table(["", "stored", "recomputed"], rows), file=out)
        for line in counterexample_lines(record):
            print(line, file=out)
        if outcome.error:
            print(f"the stored instance breaks a hypothesis: {outcome.error}", file=out)
        if outcome.regenerated_identical:
            print("regenerated from (seed, index): bit-identical to the stored arrays", file=out)
        else:
            print(
                "regenerated from (seed, index): DIFFERS from the stored arrays in "
                + ", ".join(outcome.differing_arrays)
                + " (the check above used the stored arrays)",
                file=out,
            )
        if not outcome.params_match:
            print("note: the sweep's parameter grid no longer gives the stored params at this index", file=out)
        if outcome.stored_margin_scale == "relative":
            print("note: the record was written by verify 0.1, whose margins were relative slacks; "
                  "the recomputed margin is in tolerance units (1 exact, 0 at the edge): compare "
                  "the verdicts, not the margins", file=out)
        print(f"still fails: {'yes' if outcome.still_fails else 'no'} ({seconds:.1f}s)", file=out)
    if not outcome.matches:
        if outcome.recomputed_verdict != outcome.stored_verdict:
            print(
                f"verify reproduce: recomputed verdict {outcome.recomputed_verdict!r} differs from "
                f"stored verdict {outcome.stored_verdict!r}",
                file=err,
            )
        else:
            print(f"verify reproduce: the minimal counterexample no longer refutes the claim "
                  f"(recomputed verdict {outcome.minimal_verdict!r})", file=err)
        return 1
    return 0


def _cmd_certify(args, out: TextIO, err: TextIO) -> int:
    from verify.records import counterexample_lines, read_record, recertify

    record = read_record(args.file)
    t0 = time.perf_counter()
    stored, again = recertify(args.file, trust_source=args.trust_source)
    stored_min, again_min = recertify(args.file, trust_source=args.trust_source, part="minimal")
    seconds = time.perf_counter() - t0
    shown = {**record, "certificate": again}
    if again_min is not None:
        shown["minimal"] = {**record["minimal"], "certificate": again_min}
    if args.json:
        out.write(json.dumps({"stored": stored, "recomputed": again, "seconds": seconds,
                              "minimal": None if again_min is None else {"stored": stored_min, "recomputed": again_min}},
                             sort_keys=True, indent=2) + "\n")
    else:
        print(f"claim {record['claim_id']}, instance {record['instance']['index']} of seed {record['seed']}", file=out)
        for line in counterexample_lines(shown):
            print(line, file=out)
        was = stored["status"] if stored else "none (written before certificates)"
        print(f"stored certificate: {was}; recomputed: {again['status']}", file=out)
        if again_min is not None:
            print(f"minimal counterexample: stored certificate {stored_min['status']}; recomputed: "
                  f"{again_min['status']}", file=out)
        print(f"({seconds:.2f}s)", file=out)
    failed = [(what, cert) for what, cert in (("instance", again), ("minimal counterexample", again_min))
              if cert is not None and cert["status"] != "certified"]
    for what, cert in failed:
        print(f"verify certify: the refutation ({what}) is not certified: {cert['reason']}", file=err)
    return 1 if failed else 0


def _json_float(x: float) -> float | str:
    from verify.records import _encode_float

    return _encode_float(x)


def _fmt_full(x: float) -> str:
    return repr(float(x))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``verify`` command line with `argv` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    parser = _build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help / --version
            return int(e.code or 0)
        from verify.errors import RecordError, UnknownClaimError

        imported = _import_all(args.imports)
        try:
            if args.command == "list":
                return _cmd_list(args, out, err)
            if args.command == "check":
                return _cmd_check(args, argv, imported, out, err)
            if args.command == "certify":
                return _cmd_certify(args, out, err)
            if args.command == "cite":
                from verify.records import citation, read_record

                text = citation(read_record(args.file), args.file)
                chosen = ("markdown", "latex") if args.format == "both" else (args.format,)
                print("\n\n".join(text[k] for k in chosen), file=out)
                return 0
            return _cmd_reproduce(args, out, err)
        except (RecordError, UnknownClaimError) as e:
            raise _UsageError(f"verify {args.command}: error: {e}") from None
    except _UsageError as e:
        print(str(e), file=err)
        return 2
    except BrokenPipeError:  # `verify list | head`: stop quietly, as other tools do
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
