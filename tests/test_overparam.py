"""Unit tests of the [PT]-does-not-imply-[P] claim (`verify.claims.overparam`)."""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import verify.claims.overparam as op
from verify import HOLDS, get_claim, verdict
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, classify

CLAIM = get_claim("overparam/pt-not-p")


def _instance(**changes):
    """A fixed, readable instance: valley along x turned by 0.7 rad, l = 1.3, w = 0.6."""
    inst = {
        "center": [0.2, -0.4], "angle": 0.7, "scales": [1.3, 0.6], "amplitude": 3.0,
        "plateau_t": -1.0, "eta": 1e-3,
    }
    # Not weakly typed, like generated instances, so the jitted check is reused.
    inst = {k: jnp.asarray(np.asarray(v, np.float64)) for k, v in inst.items()}
    t = -3.0 + 6.0 * (jnp.arange(16) + 0.5) / 16
    inst["starts"] = op.pt_to_plane(inst, t, jnp.where(jnp.arange(16) % 2 == 0, 0.7, -1.3))
    inst.update({k: jnp.asarray(np.asarray(v, np.float64)) for k, v in changes.items()})
    return inst


def test_profile_closed_forms():
    g = jax.jit(op.plateau_profile)
    dg = jax.jit(jax.grad(op.plateau_profile))
    d2g = jax.jit(jax.grad(jax.grad(op.plateau_profile)))
    assert float(g(1.0)) == pytest.approx(op.PROFILE_MIN, rel=1e-15)
    assert float(dg(1.0)) == pytest.approx(0.0, abs=1e-15)
    assert float(d2g(1.0)) == pytest.approx(3.0 / math.e, rel=1e-13)
    ts = jnp.linspace(0.01, 8.0, 2001)
    closed = jnp.exp(-1.0 / ts) * (ts + 2.0) * (ts - 1.0) / ts**2
    np.testing.assert_allclose(jax.vmap(dg)(ts), closed, rtol=1e-12, atol=1e-300)
    # g is exactly 0 (with its derivatives) on t <= 0, and below 0 on (0, 2).
    for t in (-5.0, -1e-3, 0.0, 1e-300):
        assert float(g(t)) == 0.0 and float(dg(t)) == 0.0 and float(d2g(t)) == 0.0
    assert bool(jnp.all(g(jnp.linspace(0.01, 1.99, 50)) < 0))


def test_profile_curvature_bound_and_minimum_on_a_fine_grid():
    ts = jnp.linspace(1e-3, 50.0, 200001)
    d2 = jax.vmap(jax.grad(jax.grad(op.plateau_profile)))(ts)
    assert float(jnp.max(jnp.abs(d2))) <= op.PROFILE_CURVATURE_BOUND
    assert float(jnp.min(op.plateau_profile(ts))) >= op.PROFILE_MIN


def test_loss_passes_check_grads():
    inst = _instance()
    loss = jax.jit(op.pt_loss_function(inst))
    for t, s in ((0.6, 0.3), (-0.8, 0.5)):
        check_grads(loss, (op.pt_to_plane(inst, t, s),), order=2, modes=["fwd", "rev"])


def test_frame_round_trip_and_known_values():
    inst = _instance()
    loss = op.pt_loss_function(inst)
    z_star, f_star = op.pt_global_minimum(inst)
    assert float(loss(z_star)) == pytest.approx(float(f_star), rel=1e-14)
    assert float(f_star) == pytest.approx(-3.0 / math.e)
    assert abs(float(loss(op.pt_plateau_point(inst)))) <= 1e-28
    # Off the floor by s: f = A s^2 on the plateau.
    assert float(loss(op.pt_to_plane(inst, -1.5, 0.25))) == pytest.approx(3.0 * 0.0625, rel=1e-13)
    assert float(op.pt_loss(z_star, inst["center"], inst["angle"], inst["scales"], inst["amplitude"])) == pytest.approx(float(f_star), rel=1e-14)


