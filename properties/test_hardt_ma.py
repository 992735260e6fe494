"""Hypothesis searches for counterexamples to the gradient bounds of `verify.claims.hardt_ma`.

The derived bound must hold on every instance drawn with Hypothesis-owned entries
(inconclusive fails the test); the two printed bounds (the seed's equation (6), the paper's
eq. (2.3)) are false, and the search must find a counterexample and shrink it to the
smallest dimensions. The search over each claim's own generator is the registry-wide test
of `properties/test_claims.py`.
"""

import jax
import numpy as np
import pytest
from hypothesis import event, find, given, settings
from hypothesis import strategies as st

from verify import HOLDS, REFUTED, get_claim, verdict
from verify.search import targeted_verdict


_verdict = targeted_verdict


@st.composite
def gradient_bound_instances(draw, *, dims=(1, 2, 3), depths=(1, 2, 3), isotropic=False):
    """(R, Sigma, tau, A) with every entry drawn by Hypothesis, so failures shrink: d and l
    from small sets, Sigma = B B^T + s I (s > 0; Sigma = I when `isotropic`), R and the
    block directions free, each block scaled to spectral norm tau * u_i."""
    d = draw(st.sampled_from(dims))
    l = draw(st.sampled_from(depths))
    floats = lambda lo, hi: st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    entries = lambda n, lo=-3.0, hi=3.0: np.asarray(draw(st.lists(floats(lo, hi), min_size=n, max_size=n)))
    if isotropic:
        sigma = np.eye(d)
    else:
        b = entries(d * d).reshape(d, d)
        shift = draw(floats(1e-2, 10.0))
        sigma = b @ b.T + shift * np.eye(d)
    r = entries(d * d).reshape(d, d)
    tau = draw(floats(0.0, 0.99))
    directions = entries(l * d * d).reshape(l, d, d)
    norms = np.linalg.norm(directions, ord=2, axis=(1, 2))
    u = entries(l, 0.0, 1.0)
    blocks = np.where(norms[:, None, None] > 0, directions / np.where(norms > 0, norms, 1.0)[:, None, None], 0.0)
    blocks = blocks * (tau * u * (1 - 1e-12))[:, None, None]
    return {"R": r, "Sigma": sigma, "tau": np.float64(tau), "A": blocks}


@given(instance=gradient_bound_instances())
def test_derived_gradient_bound_holds(instance):
    assert _verdict(get_claim("hardt-ma/gradient-lower-bound-derived"), instance) == HOLDS


def _smallest_refutation(claim_id, strategy, max_examples=300):
    """`find` searches for an instance the toolkit refutes and shrinks it."""
    claim = get_claim(claim_id)
    return find(
        strategy,
        lambda inst: verdict(claim.check_instance(inst)) == REFUTED,
        settings=settings(max_examples=max_examples, database=None, derandomize=True),
    )


@pytest.mark.parametrize("claim_id", ["hardt-ma/gradient-lower-bound", "hardt-ma/gradient-lower-bound-paper"])
def test_printed_gradient_bounds_are_refuted_and_shrink_to_d1_l1(claim_id):
    """The seed's eq. (6) and the paper's eq. (2.3), as printed: the smallest refutation has
    d = l = 1, where (1 - tau)^(l-1) = (1 - tau)^(2l-2) = 1 and only sigma_min(Sigma)^2 is at
    fault (the bound fails as soon as sigma_min(Sigma) > 1, whatever the dimensions)."""
    smallest = _smallest_refutation(claim_id, gradient_bound_instances())
    assert np.shape(smallest["R"]) == (1, 1)
    assert np.shape(smallest["A"]) == (1, 1, 1)
    assert np.linalg.eigvalsh(smallest["Sigma"])[0] > 1.0
    cert = get_claim(claim_id).certify_refutation(smallest)
    assert cert.status == "certified", cert.reason


