"""Hypothesis searches for counterexamples to the claims of `verify.claims.matrix_factorisation`
beyond the generic search over each claim's own instances (properties/test_claims.py).

Each test draws instances with a strategy of its own (the instance arrays themselves, so
that a failure shrinks to the smallest M or w; or a metamorphic transformation), runs the
claim's check, steers towards the smallest margin with `target`, and asserts the verdict
the toolkit expects: *holds* for true statements (an inconclusive result fails the test:
it is not a pass), and for a false statement that the search *finds* the counterexample.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import example, find, given, settings
from hypothesis import strategies as st

from verify import HOLDS, REFUTED, get_claim, verdict
from verify.search import instances, psd_matrices, targeted_verdict


_holds = targeted_verdict


@given(m=psd_matrices(), seed=st.integers(0, 2**31 - 1))
def test_mf_sosp_global_on_drawn_matrices(m, seed):
    """M's entries are drawn by Hypothesis (so a failure shrinks to the smallest M)."""
    claim = get_claim("mf/sosp-global")
    n = m.shape[0]
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    lam_max = np.linalg.eigvalsh(m)[-1]
    scale = np.sqrt(lam_max) if lam_max > 0 else 1.0  # starts at the problem's length scale
    instance = {
        "M": m,
        "starts": np.asarray(jax.random.normal(k1, (16, n))) * scale,
        "probe": np.asarray(jax.random.normal(k2, (n,))) * scale,
    }
    result = _holds(claim, instance)
    # M = 0 (all-zero B) has every eigenvalue 0: the only critical point is u = 0, which is
    # global. It is a legitimate instance; it must hold too, not be skipped.
    assert result == HOLDS


@given(
    w=st.lists(
        st.floats(-1e6, 0.0, exclude_max=True, allow_nan=False), min_size=16, max_size=16
    ),
    seed=st.integers(0, 2**31 - 1),
)
def test_act_relu_every_negative_w_is_a_non_global_sosp(w, seed):
    claim = get_claim("act/relu")
    instance = {
        "w": np.asarray(w).reshape(16, 1),
        "starts": 3.0 * np.asarray(jax.random.normal(jax.random.PRNGKey(seed), (16, 1))),
    }
    assert _holds(claim, instance) == HOLDS


@given(w=st.lists(st.floats(-30.0, 30.0, allow_nan=False), min_size=32, max_size=32))
def test_act_sigmoid_has_no_critical_point(w):
    assert _holds(get_claim("act/sigmoid"), {"w": np.asarray(w)}) == HOLDS


def test_act_sigmoid_approximate_is_refuted_by_the_search():
    """The tolerance reading of "SOSP is global" for the sigmoid is false: Hypothesis must
    find a start from which the finder reaches the plateau w -> -inf (F ~ 1), and shrink it."""
    claim = get_claim("act/sigmoid-approximate")
    assert claim.expected == REFUTED

    def refuted(w0):
        return verdict(claim.check_instance({"starts": np.full((4, 1), w0)})) == REFUTED

    w0 = find(
        st.floats(-50.0, 50.0, allow_nan=False),
        refuted,
        settings=settings(max_examples=200, deadline=None, derandomize=True),
    )
    evidence = claim.check_instance({"starts": np.full((4, 1), w0)})
    assert verdict(evidence) == REFUTED
    assert float(evidence.measured["max_loss_at_sosp"]) > 0.99  # on the plateau, F ~ 1
    assert float(evidence.measured["w_at_worst_sosp"]) < -15.0


@example(w0=-20.0)  # found by Hypothesis (shrunk start of the refutation above)
@given(w0=st.floats(-50.0, -20.0))
def test_act_sigmoid_approximate_plateau_starts_are_counterexamples(w0):
    claim = get_claim("act/sigmoid-approximate")
    assert verdict(claim.check_instance({"starts": jnp.full((4, 1), w0)})) == REFUTED


@given(
    drawn=instances(get_claim("mf/sosp-global")),
    log_c=st.floats(-6.0, 6.0),
    perm_seed=st.integers(0, 2**31 - 1),
)
def test_mf_sosp_global_verdict_is_invariant_under_rescaling_and_rotation(drawn, log_c, perm_seed):
    """Metamorphic: M -> c Q M Q^T (starts and probe rotated and scaled by sqrt c) is the
    same problem; the verdict must not change. (Which critical point each start reaches
    may change: the finder's damping is not scale-covariant, so counts are not compared.)"""
    _, _, instance = drawn
    claim = get_claim("mf/sosp-global")
    n = instance["M"].shape[0]
    q, _ = np.linalg.qr(np.asarray(jax.random.normal(jax.random.PRNGKey(perm_seed), (n, n))))
    c = 10.0**log_c
    moved = {
        "M": c * q @ np.asarray(instance["M"]) @ q.T,
        "starts": np.sqrt(c) * np.asarray(instance["starts"]) @ q.T,
        "probe": np.sqrt(c) * q @ np.asarray(instance["probe"]),
    }
    moved["M"] = 0.5 * (moved["M"] + moved["M"].T)
    a, b = claim.check_instance(instance), claim.check_instance(moved)
    assert verdict(a) == verdict(b) == HOLDS
    assert float(a.measured["lambda_max_M"]) * c == pytest.approx(float(b.measured["lambda_max_M"]), rel=1e-12)
