"""The suite every registered claim must pass (in the manner of optax's contrib suite),
including its documented margin cases on the one margin scale of verify/claims/base.py.

A user-defined claim registered before this module runs is checked too."""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import verify
from verify import Evidence, make_instance, registry, sweep, verdict
from verify.claims import BUILT_IN_MODULES
from verify.claims.base import HOLDS, INCONCLUSIVE, REFUTED, MarginCase

CLAIMS = sorted(registry().values(), key=lambda c: c.id)


def test_the_built_in_claims_of_issue_2_are_registered():
    expected = {
        "mf/scalar", "mf/gd-avoids-saddle", "mf/sosp-global", "act/relu", "act/square",
        "act/sigmoid", "act/sigmoid-approximate", "mf/symmetry",
    }
    assert expected <= set(registry())


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_documented(claim):
    doc = type(claim).__doc__ or ""
    assert claim.statement and claim.source
    assert "References" in doc, f"{claim.id}: docstring has no References section"
    assert re.search(r"shared/seeds/\d{3}_[0-9a-f]+\.txt", doc), f"{claim.id}: no seed file cited"
    assert re.search(r"seeds/\d{3}_", claim.source), f"{claim.id}: source names no seed file"
    assert doc.splitlines()[0].strip(), f"{claim.id}: docstring needs a one-line summary"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_generate_check_determinism_and_vmap(claim):
    params = claim.params[0]
    a = claim.generate(jax.random.PRNGKey(3), **params)
    b = claim.generate(jax.random.PRNGKey(3), **params)
    assert isinstance(a, dict) and a
    for name in a:
        assert jnp.asarray(a[name]).dtype == jnp.float64, f"{claim.id}: {name} is not float64"
        np.testing.assert_array_equal(np.asarray(a[name]), np.asarray(b[name]))
    claim.validate(a)
    ev1 = claim.check_instance(a)
    ev2 = claim.check_instance(b)
    assert isinstance(ev1, Evidence)
    assert verdict(ev1) in (HOLDS, REFUTED, INCONCLUSIVE)
    assert np.asarray(ev1.margin).shape == ()
    np.testing.assert_array_equal(np.asarray(ev1.margin), np.asarray(ev2.margin))
    assert set(ev1.measured) == set(ev2.measured)
    # The same instance through the vectorised sweep: index 0 of seed 0 (params[0]).
    result = sweep(claim, 1, seed=0)
    single = claim.check_instance(make_instance(claim, 0, 0))
    assert result.verdicts[0] == verdict(single)
    # Batched and single computations can differ in the last bits of the violation, which
    # the margin divides by the tolerance: 1e-2 tolerance units is what the old relative
    # atol of 1e-12 allowed at a tolerance of 1e-10, and far from any verdict change.
    np.testing.assert_allclose(result.margins[0], float(single.margin), rtol=1e-9, atol=1e-2)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_nan_in_an_instance_is_rejected(claim):
    instance = dict(claim.generate(jax.random.PRNGKey(0), **claim.params[0]))
    name = sorted(instance)[0]
    bad = np.array(instance[name], dtype=np.float64, copy=True)
    bad.flat[0] = np.nan
    instance[name] = bad
    with pytest.raises(verify.InvalidInstanceError, match=re.escape(f"found NaN or inf in {name}")):
        claim.check_instance(instance)


def test_nan_in_a_computation_is_inconclusive_never_a_pass():
    ev = Evidence(margin=jnp.asarray(1.0), conclusive=jnp.asarray(True),
                  measured={"x": jnp.asarray(jnp.nan)})
    assert verdict(ev) == INCONCLUSIVE
    ev = Evidence(margin=jnp.asarray(jnp.inf), conclusive=jnp.asarray(True), measured={})
    assert verdict(ev) == INCONCLUSIVE
    ev = Evidence(margin=jnp.asarray(1.0), conclusive=jnp.asarray(False), measured={})
    assert verdict(ev) == INCONCLUSIVE


def test_same_seed_same_sweep():
    claim = registry()["mf/sosp-global"]
    a, b = sweep(claim, 4, seed=11), sweep(claim, 4, seed=11)
    np.testing.assert_array_equal(a.margins, b.margins)
    assert a.verdicts == b.verdicts and a.worst_index == b.worst_index


# --- the margin scale: each claim's documented cases (verify/claims/base.py) ----------------
# Here rather than in tests/test_margin_scale.py so that a claim's check, compiled for the
# tests above, is compiled once for the module (JAX's caches are cleared between modules).
# Built-in claims only: for a user's claim, margin_cases is optional.

BUILT_IN = [c for c in CLAIMS if type(c).__module__ in BUILT_IN_MODULES]


@pytest.mark.parametrize("claim", BUILT_IN, ids=lambda c: c.id)
def test_claim_documents_its_margin(claim):
    doc = type(claim).__doc__ or ""
    assert re.search(r"^\s*Margin:", doc, re.M), f"{claim.id}: the docstring has no 'Margin:' line"
    cases = claim.margin_cases()
    assert cases, f"{claim.id}: margin_cases() gives no instance with a known margin"
    assert all(isinstance(c, MarginCase) for c in cases)


@pytest.mark.parametrize("claim", BUILT_IN, ids=lambda c: c.id)
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
