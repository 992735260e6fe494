"""Unit tests of the memorising residual network of Hardt & Ma, Theorem 3.2 (`hardt-ma/expressivity`)."""

import dataclasses
import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import verify
from verify import HOLDS, INCONCLUSIVE, InvalidInstanceError, get_claim, verdict
from verify.claims.hardt_ma import expressivity as hm

CLAIM_ID = "hardt-ma/expressivity"


def _sphere(seed, n, d):
    x = np.random.default_rng(seed).standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


_APPLY = jax.jit(jax.vmap(hm.apply_resnet, in_axes=(None, 0)))


def _outputs(net, x):
    return np.asarray(_APPLY(net, jnp.asarray(x)))


def _build(x, labels, r, seed=0, k=None):
    """The network and its margins, through the public entry point (validation included)."""
    return hm.build_memorising_resnet(x, labels, r, jax.random.PRNGKey(seed), k=k, with_margins=True)


def _assert_memorises(net, margins, x, labels, r, atol=1e-11):
    out = _outputs(net, x)
    target = np.eye(r)[np.asarray(labels)]
    err = np.max(np.abs(out - target))
    assert float(margins.hidden_gap) > 0 and float(margins.final_gap) > 0
    assert err <= hm.MEMORISATION_TOL * float(margins.conditioning)
    assert err <= atol, f"max |N(x_i) - e_y_i| = {err:.3g}"
    # Every unit of the last block that should stay off gives an exact 0.
    assert np.all(out[target == 0] == 0.0)
    np.testing.assert_array_equal(np.argmax(out, axis=1), labels)
    n, d = np.shape(x)
    assert hm.parameter_count(net) == hm.parameter_count_formula(n, d, r, net.width)


@pytest.mark.parametrize("n", [1, 2, 16, 100, 1000])
def test_memorises_every_point_exactly(n):
    r = 10
    x = _sphere(n, n, 8)
    labels = np.random.default_rng(n + 1).integers(0, r, n)
    net, margins = _build(x, labels, r, seed=n)
    assert net.width == hm.default_width(n, 8, r) and net.blocks == math.ceil(n / net.width)
    _assert_memorises(net, margins, x, labels, r)


def test_build_memorising_resnet_public_entry_point():
    x = _sphere(0, 40, 5)
    labels = np.arange(40) % 3
    net = hm.build_memorising_resnet(x, labels, 3, jax.random.PRNGKey(0))
    assert isinstance(net, hm.MemorisingResnet)
    np.testing.assert_allclose(_outputs(net, x), np.eye(3)[labels], rtol=0, atol=1e-12)
    with pytest.raises(dataclasses.FrozenInstanceError):
        net.a0 = None


