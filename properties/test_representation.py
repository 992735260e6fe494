"""Hypothesis searches for counterexamples to `verify.claims.representation`.

(properties/test_claims.py searches the claim's own instances, as for every registered
claim; these tests vary the disc and the sample.) Hypothesis owns the randomness: an integer seed (the JAX key is built from it) and, for the
linear-classifier tests, the disc itself, so that a failure shrinks to the smallest disc.
An inconclusive verdict fails a test: it is not a pass.
"""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import assume, given, note
from hypothesis import strategies as st

import verify.claims.representation as rp
from verify import get_claim

CLAIM = get_claim("repr/universal-approximation")

_bounds = jax.jit(rp.linear_classifier_bounds)


@st.composite
def discs_in_the_square(draw, *, min_radius=0.2, max_radius=0.4):
    """(c1, c2, r) with the disc inside [0, 1]^2, by construction."""
    r = draw(st.floats(min_radius, max_radius))
    c1 = draw(st.floats(r, 1.0 - r))
    c2 = draw(st.floats(r, 1.0 - r))
    return np.array([c1, c2, r])


@given(disc=discs_in_the_square(), seed=st.integers(0, 2**31 - 1))
def test_no_linear_classifier_separates_a_drawn_circle(disc, seed):
    """The exact sample bound is at least half the population bound (2 - pi/2) r^2, and at
    most what the least-squares and constant classifiers achieve (it bounds a minimum)."""
    x = rp.jittered_grid(jax.random.PRNGKey(seed), rp.CLASS_GRID)
    lower, least_squares, constant = (float(v) for v in _bounds(x, jnp.asarray(disc)))
    population = float(rp.population_linear_bound(disc[2]))
    note(f"lower {lower:.4g}, population {population:.4g}, least squares {least_squares:.4g}")
    assert lower >= rp.LINEAR_SAMPLE_FRACTION * population
    assert lower <= least_squares and lower <= constant


@given(disc=discs_in_the_square(), seed=st.integers(0, 2**31 - 1), flip=st.sampled_from(["x1", "x2", "swap"]))
def test_linear_bound_is_invariant_under_the_symmetries_of_the_square(disc, seed, flip):
    """Metamorphic: reflecting or transposing the square (sample and disc together) maps
    half-planes to half-planes, so the exact bound is unchanged."""
    x = np.asarray(rp.jittered_grid(jax.random.PRNGKey(seed), rp.CLASS_GRID))
    moved_x, moved_disc = x.copy(), disc.copy()
    if flip == "x1":
        moved_x[:, 0], moved_disc[0] = 1.0 - x[:, 0], 1.0 - disc[0]
    elif flip == "x2":
        moved_x[:, 1], moved_disc[1] = 1.0 - x[:, 1], 1.0 - disc[1]
    else:
        moved_x, moved_disc = x[:, ::-1].copy(), disc[[1, 0, 2]]
    # A point within rounding of the circle could change class under the map: skip those.
    d = np.abs(np.linalg.norm(x - disc[:2], axis=1) - disc[2])
    assume(d.min() > 1e-12)
    a = float(_bounds(jnp.asarray(x), jnp.asarray(disc))[0])
    b = float(_bounds(jnp.asarray(moved_x), jnp.asarray(moved_disc))[0])
    assert a == b
