"""Result records: building, writing, reading, validating and reproducing them."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import numpy as np
import pytest

import verify
from verify import sweep
from verify.errors import RecordError, UnknownClaimError
from verify.testing import ToyFalse, ToyIdentity, registered
from verify.records import (
    SCHEMA,
    decode_array,
    dumps_record,
    encode_array,
    read_record,
    record_filename,
    reproduce,
    result_record,
    validate_record,
    write_record,
)


@pytest.fixture(scope="module")
def toys():
    """Register the toy claims for this module only; remove them afterwards."""
    with registered(ToyIdentity, ToyFalse) as claims:
        yield claims


@pytest.fixture(scope="module")
def refuted_record(toys):
    claim = toys["test/toy-false"]
    res = sweep(claim, 12, seed=5)
    return result_record(claim, res, "verify check test/toy-false --n 12 --seed 5", path="out/x.json")


def _bits(a: np.ndarray) -> bytes:
    return a.dtype.str.encode() + str(a.shape).encode() + a.tobytes()


# --- arrays ----------------------------------------------------------------------------


def test_array_round_trip_is_exact_for_awkward_floats():
    values = np.array([0.1, 1 / 3, 5e-324, 1e308, -0.0, 2.0**-1074, np.nextafter(1.0, 2.0),
                       np.nan, np.inf, -np.inf])
    enc = encode_array(values)
    assert enc["data"][-3:] == ["nan", "inf", "-inf"]
    text = json.dumps(enc)  # must be valid JSON without NaN literals
    assert "NaN" not in text and "Infinity" not in text
    back = decode_array(json.loads(text))
    assert _bits(back) == _bits(values)


@pytest.mark.parametrize(
    "arr",
    [
        np.arange(6, dtype=np.int32).reshape(2, 3),
        np.array([True, False]),
        np.array(np.float32(1 / 3)),
        np.array([1 + 2j, np.nan - 0.1j]),
        np.zeros((0, 3)),
    ],
    ids=["int32", "bool", "float32-scalar", "complex", "empty"],
)
def test_array_round_trip_other_dtypes(arr):
    back = decode_array(json.loads(json.dumps(encode_array(arr))))
    assert _bits(back) == _bits(arr)


def test_record_round_trip_keeps_every_bit(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    awkward = np.array([[0.1, 1 / 3], [5e-324, 1e308], [-0.0, np.nan], [np.inf, -np.inf]])
    rec["measured"]["awkward"] = encode_array(awkward)
    path = tmp_path / "r.json"
    write_record(rec, path)
    back = read_record(path)
    assert back == json.loads(dumps_record(rec))
    assert _bits(decode_array(back["measured"]["awkward"])) == _bits(awkward)
    stored = decode_array(back["instance"]["arrays"]["x"])
    regenerated = np.asarray(verify.make_instance(ToyFalse(), 5, back["instance"]["index"])["x"])
    assert _bits(stored) == _bits(regenerated)


# --- record contents -------------------------------------------------------------------


def test_refuted_record_contents(refuted_record):
    rec = refuted_record
    assert rec["schema"] == SCHEMA
    assert rec["claim_id"] == "test/toy-false"
    assert rec["verdict"] == "refuted"
    assert rec["n"] == 12 and rec["seed"] == 5
    assert sum(rec["counts"].values()) == 12 and rec["counts"]["refuted"] >= 1
    inst = rec["instance"]
    assert inst["role"] == "refuting" and inst["index"] == rec["worst_index"]
    assert inst["verdict"] == inst["sweep_verdict"] == "refuted"
    assert inst["params"] == {"dim": [2, 3][inst["index"] % 2]}
    assert rec["smallest_margin"] == inst["sweep_margin"] < 0
    assert set(rec["versions"]) == {"python", "jax", "jaxlib", "numpy", "hypothesis", "verify"}
    assert rec["versions"]["verify"] == verify.__version__
    # The toys of verify.testing are registered in-process only: --import names their module.
    assert rec["commands"] == {
        "check": "verify check test/toy-false --n 12 --seed 5 --import verify.testing",
        "reproduce": "verify reproduce out/x.json",
    }
    assert rec["claim_module"] == {"name": "verify.testing", "file": None}
    validate_record(rec)


class FalseHere(ToyFalse):
    """ToyFalse, defined in this test module (a claim module imported by name)."""

    id = "test/toy-false-here"


def test_record_of_a_claim_from_another_module_names_it_for_import():
    with registered(FalseHere) as claims:
        claim = claims["test/toy-false-here"]
        rec = result_record(claim, sweep(claim, 4, seed=5), "cmd", path="out/y.json")
    assert rec["commands"]["check"] == "verify check test/toy-false-here --n 4 --seed 5 --import " + __name__
    assert rec["claim_module"] == {"name": __name__, "file": None}


def test_holding_record_stores_the_worst_instance(toys):
    claim = toys["test/toy-identity"]
    res = sweep(claim, 6, seed=0)
    rec = result_record(claim, res, "cmd")
    assert rec["verdict"] == "holds"
    assert rec["instance"]["role"] == "worst" and rec["instance"]["index"] == res.worst_index
    assert rec["commands"]["reproduce"] == "verify reproduce FILE"


def test_same_seed_gives_identical_bytes_apart_from_seconds(toys):
    claim = toys["test/toy-false"]
    texts = []
    for _ in range(2):
        rec = result_record(claim, sweep(claim, 10, seed=2), "cmd")
        assert isinstance(rec.pop("seconds"), float)
        texts.append(dumps_record(rec))
    assert texts[0] == texts[1]


def test_result_record_rejects_mismatched_claim(toys):
    res = sweep(toys["test/toy-false"], 2, seed=0)
    with pytest.raises(ValueError, match=re.escape("claim and sweep_result must match")):
        result_record(toys["test/toy-identity"], res, "cmd")


def test_record_of_other_parameter_sets_says_so_and_reproduces(toys, tmp_path):
    """A sweep of `with_params` sets: the record names them, its check command passes them
    back with --params, and reproduce regenerates the instance from the stored params."""
    claim = toys["test/toy-false"].with_params({"dim": 7}, {"dim": 1})
    rec = result_record(claim, sweep(claim, 6, seed=1), "cmd")
    assert rec["params_override"] == [{"dim": 7}, {"dim": 1}]
    inst = rec["instance"]
    assert inst["params"] == [{"dim": 7}, {"dim": 1}][inst["index"] % 2]
    assert inst["arrays"]["x"]["shape"] == [inst["params"]["dim"]]
    assert '--params \'[{"dim": 7}, {"dim": 1}]\'' in rec["commands"]["check"]
    path = tmp_path / "r.json"
    write_record(rec, path)
    out = reproduce(path)
    assert out.matches and out.regenerated_identical and out.params_match
    own = result_record(toys["test/toy-false"], sweep(toys["test/toy-false"], 2), "cmd")
    assert own["params_override"] is None and "--params" not in own["commands"]["check"]


def test_record_without_params_override_is_still_read(refuted_record, tmp_path):
    """Records written before the key existed lack it; they mean the claim's own grid."""
    rec = copy.deepcopy(refuted_record)
    del rec["params_override"]
    out = reproduce(_write(tmp_path, rec))
    assert out.matches and out.params_match