@pytest.mark.parametrize("labelling", ["constant", "alternating", "blocks_of_one_class", "random"])
def test_any_labelling(labelling):
    n, r = 200, 4
    x = _sphere(7, n, 6)
    labels = {
        "constant": np.zeros(n, int),
        "alternating": np.arange(n) % r,
        "blocks_of_one_class": (np.arange(n) // 50) % r,
        "random": np.random.default_rng(3).integers(0, r, n),
    }[labelling]
    net, margins = _build(x, labels, r)
    _assert_memorises(net, margins, x, labels, r)


def test_one_class():
    x = _sphere(1, 64, 4)
    labels = np.zeros(64, int)
    net, margins = _build(x, labels, 1)
    assert float(margins.final_gap) == pytest.approx(1.0)
    _assert_memorises(net, margins, x, labels, 1)


def test_every_point_its_own_class():
    n = 500
    x = _sphere(2, n, 8)
    labels = np.random.default_rng(2).permutation(n)
    net, margins = _build(x, labels, n)
    _assert_memorises(net, margins, x, labels, n)


def test_close_points_memorise_within_the_conditioning():
    """rho ~ 1e-8: the error grows like 1/rho (rounding amplified) but stays within the tolerance."""
    base = _sphere(3, 20, 5)
    near = base + 1e-4 * np.random.default_rng(4).standard_normal(base.shape)
    x = np.concatenate([base, near / np.linalg.norm(near, axis=1, keepdims=True)])
    labels = np.concatenate([np.zeros(20, int), np.ones(20, int)])  # near pairs disagree
    net, margins = _build(x, labels, 2)
    assert float(margins.min_sq_distance) < 1e-7
    _assert_memorises(net, margins, x, labels, 2, atol=1e-5)


def test_johnson_lindenstrauss_regime_k_below_d():
    """k = 64 < d = 256: A_0 is Gaussian (the proof's), and the construction still memorises."""
    n, d, r = 1000, 256, 10
    x = _sphere(5, n, d)
    labels = np.random.default_rng(5).integers(0, r, n)
    net, margins = _build(x, labels, r, k=64)
    assert net.a0.shape == (64, d)
    _assert_memorises(net, margins, x, labels, r)


def test_failed_random_projection_is_inconclusive_not_refuted():
    """k = 32 < d = 64 is too narrow for these 1000 points: the Gaussian A_0 drawn here leaves
    a point inside the others' reach (negative margin). The proof only promises success with
    high probability for k >= c log(n) / rho^2, so this is no counterexample: inconclusive."""
    n, d, k, r = 1000, 64, 32, 10
    x = _sphere(0, n, d)
    inst = {
        "x": x,
        "labels": np.random.default_rng(0).integers(0, r, n).astype(float),
        "A0": np.asarray(hm.first_layer(jax.random.PRNGKey(0), k, d)),
        "q": np.asarray(hm.surrogate_labels(jax.random.PRNGKey(1), r, k)),
    }
    ev = get_claim(CLAIM_ID).check_instance(inst)
    assert float(ev.measured["hidden_gap"]) < 0
    assert verdict(ev) == INCONCLUSIVE


def test_lemma_b1_uniform_threshold_as_printed_can_fire_outside_s():
    """Lemma B.1's hypotheses (squared norms in [1 - rho', 1 + rho'], squared distances >= 3 rho')
    allow <alpha_1, alpha_2> = 1 - rho'/2 > 1 - 2 rho', the printed threshold: unit 1 then fires
    on alpha_2 (not in S). A threshold inside unit 1's own margin does not."""
    rho = 0.1
    norm2 = 1 + rho
    cos = 1 - 3 * rho / (2 * norm2)  # ||a1 - a2||^2 = 2 norm2 (1 - cos) = 3 rho
    a1 = math.sqrt(norm2) * np.array([1.0, 0.0])
    a2 = math.sqrt(norm2) * np.array([cos, math.sqrt(1 - cos**2)])
    assert np.sum((a1 - a2) ** 2) == pytest.approx(3 * rho)
    printed = 1 - 2 * rho
    assert a1 @ a2 - printed == pytest.approx(1.5 * rho)  # > 0: fires outside S
    gamma = a1 @ a1 - a1 @ a2
    own = a1 @ a1 - gamma / 2
    assert a1 @ a2 - own < 0 < a1 @ a1 - own


def test_printed_threshold_fires_on_the_closest_pair():
    """The proof of Theorem 3.2 takes rho' = rho / 3 and Lemma B.1's threshold 1 - 2 rho'.
    Even with an exactly isometric A_0 (z_i = x_i up to rotation), the closest pair has
    <z_i, z_j> = 1 - rho/2 > 1 - 2 rho/3 when rho is the data's own separation: the printed
    unit i fires on z_j, which it must not. The threshold used here (halfway into each unit's
    own margin) stays off, and the printed one works only for rho <= 3/4 of the separation."""
    n, d, r = 50, 4, 3
    x = _sphere(12, n, d)
    net, margins = _build(x, np.arange(n) % r, r)
    z = x @ np.asarray(net.a0).T
    inner = z @ z.T
    np.fill_diagonal(inner, -np.inf)
    rho = float(margins.min_sq_distance)
    printed = 1 - 2 * (rho / 3)
    assert np.max(inner) == pytest.approx(1 - rho / 2, abs=1e-12)
    assert np.sum(inner > printed) >= 2  # both units of the closest pair fire on the other
    assert np.sum(inner > 1 - 2 * (0.74 * rho / 3)) == 0  # rho taken 26% below the separation
    used = np.asarray(net.u).reshape(-1, net.width)[:n] @ z.T + np.asarray(net.s).reshape(-1)[:n, None]
    np.fill_diagonal(used, -np.inf)
    assert np.max(used) < 0


def test_parameter_count_matches_the_formula():
    # (the memorisation tests above check it on every network they build, too)
    for n, d, r, k in [(1, 3, 1, 2), (17, 4, 3, 4), (100, 30, 7, 9)]:
        x = _sphere(n, n, d)
        labels = np.arange(n) % r
        k = hm.default_width(n, d, r) if k is None else k
        net = hm.build_memorising_resnet(x, labels, r, jax.random.PRNGKey(0), k=k)
        l = math.ceil(n / k)
        assert net.blocks == l and net.width == k
        expected = k * d + l * (2 * k * k + k) + (k * r + r * r + r)
        assert hm.parameter_count(net) == hm.parameter_count_formula(n, d, r, k) == expected


def test_ratio_to_n_log_n_plus_r_squared_is_bounded():
    # The formula with the default width, far beyond what we build: the ratio tends to
    # 2 * WIDTH_PER_LOG = 8 and stays below 16.
    d, r = 8, 10
    ratios = []
    for n in [16, 100, 10**3, 10**4, 10**5, 10**6, 10**7]:
        k = hm.default_width(n, d, r)
        ratios.append(hm.parameter_count_formula(n, d, r, k) / hm.n_log_n_plus_r_squared(n, r))
    assert max(ratios) < 16 and min(ratios) > 4
    # Built networks (the table), which also memorise.
    rows = hm.parameter_count_table(ns=(16, 1000), d=d, r=r)
    for row in rows:
        assert row.count == hm.parameter_count_formula(row.n, d, r, row.k)
        assert row.ratio == pytest.approx(row.count / (row.n * math.log(row.n) + r * r))
        assert row.ratio < 16
        assert row.max_label_error < 1e-6
    assert max(row.ratio for row in rows) / min(row.ratio for row in rows) < 1.5


def test_claim_holds_on_its_grid_under_the_sweep():
    claim = get_claim(CLAIM_ID)
    assert claim.kind == "existence" and "Theorem 3.2" in claim.source
    # One vectorised instance (params[0]); the property tests draw from the whole grid.
    result = verify.sweep(claim, 1, seed=1)
    assert result.verdict == HOLDS, result.measured
    assert result.smallest_margin > 0.5  # error below half its tolerance
    worst = result.measured
    assert float(worst["parameter_count"]) == float(worst["parameter_count_reference"])
    assert float(worst["max_label_error"]) < 1e-6


def test_apply_resnet_is_jittable_and_vmappable():
    x = _sphere(9, 30, 5)
    labels = np.arange(30) % 4
    net = hm.build_memorising_resnet(x, labels, 4, jax.random.PRNGKey(2))
    apply_one = jax.jit(hm.apply_resnet)
    one_by_one = np.stack([np.asarray(apply_one(net, jnp.asarray(p))) for p in x])
    np.testing.assert_allclose(_outputs(net, x), one_by_one, rtol=0, atol=1e-12)
    np.testing.assert_allclose(one_by_one, np.eye(4)[labels], rtol=0, atol=1e-12)


# ------------------------------------------------------------------------- bad input


def _good(n=5, d=3, r=2):
    return _sphere(0, n, d), np.arange(n) % r, r


def _raises(message, x, labels, r, k=None):
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        hm.build_memorising_resnet(x, labels, r, jax.random.PRNGKey(0), k=k)


def test_no_points():
    _raises("x must be an (n, d) array of n >= 1 points as rows; got shape (0, 3)", np.zeros((0, 3)), np.zeros(0), 2)


def test_x_of_wrong_shape():
    _raises("x must be an (n, d) array of n >= 1 points as rows; got shape (4,)", np.ones(4), np.zeros(4), 2)


def test_x_not_finite():
    x, labels, r = _good()
    x[1, 2] = np.nan
    _raises("x must be finite; found 1 NaN or inf entries", x, labels, r)


def test_x_not_unit_norm():
    x, labels, r = _good()
    x[3] *= 2.0
    _raises("x must hold unit-norm points (||x_i|| = 1 within 1e-10); ||x_3|| = 2", x, labels, r)
    x[3] *= 0.5 * (1 + 1e-9)
    _raises("||x_3|| = 1.000000001", x, labels, r)


def test_points_not_separated():
    x, labels, r = _good()
    x[4] = x[1]
    _raises(
        "x must hold separated points (Assumption 3.1: ||x_i - x_j||^2 >= rho with rho >= 1e-10); "
        "closest pair (1, 4) has ||x_i - x_j||^2 = 0",
        x, labels, r,
    )


def test_labels_out_of_range():
    x, labels, r = _good()
    labels[2] = 2
    _raises("labels must be integers in [0, 2) (r = 2 classes); found 2", x, labels, r)
    labels[2] = -1
    _raises("labels must be integers in [0, 2) (r = 2 classes); found -1", x, labels, r)


def test_labels_not_integers_or_of_wrong_shape():
    x, labels, r = _good()
    _raises("labels must be integers in [0, 2); found 0.5", x, labels + 0.5, r)
    _raises("labels must have shape (5,) to match x; got (4,)", x, labels[:4], r)


@pytest.mark.parametrize("r", [0, -1, 1.5, True])
def test_r_below_one(r):
    x, labels, _ = _good()
    _raises(f"r must be an integer >= 1; got {r!r}", x, labels, r)


def test_bad_width():
    x, labels, r = _good()
    _raises("k must be an integer >= 1; got 0", x, labels, r, k=0)


def test_several_violations_are_reported_together():
    x, labels, r = _good()
    x[0] *= 3.0
    labels[1] = 7
    with pytest.raises(InvalidInstanceError, match=re.escape("||x_0|| = 3") + ".*" + re.escape("found 7")):
        hm.build_memorising_resnet(x, labels, r, jax.random.PRNGKey(0))


def _instance(n=16, d=4, r=3, k=12):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((r, k))
    return {
        "x": _sphere(0, n, d),
        "labels": (np.arange(n) % r).astype(float),
        "A0": np.linalg.qr(rng.standard_normal((k, d)))[0],
        "q": q / np.linalg.norm(q, axis=1, keepdims=True),
    }


def test_instance_with_mismatched_first_layer():
    claim = get_claim(CLAIM_ID)
    inst = _instance()
    inst["A0"] = np.ones((5, 4))
    with pytest.raises(InvalidInstanceError, match=re.escape("A0 must have shape (k, d) = (12, 4) to match q (3, 12) and x (16, 4); got (5, 4)")):
        claim.check_instance(inst)


def test_instance_labels_out_of_range():
    claim = get_claim(CLAIM_ID)
    inst = _instance()
    inst["labels"] = np.full(16, 3.0)
    with pytest.raises(InvalidInstanceError, match=re.escape("labels must be integers in [0, 3) (r = 3 classes); found 3")):
        claim.check_instance(inst)
