"""Bad input for the claims of `verify.claims.matrix_factorisation` (lecture notes 5.3, 6.3):
each validator names the argument, what it expected and what it found, and names every
problem of an instance at once. (The mf/sosp-global messages are in test_claim_errors.py.)
"""

import re

import numpy as np
import pytest

from verify import InvalidInstanceError, get_claim


@pytest.mark.parametrize(
    "claim_id, instance, message",
    [
        ("mf/scalar", {"starts": np.ones((4, 3))}, "starts must have shape (k, 2) with k >= 1 starting points; got (4, 3)"),
        ("mf/gd-avoids-saddle", {"starts": np.ones(2)}, "starts must have shape (k, 2) with k >= 1 starting points; got (2,)"),
        ("act/square", {"starts": np.ones((0, 1))}, "starts must have shape (k, 1) with k >= 1 starting points; got (0, 1)"),
        ("act/sigmoid-approximate", {"starts": np.ones((4, 2))}, "starts must have shape (k, 1) with k >= 1 starting points; got (4, 2)"),
        ("act/sigmoid", {"w": np.ones((4, 1))}, "w must have shape (k,) with k >= 1 points; got (4, 1)"),
    ],
)
def test_starts_and_points_must_have_their_shapes(claim_id, instance, message):
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        get_claim(claim_id).check_instance(instance)


def test_relu_names_every_problem_at_once():
    inst = {"w": np.array([[-1.0], [0.5]]), "starts": np.zeros((2, 2))}
    with pytest.raises(
        InvalidInstanceError,
        match=re.escape(
            "w must be negative (the claim is about w < 0); largest entry is 0.5; "
            "starts must have shape (k, 1) with k >= 1 starting points; got (2, 2)"
        ),
    ):
        get_claim("act/relu").check_instance(inst)


def test_symmetry_names_every_problem_at_once():
    inst = {"A": np.ones((3, 3)), "XY": np.ones(5), "T": np.zeros((2, 2)), "starts": np.ones((2, 7))}
    with pytest.raises(
        InvalidInstanceError,
        match=re.escape(
            "XY must have shape (12,); got (5,); starts must have shape (k, 12) with k >= 1 "
            "starting points; got (2, 7); T must be invertible; got a singular matrix"
        ),
    ):
        get_claim("mf/symmetry").check_instance(inst)


def test_sosp_global_names_starts_and_probe_at_once():
    inst = {"M": np.eye(2), "starts": np.ones((4, 3)), "probe": np.ones(3)}
    with pytest.raises(
        InvalidInstanceError,
        match=re.escape(
            "starts must have shape (k, 2) to match M of shape (2, 2); got (4, 3); probe must have shape (2,); got (3,)"
        ),
    ):
        get_claim("mf/sosp-global").check_instance(inst)


def test_sigmoid_plateau_refutation_is_certified():
    """The approximate SOSP the search finds on the plateau: |F'|, F'' within the claim's
    tolerances and F ~ 1, all proved in ball arithmetic."""
    from verify import make_instance, sweep

    claim = get_claim("act/sigmoid-approximate")
    res = sweep(claim, 8, seed=0)
    cert = claim.certify_refutation(make_instance(claim, 0, res.worst_index))
    assert cert.status == "certified", cert.reason
    assert cert.enclosures["lhs"][0] > 0.99