def test_params_match_is_false_when_the_grid_does_not_give_the_stored_params(refuted_record, tmp_path, monkeypatch):
    rec = copy.deepcopy(refuted_record)
    rec["params_override"] = [{"dim": 9}]  # a grid that never gives the stored {"dim": 2 or 3}
    out = reproduce(_write(tmp_path, rec))
    assert out.matches and out.regenerated_identical and not out.params_match
    monkeypatch.setattr(ToyFalse, "params", ({"dim": 4},))  # the claim's own grid changed since
    out = reproduce(_write(tmp_path, refuted_record))
    assert out.matches and not out.params_match


def test_bad_params_override(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    rec["params_override"] = {"dim": 2}
    path = _write(tmp_path, rec)
    with pytest.raises(RecordError, match=re.escape("'params_override' must be null or a non-empty list of objects")):
        reproduce(path)


def test_with_params_refuses_bad_sets_by_name(toys):
    claim = toys["test/toy-false"]
    with pytest.raises(ValueError, match=re.escape("generate takes no parameter 'dimm'; it takes: dim")):
        claim.with_params({"dimm": 2})
    with pytest.raises(ValueError, match=re.escape("param_sets[1]: expected a mapping")):
        claim.with_params({"dim": 2}, [("dim", 2)])
    with pytest.raises(ValueError, match=re.escape("param_sets[0]: value of 'dim' must be hashable")):
        claim.with_params({"dim": {"a": 1}})
    with pytest.raises(ValueError, match=re.escape("param_sets[0] {'dim': -1} does not give a valid test/toy-false instance")):
        claim.with_params({"dim": -1})
    with pytest.raises(ValueError, match="at least one parameter set"):
        claim.with_params()
    assert claim.params == ({"dim": 2}, {"dim": 3}) and claim.params_override is None  # unchanged


# --- reproduce -------------------------------------------------------------------------


def test_reproduce_says_still_fails(refuted_record, tmp_path):
    path = tmp_path / "r.json"
    write_record(refuted_record, path)
    out = reproduce(path)
    assert out.claim_id == "test/toy-false"
    assert out.still_fails and out.matches
    assert out.stored_verdict == out.recomputed_verdict == "refuted"
    assert out.recomputed_margin == out.stored_margin < 0
    assert out.regenerated_identical and out.differing_arrays == () and out.params_match
    assert float(out.measured["measured"]) > 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.still_fails = False  # immutable


def test_records_of_verify_0_1_are_read_with_their_margin_scale(refuted_record, tmp_path):
    """Margins became tolerance units in 0.2: an older record still reproduces (same verdict),
    and says that its stored margin is on the old scale."""
    assert reproduce(refuted_record).stored_margin_scale == "tolerance"
    old = copy.deepcopy(refuted_record)
    old["versions"]["verify"] = "0.1.0"
    path = tmp_path / "old.json"
    write_record(old, path)
    out = reproduce(path)
    assert out.stored_margin_scale == "relative" and out.matches and out.still_fails


def test_reproduce_uses_the_stored_arrays_not_the_seed(refuted_record):
    rec = copy.deepcopy(refuted_record)
    x = decode_array(rec["instance"]["arrays"]["x"])
    rec["instance"]["arrays"]["x"] = encode_array(np.full_like(x, 0.25))  # now it holds
    out = reproduce(rec)
    assert out.recomputed_verdict == "holds" and not out.still_fails and not out.matches
    assert not out.regenerated_identical and out.differing_arrays == ("x",)


def test_reproduce_stored_instance_breaking_a_hypothesis_is_inconclusive(refuted_record):
    rec = copy.deepcopy(refuted_record)
    x = decode_array(rec["instance"]["arrays"]["x"])
    rec["instance"]["arrays"]["x"] = encode_array(np.full_like(x, np.nan))
    out = reproduce(rec)
    assert out.recomputed_verdict == "inconclusive" and "NaN or inf" in out.error


# --- malformed records -----------------------------------------------------------------


def _write(tmp_path, rec) -> str:
    path = tmp_path / "bad.json"
    path.write_text(rec if isinstance(rec, str) else json.dumps(rec))
    return str(path)


def test_not_json(tmp_path):
    path = _write(tmp_path, "{not json")
    with pytest.raises(RecordError, match=re.escape(f"{path}: not JSON (")):
        reproduce(path)


def test_not_an_object(tmp_path):
    path = _write(tmp_path, "[1, 2]")
    with pytest.raises(RecordError, match=re.escape(f"{path}: a record must be a JSON object; found list")):
        read_record(path)


def test_missing_key(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    del rec["seed"]
    path = _write(tmp_path, rec)
    with pytest.raises(RecordError, match=re.escape(f"{path}: missing key 'seed'")):
        reproduce(path)


def test_missing_instance_key(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    del rec["instance"]["arrays"]
    path = _write(tmp_path, rec)
    with pytest.raises(RecordError, match=re.escape(f"{path}: instance: missing key 'arrays'")):
        reproduce(path)


def test_wrong_type(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    rec["n"] = "12"
    path = _write(tmp_path, rec)
    with pytest.raises(RecordError, match=re.escape(f"{path}: key 'n' must be integer; found str '12'")):
        reproduce(path)


def test_wrong_schema(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    rec["schema"] = "verify.record/0"
    path = _write(tmp_path, rec)
    with pytest.raises(
        RecordError,
        match=re.escape(f"{path}: unsupported schema version 'verify.record/0'; this verify reads 'verify.record/1'"),
    ):
        reproduce(path)


def test_shape_disagrees_with_data(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    arr = rec["instance"]["arrays"]["x"]
    n = len(arr["data"])
    arr["shape"] = [n + 1]
    path = _write(tmp_path, rec)
    with pytest.raises(
        RecordError,
        match=re.escape(f"{path}: instance.arrays['x']: shape [{n + 1}] needs {n + 1} values; 'data' has {n}"),
    ):
        reproduce(path)


def test_shape_disagrees_with_claim(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    arr = rec["instance"]["arrays"]["x"]
    n = len(arr["data"])
    arr["shape"] = [1, n]
    path = _write(tmp_path, rec)
    with pytest.raises(
        RecordError,
        match=re.escape(
            f"{path}: instance does not fit the claim: array 'x' has shape [1, {n}] "
            f"but claim 'test/toy-false' generates shape [{n}]"
        ),
    ):
        reproduce(path)


def test_wrong_dtype(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    rec["instance"]["arrays"]["x"]["dtype"] = "int64"
    path = _write(tmp_path, rec)
    with pytest.raises(RecordError, match=re.escape(f"{path}: instance.arrays['x']: 'data' of an int64 array must hold integers")):
        reproduce(path)
    rec["instance"]["arrays"]["x"]["dtype"] = "float128x"
    path = _write(tmp_path, rec)
    with pytest.raises(RecordError, match=re.escape(f"{path}: instance.arrays['x']: unknown dtype 'float128x'")):
        reproduce(path)


def test_bad_float_string(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    rec["instance"]["arrays"]["x"]["data"][0] = "NaN"
    path = _write(tmp_path, rec)
    with pytest.raises(
        RecordError,
        match=re.escape(f"{path}: instance.arrays['x'].data[0]: expected a number or 'nan', 'inf', '-inf'; found 'NaN'"),
    ):
        reproduce(path)


def test_unknown_claim_names_the_file(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    rec["claim_id"] = "nope/none"
    rec["claim_module"] = {"name": "verify.claims", "file": None}
    path = _write(tmp_path, rec)
    with pytest.raises(UnknownClaimError, match=re.escape(f"{path}: unknown claim id 'nope/none'")):
        reproduce(path)


def test_unloadable_module_names_the_file(refuted_record, tmp_path):
    rec = copy.deepcopy(refuted_record)
    rec["claim_id"] = "nope/none"
    rec["claim_module"] = {"name": "_verify_user_gone", "file": str(tmp_path / "gone.py")}
    path = _write(tmp_path, rec)
    with pytest.raises(RecordError, match=re.escape(f"{path}: claim 'nope/none' is not registered and its module could not be loaded again")):
        reproduce(path)


def test_missing_file(tmp_path):
    path = str(tmp_path / "absent.json")
    with pytest.raises(RecordError, match=re.escape(f"{path}: cannot read the record file")):
        reproduce(path)


def test_nan_margin_round_trips(toys, tmp_path):
    rec = result_record(toys["test/toy-false"], sweep(toys["test/toy-false"], 2, seed=0), "cmd")
    rec["smallest_margin"] = "nan"
    write_record(rec, tmp_path / "n.json")
    assert read_record(tmp_path / "n.json")["smallest_margin"] == "nan"


def test_record_filename_names_claim_seed_n_and_parameter_sets():
    assert record_filename("hardt-ma/gradient-lower-bound") == "hardt-ma__gradient-lower-bound.json"
    assert record_filename("a/b", 0, 64) == "a__b.seed0.n64.json"
    one = record_filename("a/b", 0, 64, [{"dim": 3}])
    assert one.startswith("a__b.seed0.n64.params-") and one.endswith(".json")
    assert one != record_filename("a/b", 0, 64, [{"dim": 4}])
    assert one == record_filename("a/b", 0, 64, [{"dim": 3}])
    with pytest.raises(ValueError, match="seed and n must be given together; got seed=0, n=None"):
        record_filename("a/b", 0)


def test_recertify_part_is_checked_and_a_record_without_minimal_gives_none(refuted_record):
    from verify.records import recertify

    stored, again = recertify(refuted_record, part="minimal")
    assert stored == refuted_record["minimal"]["certificate"] and again["status"] == "float64 only"
    rec = copy.deepcopy(refuted_record)
    rec["minimal"] = None
    assert recertify(rec, part="minimal") == (None, None)
    with pytest.raises(ValueError, match="part must be 'instance' or 'minimal'; got 'raw'"):
        recertify(rec, part="raw")
