"""Minimal counterexamples (`verify.search.minimal_counterexample`): smallest dimensions
first, then the fewest significant digits that keep the (certified) refutation."""

import numpy as np
import pytest

from verify import REFUTED, get_claim, sweep
from verify.search import instance_key, minimal_counterexample, round_significant


def test_round_significant():
    a = np.array([8.4837, -0.0123456, 0.0, 123456.0])
    assert round_significant(a, 1).tolist() == [8.0, -0.01, 0.0, 100000.0]
    assert round_significant(a, 3).tolist() == [8.48, -0.0123, 0.0, 123000.0]
    assert round_significant(np.float64(2.25), 2) == 2.2  # round half to even, as printf does


@pytest.fixture(scope="module")
def refuting_at_d2():
    """A refuting instance of the seed's eq. (6) with d = l = 2."""
    claim = get_claim("hardt-ma/gradient-lower-bound")
    res = sweep(claim.with_params({"d": 2, "l": 2}), 32, seed=0)
    assert res.verdict == REFUTED
    instance = {k: np.asarray(v) for k, v in claim.generate(instance_key(0, res.worst_index), d=2, l=2).items()}
    return claim, instance


def test_smaller_dimensions_then_fewer_digits(refuting_at_d2):
    claim, instance = refuting_at_d2
    found = minimal_counterexample(claim, instance, {"d": 2, "l": 2}, 0)
    assert found.params == {"d": 1, "l": 1}
    assert found.arrays["Sigma"].shape == (1, 1) and found.arrays["A"].shape == (1, 1, 1)
    assert found.certified == "certified" and found.margin < 0
    rounded = {k: v for k, v in found.digits.items() if v is not None}
    assert rounded and max(rounded.values()) <= 3
    for name, k in rounded.items():  # the stored entries are the rounded ones
        assert np.array_equal(found.arrays[name], round_significant(found.arrays[name], k))
    assert claim.certify_refutation(found.arrays).status == "certified"


def test_minimal_is_deterministic(refuting_at_d2):
    claim, instance = refuting_at_d2
    a = minimal_counterexample(claim, instance, {"d": 2, "l": 2}, 0)
    b = minimal_counterexample(claim, instance, {"d": 2, "l": 2}, 0)
    assert a.params == b.params and a.digits == b.digits
    assert all(np.array_equal(a.arrays[k], b.arrays[k]) for k in a.arrays)
