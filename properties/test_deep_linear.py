"""Hypothesis searches for counterexamples to the claims of `verify.claims.deep_linear`.

Hypothesis owns the randomness: an architecture from `verify.claims.deep_linear.DIMS`
outside a claim's sweep grid (depth 4; depth 2 for the seed's wording) and an integer seed,
or the data matrices themselves (which reach the edges of Kawaguchi's hypotheses that the
generator does not draw). `targeted_verdict` steers towards small margins. An inconclusive
result fails a test: it is not a pass. The generic search over each claim's own grid is
properties/test_claims.py.
"""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import verify.claims.deep_linear as dl
from verify import HOLDS, REFUTED, get_claim
from verify.errors import InvalidInstanceError
from verify.search import instances, targeted_verdict

CLAIM = get_claim("mf/deep-linear")
SOSP = get_claim("mf/deep-linear-sosp")
ALL_DEPTHS = tuple({"dims": d} for d in dl.DIMS)


@given(drawn=instances(CLAIM, params=ALL_DEPTHS[2:]))
def test_depth_4_every_local_minimum_is_global_and_bad_saddles_are_saddles(drawn):
    """Depth 4, outside the sweep's grid (the generic search in properties/test_claims.py
    covers depths 2 and 3)."""
    _, _, instance = drawn
    assert targeted_verdict(CLAIM, instance) == HOLDS


def _starts_for(X, Y, dims, seed, k=8):
    """k starts at log-uniform radii 1e-2..3 times the layer size of the drawn data."""
    L = len(dims) - 1
    n = dl.n_parameters(dims)
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    layer = float(jnp.linalg.norm(dl.least_squares(X, Y).w)) ** (1.0 / L)
    radii = 10.0 ** jax.random.uniform(k2, (k, 1), minval=-2.0, maxval=np.log10(3.0))
    flat = jax.random.normal(k1, (k, n)) * radii * layer / np.sqrt(n / L)
    return {f"starts_{i}": np.asarray(w) for i, w in enumerate(jax.vmap(lambda v: dl.unflatten_layers(v, dims))(flat), 1)}


# filter_too_much: data that breaks Kawaguchi's hypotheses (rank, distinct eigenvalues) is
# discarded with `assume`; Hypothesis' boundary values (zeros, repeated entries) often do.
@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(
    entries=st.lists(st.floats(-10.0, 10.0, allow_nan=False), min_size=25, max_size=25),
    seed=st.integers(0, 2**31 - 1),
)
def test_on_drawn_data(entries, seed):
    """X (3 x 5) and Y (2 x 5) drawn by Hypothesis, so that a failure shrinks to the smallest
    data; depth 3. Data that breaks the theorem's hypotheses is not an instance of it."""
    a = np.asarray(entries, dtype=np.float64).reshape(5, 5)
    X, Y = a[:3], a[3:]
    try:
        dl.validate_data(X, Y)
    except InvalidInstanceError:
        assume(False)
    dims = dl.DIMS[1]
    instance = {"X": X, "Y": Y, **_starts_for(X, Y, dims, seed)}
    assert targeted_verdict(CLAIM, instance) == HOLDS


@given(drawn=instances(SOSP, params=ALL_DEPTHS[1:]))
def test_seed_wording_is_refuted_at_every_deep_instance(drawn):
    """Seed 000's "any SOSP ... is global-minima" fails on every instance of depth >= 3: the
    origin and the bad saddles are SOSPs above f*."""
    _, _, instance = drawn
    assert targeted_verdict(SOSP, instance) == REFUTED


@given(drawn=instances(SOSP, params=ALL_DEPTHS[:1]))
def test_seed_wording_holds_for_the_two_layer_network(drawn):
    """The same sentence about Baldi & Hornik's 2-layer network is true."""
    _, _, instance = drawn
    assert targeted_verdict(SOSP, instance) == HOLDS
