"""The one margin scale (verify/claims/base.py): helpers, and every registered claim.

Margin = 1 - violation / tolerance: 1 for exact agreement, 0 at the edge of the tolerance,
negative when violated. Every built-in claim documents instances whose margin is known in
advance (`Claim.margin_cases`); this suite checks them, so a claim whose margin is on
another scale (a relative slack that reads 1e-10 at exact agreement, a sentinel) fails.
"""

import math
import re

import jax.numpy as jnp
import numpy as np
import pytest

from verify import HOLDS, REFUTED, registry, verdict
from verify.claims import BUILT_IN_MODULES
from verify.claims.base import (
    Evidence,
    MarginCase,
    all_of,
    compare,
    flag_margin,
    min_over,
    tolerance_margin,
)

CLAIMS = [c for _, c in sorted(registry().items()) if type(c).__module__ in BUILT_IN_MODULES]


# --- the helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["identity", "upper", "lower"])
def test_compare_reads_one_when_exact(kind):
    assert float(compare(2.5, 2.5, kind, 1e-10, scale=2.5).margin) == 1.0


@pytest.mark.parametrize(
    "kind, measured, expected",
    [("identity", 1.0 + 1e-6, 0.0), ("identity", 1.0 - 1e-6, 0.0), ("upper", 1.0 + 1e-6, 0.0),
     ("lower", 1.0 - 1e-6, 0.0), ("upper", 1.0 + 3e-6, -2.0), ("upper", 1.0 - 1e-6, 2.0),
     ("lower", 1.0 + 4e-6, 5.0)],
)
def test_compare_counts_tolerances(kind, measured, expected):
    """0 at the edge (discrepancy = rtol * scale), -k at k + 1 tolerances, 1 + k with slack k."""
    margin = float(compare(measured, 1.0, kind, 1e-6, scale=1.0).margin)
    assert margin == pytest.approx(expected, abs=1e-9)


def test_compare_uses_rtol_times_scale():
    # |10.002 - 10| = 0.002 = rtol * scale with rtol = 1e-4, scale = 20: the edge.
    assert float(compare(10.002, 10.0, "identity", 1e-4, scale=20.0).margin) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("rtol", [0.0, -1e-9])
def test_compare_refuses_a_tolerance_that_is_not_positive(rtol):
    with pytest.raises(ValueError, match=re.escape(f"rtol must be a positive number (a tolerance); got {rtol!r}")):
        compare(1.0, 1.0, "upper", rtol)


def test_tolerance_margin_and_flags():
    assert float(tolerance_margin(0.0, 1e-8)) == 1.0
    assert float(tolerance_margin(1e-8, 1e-8)) == 0.0
    assert float(tolerance_margin(-1e-8, 1e-8)) == 2.0
    with pytest.raises(ValueError, match="tolerance must be a positive number; got 0"):
        tolerance_margin(1.0, 0)
    np.testing.assert_array_equal(np.asarray(flag_margin(jnp.asarray([True, False]))), [1.0, -1.0])


def test_min_over_is_vacuous_one_and_all_of_is_the_smallest():
    assert float(min_over(jnp.asarray([False, False]), jnp.asarray([-5.0, 3.0]))) == 1.0
    assert float(min_over(jnp.asarray([False, True]), jnp.asarray([-5.0, 3.0]))) == 3.0  # slack kept
    assert float(min_over(jnp.asarray([True, True]), jnp.asarray([-5.0, 3.0]))) == -5.0
    ev = all_of(compare(1.0, 1.0, "identity", 1e-9), compare(1.5, 1.0, "upper", 1e-1), flag=2.0)
    assert float(ev.margin) == pytest.approx(-4.0)
    assert "flag" in ev.measured


def test_a_count_compared_with_tolerance_one_half():
    assert float(compare(7.0, 7.0, "identity", 0.5).margin) == 1.0
    assert float(compare(8.0, 7.0, "identity", 0.5).margin) == -1.0


# --- every registered claim ----------------------------------------------------------------


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_documents_its_margin(claim):
    doc = type(claim).__doc__ or ""
    assert re.search(r"^\s*Margin:", doc, re.M), f"{claim.id}: the docstring has no 'Margin:' line"
    cases = claim.margin_cases()
    assert cases, f"{claim.id}: margin_cases() gives no instance with a known margin"
    assert all(isinstance(c, MarginCase) for c in cases)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_margin_cases(claim):
    """Each documented case: the margin is the expected one on the common scale, and the
    verdict follows its sign."""
    for case in claim.margin_cases():
        evidence = claim.check_instance(case.instance)
        assert isinstance(evidence, Evidence)
        margin = float(evidence.margin)
        assert math.isfinite(margin), f"{claim.id} [{case.label}]: margin {margin}"
        assert abs(margin - case.expected) <= case.atol, (
            f"{claim.id} [{case.label}]: margin {margin!r}, expected {case.expected!r} +- {case.atol!r}"
        )
        expected_verdict = HOLDS if case.expected - case.atol >= 0 else (
            REFUTED if case.expected + case.atol < 0 else None)
        if expected_verdict is not None and bool(evidence.conclusive):
            assert verdict(evidence) == expected_verdict, f"{claim.id} [{case.label}]"