def test_engine_classifies_the_points_correctly():
    inst = _instance()
    loss = op.pt_loss_function(inst)
    kw = dict(curvature_floor=3.0 / 1.3**2, loss_floor=3.0, length_scale=1.3)
    typ = jax.jit(lambda z: classify(loss, z, **kw).point_type)
    c = lambda z: int(typ(z))
    assert c(op.pt_global_minimum(inst)[0]) == PointType.LOCAL_MINIMUM
    for t in (-0.5, -1.0, -2.0):  # non-strict sub-optimal minima
        assert c(op.pt_to_plane(inst, t, 0.0)) == PointType.DEGENERATE_UNDECIDED
    assert c(op.pt_to_plane(inst, 0.5, 0.0)) == PointType.NOT_CRITICAL  # descending side
    assert c(op.pt_to_plane(inst, -1.0, 0.3)) == PointType.NOT_CRITICAL  # valley wall


def test_claim_holds_at_fixed_parameters():
    ev = CLAIM.check_instance(_instance())
    assert verdict(ev) == HOLDS
    m = {k: float(v) for k, v in ev.measured.items()}
    assert m["plateau_point_type"] == PointType.DEGENERATE_UNDECIDED
    assert m["n_global_found"] >= 1 and m["n_local_minimum"] >= 1
    assert m["plateau_gap"] == pytest.approx(1.0 / math.e, rel=1e-12)
    assert m["path_largest_step"] < 0 and m["path_end_gap"] <= 1e-9
    assert m["plateau_min_rise"] >= -1e-12


def test_claim_holds_on_generated_instances():
    for seed in range(3):
        assert verdict(CLAIM.check_instance(CLAIM.generate(jax.random.PRNGKey(seed)))) == HOLDS


@pytest.mark.parametrize("eta", [1e-6, 1e-3, 0.3])
def test_pt_path_is_strictly_decreasing_for_every_perturbation_size(eta):
    """[PT]: however small the perturbation, the path from it decreases strictly to f*."""
    inst = _instance()
    points, losses = op.pt_path(inst, eta)
    _, f_star = op.pt_global_minimum(inst)
    np.testing.assert_allclose(points[0], op.pt_to_plane(inst, -1.0, eta), rtol=0, atol=1e-15)
    assert np.linalg.norm(points[0] - op.pt_plateau_point(inst)) == pytest.approx(eta * 0.6, rel=1e-9)
    above = np.asarray(losses[:-1] - f_star) > 1e-10 * 3.0
    assert np.all(np.diff(np.asarray(losses))[above] < 0)
    assert float(losses[-1] - f_star) <= 1e-9 * 3.0


def test_gradient_descent_from_the_perturbation_goes_back_to_the_plateau():
    """Why [PT] says little about local search: GD from (t0, eta) returns to the floor."""
    inst = _instance()
    end = op.gd_from_perturbation(inst, 1e-2)
    loss = op.pt_loss_function(inst)
    np.testing.assert_allclose(end, op.pt_plateau_point(inst), atol=1e-9)
    assert float(loss(end) - op.pt_global_minimum(inst)[1]) == pytest.approx(3.0 / math.e, rel=1e-9)


def test_bad_input_messages():
    with pytest.raises(InvalidInstanceError, match=re.escape("scales (l, w) must be positive; got [1.3, -0.6]")):
        CLAIM.check_instance(_instance(scales=[1.3, -0.6]))
    with pytest.raises(InvalidInstanceError, match=re.escape("plateau_t must be negative (the point must be on the plateau t < 0); got 0.5")):
        CLAIM.check_instance(_instance(plateau_t=0.5))
    with pytest.raises(InvalidInstanceError, match=re.escape("amplitude must be positive; got -1")):
        CLAIM.check_instance(_instance(amplitude=-1.0))
    with pytest.raises(InvalidInstanceError, match=re.escape("eta must be positive (a perturbation off the floor); got 0")):
        CLAIM.check_instance(_instance(eta=0.0))
    with pytest.raises(InvalidInstanceError, match=re.escape("center must have shape (2,); got (3,)")):
        CLAIM.check_instance(_instance(center=[0.0, 0.0, 0.0]))
    with pytest.raises(InvalidInstanceError, match=re.escape("starts must have shape (k, 2); got (4, 3)")):
        CLAIM.check_instance(_instance(starts=np.zeros((4, 3))))
    with pytest.raises(InvalidInstanceError, match=re.escape("found NaN or inf in eta")):
        CLAIM.check_instance(_instance(eta=np.inf))
    with pytest.raises(InvalidInstanceError, match=re.escape("starts must be an integer >= 2; got 1")):
        CLAIM.generate(jax.random.PRNGKey(0), starts=1)
