"""Hypothesis searches for counterexamples to the claims of `verify.claims.yun` (seed 004).

Both statements are true (`verify.claims.yun.dichotomy` derives them): they must hold on every
instance drawn, and an inconclusive instance fails the test too. The claims' own grids are
searched by `properties/test_claims.py`; here, beyond them:
other widths, L = 1 instances of the multi-block theorem (cross-claim consistency: there the second
condition always holds), a grid where the second condition generically fails (reported,
never refuted), and the single-block gradient bound at points whose coordinates Hypothesis
draws and shrinks.
"""

import jax
import jax.numpy as jnp
from hypothesis import given, note, settings
from hypothesis import strategies as st

from verify import HOLDS, REFUTED, get_claim
from verify.claims import yun
from verify.search import instances, targeted_verdict

DICHOTOMY = get_claim("yun/dichotomy")


@settings(max_examples=8)
@given(drawn=instances(DICHOTOMY, params=({"d": 3, "depth": 1}, {"d": 3, "depth": 2})))
def test_dichotomy_at_other_depths(drawn):
    """L = 2, and L = 1 (cross-claim consistency with `yun/single-block`): the stack of U_l is
    empty at L = 1, so the second condition holds, and the Theorem must hold there too
    (points with w != 0 are better than linear, the others better or strict saddles)."""
    _, _, instance = drawn
    assert targeted_verdict(DICHOTOMY, instance) == HOLDS


@settings(max_examples=6)
@given(
    drawn=instances(
        DICHOTOMY, params=({"d": 3, "depth": 2, "k": 1, "n": 1}, {"d": 4, "depth": 2, "m": 2, "k": 3, "n": 3})
    )
)
def test_dichotomy_at_other_widths(drawn):
    """Other widths than the grid's (m_l = 1, k_l = n_l = 2): blocks of width 1, and wider
    blocks with two-dimensional U_2 in R^4 (sum_{l>=2} m_l = 2 < d_x, so (2) still holds)."""
    _, _, instance = drawn
    assert targeted_verdict(DICHOTOMY, instance) == HOLDS


@settings(max_examples=6)
@given(drawn=instances(DICHOTOMY, params=({"d": 2, "depth": 3},)))
def test_points_failing_the_second_condition_are_reported_not_refuted(drawn):
    """sum_{l>=2} m_l = d_x: the rows of U_2, U_3 span R^2 at generic points, so the
    Theorem says nothing there; such points are counted, never turned into a refutation."""
    _, _, instance = drawn
    ev = DICHOTOMY.check_instance(instance)
    m = {k: float(v) for k, v in ev.measured.items()}
    note(f"measured: {m}")
    assert m["n_critical"] == m["n_conditions_met"] + m["n_condition_fails"]
    assert targeted_verdict(DICHOTOMY, instance) != REFUTED


_ARCH = yun.Architecture.make(2, 1, k=2, n=2)
_X, _Y = yun.make_data(jax.random.PRNGKey(0), 2, 8, "logistic")
_FIT = yun.linear_fit(_X, _Y, "logistic")
_, _UNFLATTEN = yun.flatten_params(yun.init_params(jax.random.PRNGKey(0), _ARCH))


@jax.jit
def _bound_and_excess(theta):
    p = _UNFLATTEN(theta)
    bound = yun.single_block_bound(p, _X, _Y, "logistic", _FIT.t)
    return bound, yun.empirical_risk(p, _X, _Y, "logistic") - _FIT.risk


_coords = st.floats(-3, 3, allow_nan=False)


@given(
    theta=st.lists(_coords, min_size=_ARCH.size, max_size=_ARCH.size),
    # the bound is about points with w != 0: met by construction, then shrinkable
    w=st.lists(_coords, min_size=2, max_size=2).filter(lambda v: max(abs(a) for a in v) >= 1e-3),
)
def test_single_block_bound_at_drawn_points(theta, w):
    """R(theta) - R_lin(t) <= ||t|| ||E[r x]|| + |w^T grad_w R| at every point with w != 0."""
    p = _UNFLATTEN(jnp.asarray(theta, jnp.float64))
    p["w"] = jnp.asarray(w, jnp.float64)
    bound, excess = (float(v) for v in _bound_and_excess(yun.flatten_params(p)[0]))
    note(f"bound {bound!r}, excess {excess!r}")
    assert excess <= bound + 1e-12 * max(1.0, abs(bound))
