"""Hypothesis searches specific to the claims of `verify.claims.liu` (seed 003).

Proposition 1 as printed must be refuted and its counterexample shrink to the smallest
dimensions; the shortcut prior is pinned at p = 1 (v* = 1/sqrt p). The generic searches
(every true claim holds on drawn instances, every false one is refuted by the search) are
properties/test_claims.py's, for every registered claim.
"""

import jax.numpy as jnp
import numpy as np
from hypothesis import Phase, example, find, given, settings
from hypothesis import strategies as st

from verify import HOLDS, REFUTED, get_claim, verdict
from verify.claims import liu
from verify.search import instances, targeted_verdict

_floats = lambda lo, hi: st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def optima_instances(draw, *, dims=(1, 2), widths=(2,)):
    """(v*, a*, alpha) drawn entry by entry so that a failure shrinks: p and k from small
    sets, v* a normalised free vector, a* free (not both zero), alpha in [0.25, 4]."""
    p = draw(st.sampled_from(dims))
    k = draw(st.sampled_from(widths))
    v = np.asarray(draw(st.lists(_floats(-2, 2), min_size=p, max_size=p)))
    if np.linalg.norm(v) < 1e-3:
        v = np.ones(p)
    a = np.asarray(draw(st.lists(_floats(-3, 3), min_size=k, max_size=k)))
    if np.linalg.norm(a) < 1e-2:
        a = np.ones(k)
    return {"v_star": v / np.linalg.norm(v), "a_star": a, "alpha": np.float64(draw(_floats(0.25, 4.0)))}


def test_proposition_one_as_printed_is_refuted_and_shrinks():
    """The search finds a spurious point that is a saddle and shrinks it to p = 2 (p = 1 has no
    counterexample: the sphere is two points)."""
    claim = get_claim("liu/optima")
    smallest = find(
        optima_instances(),
        lambda inst: verdict(claim.check_instance(inst)) == REFUTED,
        settings=settings(max_examples=100, database=None, derandomize=True),
    )
    assert np.shape(smallest["v_star"]) == (2,)
    a = smallest["a_star"]
    assert float(liu.spurious_curvature(jnp.asarray(a))) > 0  # the condition fails


@settings(phases=[Phase.explicit])  # the pinned example only; the search is properties/test_claims.py's
@given(drawn=instances(get_claim("liu/shortcut-prior")))
@example(drawn=({"p": 1}, 0, {"v_star": np.array([1.0]), "c": np.float64(1.0)}))
def test_shortcut_prior_at_p_one(drawn):
    """p = 1: the only unit v* with ||v* - 1/sqrt p|| <= 1 is v* = 1, off the claim's grid (p = 5)."""
    _, _, instance = drawn
    assert targeted_verdict(get_claim("liu/shortcut-prior"), instance) == HOLDS
