"""Hypothesis searches for counterexamples to `verify.claims.overparam` (overparam/pt-not-p).

(properties/test_claims.py searches the claim's own instances, as for every registered
claim; these tests vary what the generator does not.) Hypothesis owns the randomness: an integer seed (the JAX key is built from it), and for
the metamorphic and [PT] tests the quantities it varies. An inconclusive verdict fails a
test: it is not a pass.
"""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import assume, given, note
from hypothesis import strategies as st

import verify.claims.overparam as op
from verify import HOLDS, get_claim, verdict

CLAIM = get_claim("overparam/pt-not-p")


@given(
    seed=st.integers(0, 2**31 - 1),
    log_c=st.floats(-4.0, 4.0),
)
def test_verdict_is_invariant_under_rescaling_the_loss(seed, log_c):
    """Metamorphic: A -> c A is the same landscape; the verdict and the plateau point's
    type must not change (the claim's tolerances are relative to A)."""
    instance = CLAIM.generate(jax.random.PRNGKey(seed))
    scaled = dict(instance, amplitude=instance["amplitude"] * 10.0**log_c)
    a, b = CLAIM.check_instance(instance), CLAIM.check_instance(scaled)
    assert verdict(a) == verdict(b) == HOLDS
    assert float(a.measured["plateau_point_type"]) == float(b.measured["plateau_point_type"])


@given(
    seed=st.integers(0, 2**31 - 1),
    log_eta=st.floats(-8.0, 0.0),
)
def test_pt_path_decreases_strictly_for_any_perturbation(seed, log_eta):
    """[PT] on drawn instances and perturbation sizes down to 1e-8 of the valley width."""
    instance = CLAIM.generate(jax.random.PRNGKey(seed))
    _, losses = op.pt_path(instance, 10.0**log_eta)
    _, f_star = op.pt_global_minimum(instance)
    amp = float(instance["amplitude"])
    gaps = np.asarray(losses - f_star)
    above = gaps[:-1] > 1e-10 * amp
    steps = np.diff(np.asarray(losses))[above]
    note(f"largest step {steps.max():.3g}, end gap {gaps[-1]:.3g}")
    assert np.all(steps < 0)
    assert gaps[-1] <= 1e-9 * amp


@given(seed=st.integers(0, 2**31 - 1), t=st.floats(-2.0, -0.05), s=st.floats(-1.0, 1.0))
def test_every_plateau_point_is_a_local_minimum_above_f_star(seed, t, s):
    """f >= f(t, 0) = 0 on the ball of radius |t| l around a plateau point (t, 0)."""
    instance = CLAIM.generate(jax.random.PRNGKey(seed))
    assume(abs(s) > 0)
    loss = op.pt_loss_function(instance)
    l, w = (float(v) for v in instance["scales"])
    p = op.pt_to_plane(instance, t, 0.0)
    r = 0.99 * abs(t) * l * abs(s)  # a point inside the ball
    angle = jnp.pi * s
    q = p + r * jnp.array([jnp.cos(angle), jnp.sin(angle)])
    amp = float(instance["amplitude"])
    assert float(loss(q) - loss(p)) >= -1e-15 * amp
    assert float(loss(p) - op.pt_global_minimum(instance)[1]) >= 0.36 * amp
