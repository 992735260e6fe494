"""Hypothesis searches against the memorising residual network of Hardt & Ma, Theorem 3.2.

Hypothesis draws the point set (how many near-copies, and how close: the separation rho
ranges from 1e-8 to order 1), the labelling itself (so a failure shrinks to the simplest
labels) and the integer seed of the random parts (A_0, q); it steers with `target` towards
the largest error relative to the tolerance (the search over the claim's own generator is the
registry-wide test of `properties/test_claims.py`). The claim must hold on every draw: an
inconclusive result fails the test too. Metamorphic tests: reordering the points, and
renaming the classes, leave the verdict (and, for renaming, the outputs up to the same
renaming) unchanged.
"""

import jax
import numpy as np
from hypothesis import example, given, note, target
from hypothesis import strategies as st

from verify import HOLDS, get_claim, verdict
from verify.claims.hardt_ma import expressivity as hm

CLAIM = get_claim("hardt-ma/expressivity")

# Shapes from small sets, so that jit compiles a bounded number of times.
SIZES, DIMS, CLASSES = (3, 40), (2, 8), (1, 4)


@jax.jit
def _apply_all(net, x):
    return jax.vmap(hm.apply_resnet, in_axes=(None, 0))(net, x)


def _random_parts(seed, k, d, r):
    """A_0 and q as the proof draws them, from the JAX key of Hypothesis' seed."""
    a0, q = hm.draw_random_layers(jax.random.PRNGKey(seed), k, d, r)
    return np.asarray(a0), np.asarray(q)


def _min_sq_distance(x):
    if len(x) < 2:
        return np.inf
    diff = x[:, None, :] - x[None, :, :]
    dist = np.sum(diff * diff, axis=-1)
    np.fill_diagonal(dist, np.inf)
    return float(dist.min())


def _instance(x, labels, r, seed):
    n, d = x.shape
    a0, q = _random_parts(seed, hm.default_width(n, d, r), d, r)
    return {"x": x, "labels": np.asarray(labels, dtype=np.float64), "A0": a0, "q": q}


@st.composite
def labelled_point_sets(draw, *, sizes=SIZES, dims=DIMS, classes=CLASSES):
    """Instances of the claim with Hypothesis-drawn points and labels.

    n, d, r from small sets; `near` of the n points are near-copies of earlier points at
    distance 10**log_distance (1e-4..1, so ||x_i - x_j||^2 down to 1e-8), the others uniform
    on the sphere (from the drawn seed); labels drawn one by one in [0, r)."""
    n = draw(st.sampled_from(sizes))
    d = draw(st.sampled_from(dims))
    r = draw(st.sampled_from(classes))
    seed = draw(st.integers(0, 2**31 - 1))
    near = draw(st.integers(0, n - 1))
    log_distance = draw(st.floats(-4.0, 0.0))
    labels = draw(st.lists(st.integers(0, r - 1), min_size=n, max_size=n))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    for i in range(n - near, n):
        step = rng.standard_normal(d)
        moved = x[rng.integers(0, max(i, 1))] + 10.0**log_distance * step / np.linalg.norm(step)
        x[i] = moved / np.linalg.norm(moved)
    # Assumption 3.1 (rho >= SEPARATION_FLOOR): by construction nearly always; rare random
    # collisions (d = 2) are filtered, never clipped.
    rho = _min_sq_distance(x)
    draw(st.just(rho).filter(lambda v: v >= hm.SEPARATION_FLOOR))
    return _instance(x, labels, r, seed)


def _pinned_close_pair_with_different_labels():
    """Two points at squared distance ~1e-8 with different labels, the hardest case for
    the rounding (conditioning ~1e8), kept as an explicit example."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 8))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x[1] = x[0] + 1e-4 * np.eye(8)[0]
    x[1] /= np.linalg.norm(x[1])
    return _instance(x, [0, 3, 1], 4, seed=0)


def _check(instance):
    evidence = CLAIM.check_instance(instance)
    measured = {k: float(v) for k, v in evidence.measured.items()}
    note(f"measured: {measured}")
    margin = float(evidence.margin)
    if np.isfinite(margin):
        # margin = 1 - error / (tolerance * conditioning), or the count's part (1 when equal)
        target(1.0 - margin, label="error / (tolerance * conditioning)")
    return evidence


@example(instance=_pinned_close_pair_with_different_labels())
@given(instance=labelled_point_sets())
def test_construction_memorises_every_drawn_labelling(instance):
    evidence = _check(instance)
    assert verdict(evidence) == HOLDS
    assert float(evidence.measured["hidden_gap"]) > 0


@given(instance=labelled_point_sets(sizes=(40,)), data=st.data())
def test_reordering_the_points_changes_nothing(instance, data):
    """Metamorphic: the points in another order (so other blocks of k) are memorised too,
    with the same construction margins (they are minima over all pairs)."""
    n = instance["x"].shape[0]
    perm = np.asarray(data.draw(st.permutations(range(n)), label="permutation"))
    moved = dict(instance, x=instance["x"][perm], labels=instance["labels"][perm])
    a, b = _check(instance), CLAIM.check_instance(moved)
    assert verdict(a) == verdict(b) == HOLDS
    for name in ("hidden_gap", "final_gap", "min_sq_distance", "parameter_count"):
        np.testing.assert_allclose(float(b.measured[name]), float(a.measured[name]), rtol=1e-12)


@given(instance=labelled_point_sets(classes=(4,)), data=st.data())
def test_renaming_the_classes_renames_the_outputs(instance, data):
    """Metamorphic: classes renamed by pi (labels y -> pi(y), surrogate q_c moved to row
    pi(c)) give the same network up to the order of its output units: N'(x) = P_pi N(x),
    exactly, and the verdict is unchanged."""
    r = instance["q"].shape[0]
    pi = np.asarray(data.draw(st.permutations(range(r)), label="renaming"))
    q = np.empty_like(instance["q"])
    q[pi] = instance["q"]
    labels = pi[instance["labels"].astype(int)].astype(np.float64)
    renamed = dict(instance, labels=labels, q=q)
    assert verdict(_check(instance)) == verdict(CLAIM.check_instance(renamed)) == HOLDS
    construct = jax.jit(hm.construct_resnet)
    net, _ = construct(instance["x"], instance["labels"], instance["A0"], instance["q"])
    net2, _ = construct(instance["x"], labels, instance["A0"], q)
    out = np.asarray(_apply_all(net, instance["x"]))
    out2 = np.asarray(_apply_all(net2, instance["x"]))
    np.testing.assert_array_equal(out2[:, pi], out)
