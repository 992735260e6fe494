"""The `verify` command line: list, check, reproduce, --import, exit codes and errors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from verify import plugins, records
from verify.records import encode_array
from verify.claims import base
from verify.cli import DEFAULT_N, main
from verify.testing import ToyFalse, ToyIdentity, ToySurprise, registered


@pytest.fixture(scope="module", autouse=True)
def toys():
    """Register the toy claims for this module only, so `--all` elsewhere never sees them."""
    with registered(ToyIdentity, ToyFalse, ToySurprise):
        yield


def _run(capsys, *argv):
    rc = main(list(argv))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


# --- list ------------------------------------------------------------------------------


def test_list(capsys):
    rc, out, err = _run(capsys, "list")
    assert rc == 0 and err == ""
    header = out.splitlines()[0].split()
    assert header == ["id", "kind", "expected", "source"]
    row = next(line for line in out.splitlines() if line.startswith("test/toy-false "))
    assert row.split()[1:3] == ["pointwise", "refuted"]
    assert "verify.testing (toy false statement)" in row


def test_list_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "verify", "list"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].split() == ["id", "kind", "expected", "source"]
    assert "test/toy" not in proc.stdout  # the toys are registered in this process only


# --- check -----------------------------------------------------------------------------


def test_default_n():
    assert DEFAULT_N == 64


def test_check_table_records_and_progress(capsys, tmp_path):
    out_dir = tmp_path / "res"
    rc, out, err = _run(
        capsys, "check", "test/toy-identity", "test/toy-false", "--n", "8", "--seed", "1", "--out", str(out_dir)
    )
    assert rc == 0, out + err
    lines = out.splitlines()
    assert lines[0].split() == ["claim", "source", "instances", "verdict", "smallest", "margin", "time"]
    ident = next(line for line in lines if line.startswith("test/toy-identity "))
    false = next(line for line in lines if line.startswith("test/toy-false "))
    assert " 8  holds " in ident and " 8  refuted " in false
    path = out_dir / "test__toy-false.seed1.n8.json"
    assert path.is_file()
    assert [p.name for p in out_dir.iterdir()] == [path.name]  # only refuted claims are written
    assert f"verify reproduce {path}" in out
    assert "all 2 verdicts as expected" in out
    assert "[1/2] test/toy-identity 8/8" in err and "[2/2] test/toy-false refuted" in err
    rec = json.loads(path.read_text())
    assert rec["verdict"] == "refuted" and rec["n"] == 8 and rec["seed"] == 1
    assert rec["commands"]["reproduce"] == f"verify reproduce {path}"
    assert rec["commands"]["check"].startswith("verify check test/toy-false --n 8 --seed 1")


def test_check_json_is_byte_identical_for_the_same_seed(capsys, tmp_path):
    argv = ["check", "test/toy-false", "test/toy-identity", "--n", "10", "--seed", "3", "--json", "--out", str(tmp_path)]
    texts, files = [], []
    for _ in range(2):
        rc, out, err = _run(capsys, *argv)
        assert rc == 0, err
        recs = json.loads(out)
        assert [r["claim_id"] for r in recs] == ["test/toy-false", "test/toy-identity"]
        for r in recs:
            r.pop("seconds")
        texts.append(records.dumps_record(recs))
        raw = (tmp_path / "test__toy-false.seed3.n10.json").read_text()
        files.append(re.sub(r'\n  "seconds": [^\n]*\n', "\n", raw))
        assert files[-1] != raw  # the timing line was there and is the only thing removed
    assert texts[0] == texts[1]
    assert files[0] == files[1]


def test_check_unexpected_verdict_exits_1(capsys, tmp_path):
    rc, out, err = _run(capsys, "check", "test/toy-surprise", "--n", "4", "--out", str(tmp_path), "-q")
    assert rc == 1
    assert "refuted (expected holds)" in out
    assert "UNEXPECTED: test/toy-surprise is refuted; expected holds" in out
    assert err == ""  # --quiet: no progress


def test_check_unknown_claim_exits_2(capsys):
    rc, out, err = _run(capsys, "check", "test/toy-identty")
    assert rc == 2 and out == ""
    assert "unknown claim id 'test/toy-identty'; did you mean test/toy-identity" in err
    assert "Traceback" not in err


def test_params_sweep_other_sets_and_the_record_runs_them_again(capsys, tmp_path):
    argv = ["check", "test/toy-false", "--params", '{"dim": 6}', "--n", "5", "--seed", "4", "--out", str(tmp_path)]
    rc, out, err = _run(capsys, *argv)
    assert rc == 0, out + err
    assert 'parameter sets (--params, instead of each claim\'s grid): [{"dim": 6}]' in out
    (path,) = tmp_path.glob("test__toy-false.seed4.n5.params-*.json")
    rec = json.loads(path.read_text())
    assert rec["params_override"] == [{"dim": 6}] and rec["instance"]["params"] == {"dim": 6}
    assert rec["instance"]["arrays"]["x"]["shape"] == [6]
    again = shlex.split(rec["commands"]["check"])
    assert again[:2] == ["verify", "check"] and "--params" in again
    rc, out, err = _run(capsys, *again[1:], "--out", str(tmp_path / "again"))
    assert rc == 0, out + err
    rec2 = json.loads((tmp_path / "again" / path.name).read_text())
    for r in (rec, rec2):
        for key in ("seconds", "command", "commands"):
            r.pop(key)
    assert rec == rec2
    rc, out, err = _run(capsys, "reproduce", str(path))
    assert rc == 0, err
    assert "still fails: yes" in out and "note:" not in out


def test_params_reach_worker_processes(capsys, tmp_path):
    """Built-in claims run in workers with --jobs 2: the same records as in one process."""
    ids = ["init/isometry", "init/isometry-columns"]
    common = ["--params", '[{"m": 4, "n": 3}, {"m": 1, "n": 1}]', "--n", "4", "--json"]
    rc1, out1, err1 = _run(capsys, "check", *ids, *common, "--jobs", "1", "--out", str(tmp_path / "a"))
    rc2, out2, err2 = _run(capsys, "check", *ids, *common, "--jobs", "2", "--out", str(tmp_path / "b"))
    assert rc1 == 0 and rc2 == 0, err1 + err2
    recs1, recs2 = json.loads(out1), json.loads(out2)
    assert [r["instance"]["params"]["m"] for r in recs2] == [[4, 1][r["instance"]["index"] % 2] for r in recs2]
    assert all(r["params_override"] == [{"m": 4, "n": 3}, {"m": 1, "n": 1}] for r in recs2)
    assert _without_timing(recs1) == _without_timing(recs2)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "--all", "--params", '{"dim": 2}'], "argument --params: give it with claim ids, not with --all"),
        (["check", "test/toy-false", "--params", "{dim: 2}"], "argument --params: expected JSON, such as"),
        (["check", "test/toy-false", "--params", "[]"], "argument --params: expected a JSON object or a non-empty list"),
        (
            ["check", "test/toy-false", "--params", '{"dimm": 2}'],
            "argument --params: param_sets[0]: test/toy-false's generate takes no parameter 'dimm'; it takes: dim",
        ),
    ],
)
def test_params_usage_errors_exit_2(capsys, argv, message):
    rc, out, err = _run(capsys, *argv)
    assert rc == 2
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "test/toy-false", "--n", "0"], "argument --n: expected a positive integer; found '0'"),
        (["check", "test/toy-false", "--n", "ten"], "argument --n: expected a positive integer; found 'ten'"),
        (["check", "test/toy-false", "--seed", "-1"], "argument --seed: expected a non-negative integer; found '-1'"),
        (["check", "test/toy-false", "--all"], "give claim ids or --all, not both"),
        (["check"], "give at least one claim id"),
        (["frobnicate"], "argument {list,check,reproduce,certify,cite}: invalid choice: 'frobnicate'"),
        (["list", "--import", "no_such_module_xyz"], "--import 'no_such_module_xyz': cannot import module"),
        (["list", "--import", "missing/claims.py"], "--import 'missing/claims.py': expected a .py file; no file at"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, message):
    rc, out, err = _run(capsys, *argv)
    assert rc == 2
    assert message in err
    assert "Traceback" not in err


# --- reproduce -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def record_path(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("rec")
    assert main(["check", "test/toy-false", "--n", "6", "--out", str(out_dir), "-q"]) == 0
    return out_dir / "test__toy-false.seed0.n6.json"


def test_reproduce_still_fails(capsys, record_path):
    rc, out, err = _run(capsys, "reproduce", str(record_path))
    assert rc == 0, err
    assert "claim test/toy-false" in out
    assert re.search(r"verdict\s+refuted\s+refuted", out)
    assert "bit-identical" in out and "still fails: yes" in out


def test_reproduce_json(capsys, record_path):
    rc, out, err = _run(capsys, "reproduce", str(record_path), "--json")
    doc = json.loads(out)
    assert rc == 0 and doc["still_fails"] and doc["regenerated_identical"] and doc["matches"]
    assert doc["stored_margin"] == doc["recomputed_margin"] < 0


def test_reproduce_a_verify_0_1_record_notes_its_margin_scale(capsys, record_path, tmp_path):
    rec = json.loads(record_path.read_text())
    rec["versions"]["verify"] = "0.1.0"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(rec))
    rc, out, err = _run(capsys, "reproduce", str(path))
    assert rc == 0, err
    assert "note: the record was written by verify 0.1, whose margins were relative slacks" in out
    rc, out, err = _run(capsys, "reproduce", str(path), "--json")
    assert json.loads(out)["stored_margin_scale"] == "relative"


def test_reproduce_changed_verdict_exits_1(capsys, record_path, tmp_path):
    rec = json.loads(record_path.read_text())
    x = rec["instance"]["arrays"]["x"]
    x["data"] = [0.25] * len(x["data"])  # this instance satisfies the statement
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(rec))
    rc, out, err = _run(capsys, "reproduce", str(path))
    assert rc == 1
    assert "DIFFERS from the stored arrays in x" in out and "still fails: no" in out
    assert "recomputed verdict 'holds' differs from stored verdict 'refuted'" in err


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: "not json at all", "not JSON ("),
        (lambda r: {k: v for k, v in r.items() if k != "instance"}, "missing key 'instance'"),
        (lambda r: {**r, "schema": "verify.record/9"}, "unsupported schema version 'verify.record/9'"),
        (
            lambda r: {**r, "instance": {**r["instance"], "arrays": {"x": {**r["instance"]["arrays"]["x"], "shape": [7]}}}},
            "instance.arrays['x']: shape [7] needs 7 values",
        ),
        (lambda r: {**r, "claim_id": "test/toy-flase"}, "unknown claim id 'test/toy-flase'; did you mean test/toy-false"),
    ],
    ids=["not-json", "missing-key", "schema", "shape", "unknown-claim"],
)
def test_reproduce_malformed_exits_2(capsys, record_path, tmp_path, edit, message):
    rec = edit(json.loads(record_path.read_text()))
    path = tmp_path / "bad.json"
    path.write_text(rec if isinstance(rec, str) else json.dumps(rec))
    rc, out, err = _run(capsys, "reproduce", str(path))
    assert rc == 2 and out == ""
    assert err.startswith(f"verify reproduce: error: {path}: ")
    assert message in err
    assert "Traceback" not in err


# --- user-defined claims via --import ---------------------------------------------------

USER_CLAIMS = textwrap.dedent(
    '''
    """A user's own claim, defined outside the package."""
    import jax
    import jax.numpy as jnp
    from verify import REFUTED, Claim, compare, register


    @register
    class UserFalse(Claim):
        """A false bound: a standard normal vector has norm <= 1."""

        id = "user/norm-at-most-one"
        source = "a user file"
        statement = "For x ~ N(0, I_3), ||x|| <= 1."
        expected = REFUTED
        params = ({"dim": 3},)

        def generate(self, key, dim):
            return {"x": jax.random.normal(key, (dim,))}

        def check(self, instance):
            return compare(jnp.linalg.norm(instance["x"]), 1.0, "upper", rtol=1e-12)
    '''
)


def _forget_user_module(path: str) -> None:
    """Undo an --import of `path` in this process, as if it were a fresh one."""
    base._REGISTRY.pop("user/norm-at-most-one", None)
    module = plugins._MODULE_OF_FILE.pop(os.path.abspath(path), None)
    if module is not None:
        plugins._FILE_OF_MODULE.pop(module.__name__, None)
        sys.modules.pop(module.__name__, None)


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "my_claims.py"
    path.write_text(USER_CLAIMS)
    yield str(path)
    _forget_user_module(str(path))


def test_import_file_check_and_reproduce(capsys, tmp_path, user_file):
    out_dir = tmp_path / "res"
    rc, out, err = _run(capsys, "check", "user/norm-at-most-one", "--import", user_file, "--n", "8", "--out", str(out_dir))
    assert rc == 0, out + err
    rec_path = out_dir / "user__norm-at-most-one.seed0.n8.json"
    rec = json.loads(rec_path.read_text())
    assert rec["claim_module"] == {"name": "_verify_user_my_claims", "file": user_file}
    assert rec["commands"]["check"] == f"verify check user/norm-at-most-one --n 8 --seed 0 --import {user_file}"

    _forget_user_module(user_file)  # reproduce must load the claim again from the recorded path
    rc, out, err = _run(capsys, "reproduce", str(rec_path))
    assert rc == 0, err
    assert "still fails: yes" in out and "bit-identical" in out
    assert "user/norm-at-most-one" in base._REGISTRY


def test_record_stores_the_user_claim_source_and_reproduce_runs_it_only_when_trusted(capsys, tmp_path, user_file):
    """A co-author has the record but not the file: nothing runs without --trust-source;
    with it, the stored source (hash printed first) rebuilds the claim."""
    out_dir = tmp_path / "res"
    rc, out, err = _run(capsys, "check", "user/norm-at-most-one", "--import", user_file, "--n", "8", "--out", str(out_dir), "-q")
    assert rc == 0, out + err
    rec_path = out_dir / "user__norm-at-most-one.seed0.n8.json"
    rec = json.loads(rec_path.read_text())
    digest = hashlib.sha256(USER_CLAIMS.encode()).hexdigest()
    assert rec["claim_source"] == {"sha256": digest, "text": USER_CLAIMS, "file": "my_claims.py"}

    _forget_user_module(user_file)
    os.remove(user_file)  # the co-author's machine: no such file
    rc, out, err = _run(capsys, "reproduce", str(rec_path))
    assert rc == 2 and out == ""
    assert f"no module here has its source (sha256 {digest}" in err
    assert "Nothing from the record was run" in err and "--trust-source" in err
    assert "user/norm-at-most-one" not in base._REGISTRY

    rc, out, err = _run(capsys, "reproduce", str(rec_path), "--trust-source", "--json")
    assert rc == 0, err
    assert f"sha256 {digest}" in err
    doc = json.loads(out)
    assert doc["claim_origin"] == "stored source" and doc["still_fails"] is True
    loaded = type(base._REGISTRY["user/norm-at-most-one"]).__module__
    _forget_user_module(sys.modules[loaded].__file__)


def test_edited_record_source_is_rejected(capsys, tmp_path, user_file):
    out_dir = tmp_path / "res"
    assert main(["check", "user/norm-at-most-one", "--import", user_file, "--n", "4", "--out", str(out_dir), "-q"]) == 0
    rec_path = out_dir / "user__norm-at-most-one.seed0.n4.json"
    rec = json.loads(rec_path.read_text())
    rec["claim_source"]["text"] += "import os  # injected\n"
    rec_path.write_text(json.dumps(rec))
    rc, out, err = _run(capsys, "reproduce", str(rec_path), "--trust-source")
    assert rc == 2
    assert "claim_source: 'sha256' is" in err and "the record was edited" in err


def test_second_check_never_overwrites_a_different_counterexample(capsys, tmp_path):
    """Other --params, seeds or budgets get their own files; a file holding a different
    counterexample under the same name is kept unless --force."""
    out_dir = tmp_path / "res"
    for params in ('{"dim": 3}', '{"dim": 6}'):
        rc, out, err = _run(capsys, "check", "test/toy-false", "--params", params, "--n", "4", "--out", str(out_dir), "-q")
        assert rc == 0, out + err
    rc, out, err = _run(capsys, "check", "test/toy-false", "--n", "4", "--seed", "2", "--out", str(out_dir), "-q")
    assert rc == 0, out + err
    names = sorted(p.name for p in out_dir.iterdir())
    assert len(names) == 3 and "test__toy-false.seed2.n4.json" in names
    # the same run again replaces its own file silently
    rc, out, err = _run(capsys, "check", "test/toy-false", "--n", "4", "--seed", "2", "--out", str(out_dir), "-q")
    assert rc == 0, out + err
    # a different counterexample under that name (here: planted) is kept, exit 2
    path = out_dir / "test__toy-false.seed2.n4.json"
    planted = json.loads(path.read_text())
    planted["instance"]["arrays"]["x"]["data"][0] = 123.0
    path.write_text(json.dumps(planted))
    rc, out, err = _run(capsys, "check", "test/toy-false", "--n", "4", "--seed", "2", "--out", str(out_dir), "-q")
    assert rc == 2
    assert "test/toy-false" in out  # the table is still printed
    assert f"{path} already holds a different record of test/toy-false" in err and "--force" in err
    assert json.loads(path.read_text())["instance"]["arrays"]["x"]["data"][0] == 123.0
    rc, out, err = _run(capsys, "check", "test/toy-false", "--n", "4", "--seed", "2", "--out", str(out_dir), "-q", "--force")
    assert rc == 0, err
    assert json.loads(path.read_text())["instance"]["arrays"]["x"]["data"][0] != 123.0


def test_import_file_lists_user_claims(capsys, user_file):
    rc, out, err = _run(capsys, "list", "--import", user_file)
    assert rc == 0 and "user/norm-at-most-one" in out
    rc, out, err = _run(capsys, "list", "--import", user_file)  # a second import is a no-op
    assert rc == 0, err


def test_import_broken_file_exits_2(capsys, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def oops(:\n")
    rc, out, err = _run(capsys, "list", "--import", str(path))
    assert rc == 2
    assert f"--import '{path}': importing {path} raised SyntaxError" in err
    assert "_verify_user_broken" not in sys.modules


def test_import_file_subprocess_reproduce(tmp_path):
    """A fresh process: `check --import` writes the record, `reproduce` alone loads it back."""
    path = tmp_path / "sub_claims.py"
    path.write_text(USER_CLAIMS)
    out_dir = tmp_path / "res"
    check = subprocess.run(
        [sys.executable, "-m", "verify", "check", "user/norm-at-most-one", "--import", str(path),
         "--n", "4", "--out", str(out_dir)],
        capture_output=True, text=True, timeout=120,
    )
    assert check.returncode == 0, check.stderr
    rep = subprocess.run(
        [sys.executable, "-m", "verify", "reproduce", str(out_dir / "user__norm-at-most-one.seed0.n4.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert rep.returncode == 0, rep.stderr
    assert "still fails: yes" in rep.stdout


def test_check_unwritable_out_exits_2(capsys, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    rc, out, err = _run(capsys, "check", "test/toy-false", "--n", "4", "--out", str(blocker), "-q")
    assert rc == 2
    assert f"argument --out: cannot write {blocker / 'test__toy-false.seed0.n4.json'}" in err


# --- --jobs: claims swept in worker processes ------------------------------------------


def _without_timing(recs):
    for r in recs:
        r.pop("seconds")
        r.pop("command", None)
        r.pop("commands", None)
    return recs


def test_jobs_give_the_same_records_as_one_process(capsys, tmp_path, user_file):
    """Two worker processes (built-in claims and a user file's claim) match a single process."""
    ids = ["act/sigmoid", "user/norm-at-most-one", "act/square"]
    common = ["--import", user_file, "--n", "6", "--seed", "2", "--json"]
    rc1, out1, err1 = _run(capsys, "check", *ids, *common, "--jobs", "1", "--out", str(tmp_path / "a"))
    rc2, out2, err2 = _run(capsys, "check", *ids, *common, "--jobs", "2", "--out", str(tmp_path / "b"))
    assert rc1 == 0 and rc2 == 0, err1 + err2
    assert "3 claims in up to 2 processes" in err2 and "processes" not in err1
    for k, claim_id in enumerate(ids, 1):  # each claim: started, finished, in its own order
        lines = [line for line in err2.splitlines() if line.startswith(f"[{k}/3] {claim_id} ")]
        assert lines[0].endswith(" 0/6") and lines[-2].endswith(" 6/6"), lines
        assert " (" in lines[-1] and lines[-1].endswith("s)"), lines
    recs1, recs2 = json.loads(out1), json.loads(out2)
    assert [r["claim_id"] for r in recs2] == ids
    assert _without_timing(recs1) == _without_timing(recs2)


def test_jobs_run_claims_registered_in_this_process_here(capsys, tmp_path):
    """The toys are registered in this process only: a worker could not load them."""
    rc, out, err = _run(
        capsys, "check", "test/toy-identity", "test/toy-false", "--n", "4", "--jobs", "2", "--out", str(tmp_path)
    )
    assert rc == 0, err
    assert "all 2 verdicts as expected" in out


def test_jobs_must_be_positive(capsys):
    rc, out, err = _run(capsys, "check", "test/toy-false", "--jobs", "0")
    assert rc == 2
    assert "argument --jobs/-j: expected a positive integer; found '0'" in err


# --- certificates: check says how far a refutation is proved; certify re-checks it ----------


def test_check_prints_a_certified_counterexample_and_certify_rechecks_it(capsys, tmp_path):
    rc, out, err = _run(capsys, "check", "hardt-ma/gradient-lower-bound", "--n", "8", "--out", str(tmp_path), "-q")
    assert rc == 0, out + err
    row = next(line for line in out.splitlines() if line.startswith("hardt-ma/gradient-lower-bound "))
    assert " refuted (certified) " in row
    assert "hardt-ma/gradient-lower-bound: refuted (certified) at instance" in out
    assert "certificate: certified (ball arithmetic" in out and "violation in [" in out
    assert re.search(r"\n    Sigma = \[\[[0-9.e+-]+\]\]", out)  # the arrays, in full
    (path,) = tmp_path.glob("*.json")
    rec = json.loads(path.read_text())
    assert rec["certificate"]["status"] == "certified"
    rc, out, err = _run(capsys, "certify", str(path))
    assert rc == 0, err
    assert "stored certificate: certified; recomputed: certified" in out
    assert "minimal counterexample: stored certificate certified; recomputed: certified" in out
    assert rec["minimal"]["params"] == {"d": 1, "l": 1} and rec["minimal"]["certificate"]["status"] == "certified"
    rc, out, err = _run(capsys, "certify", str(path), "--json")
    both = json.loads(out)
    assert both["recomputed"]["status"] == both["minimal"]["recomputed"]["status"] == "certified"
    # a minimal counterexample whose stored arrays were edited so that they no longer refute
    # fails `verify certify` even though the raw instance is certified
    rec["minimal"]["arrays"]["Sigma"] = encode_array(np.array([[1e-3]]))
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(rec))
    rc, out, err = _run(capsys, "certify", str(edited))
    assert rc == 1 and "the refutation (minimal counterexample) is not certified" in err
    rc, out, err = _run(capsys, "reproduce", str(edited))
    assert rc == 1 and "the minimal counterexample no longer refutes the claim (recomputed verdict 'holds')" in err
    assert re.search(r"minimal verdict +refuted +holds", out)
    rc, out, err = _run(capsys, "reproduce", str(path))
    assert rc == 0 and re.search(r"minimal verdict +refuted +refuted", out), out + err
    rc, out, err = _run(capsys, "cite", str(path))
    assert rc == 0, err
    md, tex = out.strip().split("\n\n")
    assert md.startswith("**Counterexample to hardt-ma/gradient-lower-bound** (Review of Hardt & Ma, equation (6)")
    assert "certified in ball arithmetic" in md and f"`verify reproduce {path}`" in md and "violation in [" in md
    assert tex.startswith(r"\paragraph{Counterexample to \texttt{hardt-ma/gradient-lower-bound}.}")
    assert "^" not in tex.replace(r"\textasciicircum{}", "")  # LaTeX-safe text


def test_a_refutation_without_certificate_says_float64_only(capsys, tmp_path):
    rc, out, err = _run(capsys, "check", "test/toy-false", "--n", "4", "--out", str(tmp_path), "-q")
    assert rc == 0, out + err
    assert "refuted (float64 only) " in out
    assert "refuted (float64 only: no ball-arithmetic certificate is implemented for test/toy-false" in out
    (path,) = tmp_path.glob("*.json")
    rc, out, err = _run(capsys, "certify", str(path))
    assert rc == 1
    assert "verify certify: the refutation (instance) is not certified: no ball-arithmetic certificate" in err


def test_statistical_sweeps_report_their_power(capsys, tmp_path):
    rc, out, err = _run(capsys, "check", "liu/population-loss", "liu/shortcut-prior", "--n", "4", "--out", str(tmp_path), "-q")
    assert rc == 0, out + err
    assert "statistical power: the relative deviation from the claimed value that each sweep would have detected" in out
    assert re.search(r"\n  liu/population-loss: [0-9.]+%\n", out)
    assert "  liu/shortcut-prior:" not in out
    rc, out, err = _run(capsys, "check", "liu/population-loss", "--n", "4", "--json", "-q")
    (rec,) = json.loads(out)
    assert 0 < rec["detectable_deviation"] < 1