@pytest.mark.parametrize("claim_id", ["hardt-ma/gradient-lower-bound", "hardt-ma/gradient-lower-bound-paper"])
@given(instance=gradient_bound_instances())
def test_every_refutation_of_a_printed_bound_is_certified(claim_id, instance):
    """Whatever instance the float64 check refutes, ball arithmetic proves it: both sides
    enclosed, the violation's enclosure above 0, and the hypotheses (tau < 1, Sigma > 0,
    ||A_i|| <= tau) proved. The strategy keeps ||A_i|| a relative 1e-12 inside tau and
    Sigma's smallest eigenvalue >= 1e-2, so no hypothesis sits on its boundary; except for
    a subnormal tau (below 2.2e-308), where the stored entries of A have too few bits to
    stay 1e-12 inside tau: there the certificate must say that ||A_i|| <= tau is undecided
    or false, not certify."""
    claim = get_claim(claim_id)
    refuted = verdict(claim.check_instance(instance)) == REFUTED
    event(f"float64 verdict: {'refuted' if refuted else 'holds'}")
    if refuted:
        cert = claim.certify_refutation(instance)
        if 0 < instance["tau"] < np.finfo(np.float64).tiny and cert.status != "certified":
            event("subnormal tau: ||A_i|| <= tau not proved")
            assert "||A_" in cert.reason and "<= tau" in cert.reason
            return
        assert cert.status == "certified", cert.reason
        assert cert.enclosures["violation"][0] > 0


def test_paper_gradient_bound_is_refuted_with_identity_covariance_from_depth_two():
    """With Sigma = I, sigma_min(Sigma)^2 = sigma_min(Sigma): what remains false in eq. (2.3)
    is the exponent l - 1 of (1 - tau). No counterexample has l = 1 (there the bound is the
    derived one), and the search shrinks one to d = 1, l = 2 with tau > 0; the seed's
    eq. (6), with exponent 2l - 2, holds on it."""
    smallest = _smallest_refutation("hardt-ma/gradient-lower-bound-paper",
                                    gradient_bound_instances(isotropic=True), max_examples=500)
    assert np.shape(smallest["R"]) == (1, 1)
    assert np.shape(smallest["A"]) == (2, 1, 1)
    assert smallest["tau"] > 0
    assert verdict(get_claim("hardt-ma/gradient-lower-bound").check_instance(smallest)) == HOLDS


@given(instance=gradient_bound_instances(depths=(1,), isotropic=True))
def test_paper_gradient_bound_holds_at_depth_one_with_identity_covariance(instance):
    """At l = 1 with Sigma = I the three readings coincide (mu = 4), and hold."""
    assert _verdict(get_claim("hardt-ma/gradient-lower-bound-paper"), instance) == HOLDS


@given(
    instance=gradient_bound_instances(dims=(2, 3)),
    log_c=st.floats(-3.0, 3.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_gradient_bound_ratio_is_invariant_under_rotation_and_rescaling(instance, log_c, seed):
    """Metamorphic: x -> c Q x, y -> c Q y (Sigma -> c^2 Q Sigma Q^T, R -> Q R Q^T,
    A_i -> Q A_i Q^T) multiplies both sides of the derived bound by c^4: the ratio
    ||grad f||^2 / (mu (f - f_opt)) does not change, nor does the verdict."""
    claim = get_claim("hardt-ma/gradient-lower-bound-derived")
    d = np.shape(instance["R"])[0]
    q, _ = np.linalg.qr(np.asarray(jax.random.normal(jax.random.PRNGKey(seed), (d, d))))
    c2 = np.exp(2 * log_c)
    moved = {
        "R": q @ instance["R"] @ q.T,
        "Sigma": c2 * (q @ instance["Sigma"] @ q.T),
        "tau": instance["tau"],
        "A": np.einsum("ij,ljk,mk->lim", q, instance["A"], q),
    }
    moved["Sigma"] = 0.5 * (moved["Sigma"] + moved["Sigma"].T)
    before = claim.check_instance(instance)
    after = claim.check_instance(moved)
    assert verdict(before) == verdict(after) == HOLDS
    ratio = lambda ev: float(ev.measured["ratio"]) / float(ev.measured["mu"])
    excess = float(before.measured["excess_risk"])
    if excess > 1e-8 * float(np.linalg.eigvalsh(instance["Sigma"])[-1]):
        assert abs(ratio(before) - ratio(after)) <= 1e-8 * ratio(before)
