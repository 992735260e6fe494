"""The one margin scale (verify/claims/base.py): the helpers every claim builds margins with.

Margin = 1 - violation / tolerance: 1 for exact agreement, 0 at the edge of the tolerance,
negative when violated. Each registered claim's own margin cases are checked by the
conformance suite (tests/test_conformance.py), where its check is compiled once for all
its tests.
"""

import re

import jax.numpy as jnp
import numpy as np
import pytest

from verify.claims.base import (
    all_of,
    compare,
    flag_margin,
    min_over,
    tolerance_margin,
)


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
