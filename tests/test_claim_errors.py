"""Bad input raises a specific exception naming the argument, the expectation and the value."""

import re

import numpy as np
import pytest

from verify import InvalidInstanceError, UnknownClaimError, get_claim, sweep
from verify.claims.base import Claim, compare, register


def _sosp_instance(m, n=None):
    n = np.shape(m)[0] if n is None else n
    return {"M": np.asarray(m, float), "starts": np.ones((4, n)), "probe": np.ones(n)}


def test_non_symmetric_m():
    with pytest.raises(InvalidInstanceError, match=re.escape("M must be symmetric positive semidefinite; relative asymmetry")):
        get_claim("mf/sosp-global").check_instance(_sosp_instance([[1.0, 2.0], [0.0, 1.0]]))


def test_non_psd_m():
    with pytest.raises(InvalidInstanceError, match=re.escape("M must be symmetric positive semidefinite; smallest eigenvalue is -1")):
        get_claim("mf/sosp-global").check_instance(_sosp_instance([[1.0, 0.0], [0.0, -1.0]]))


def test_non_square_m():
    with pytest.raises(InvalidInstanceError, match=re.escape("M must be a square matrix; got shape (2, 3)")):
        get_claim("mf/sosp-global").check_instance({"M": np.ones((2, 3)), "starts": np.ones((4, 2)), "probe": np.ones(2)})


def test_mismatched_starts():
    with pytest.raises(InvalidInstanceError, match=re.escape("starts must have shape (k, 2) to match M of shape (2, 2); got (4, 3)")):
        get_claim("mf/sosp-global").check_instance(_sosp_instance(np.eye(2)) | {"starts": np.ones((4, 3))})


def test_mismatched_factor_shapes():
    inst = {"A": np.ones((3, 3)), "XY": np.ones(5), "T": np.eye(2), "starts": np.ones((2, 12))}
    with pytest.raises(InvalidInstanceError, match=re.escape("XY must have shape (12,); got (5,)")):
        get_claim("mf/symmetry").check_instance(inst)


def test_singular_t():
    inst = {"A": np.ones((3, 3)), "XY": np.ones(12), "T": np.zeros((2, 2)), "starts": np.ones((2, 12))}
    with pytest.raises(InvalidInstanceError, match=re.escape("T must be invertible")):
        get_claim("mf/symmetry").check_instance(inst)


def test_relu_points_must_be_negative():
    inst = {"w": np.array([[-1.0], [0.5]]), "starts": np.zeros((2, 1))}
    with pytest.raises(InvalidInstanceError, match=re.escape("w must be negative (the claim is about w < 0); largest entry is 0.5")):
        get_claim("act/relu").check_instance(inst)


def test_inf_in_instance():
    inst = _sosp_instance(np.eye(2))
    inst["probe"] = np.array([np.inf, 0.0])
    with pytest.raises(InvalidInstanceError, match=re.escape("instance arrays must be finite; found NaN or inf in probe (1 non-finite entries)")):
        get_claim("mf/sosp-global").check_instance(inst)


def test_unknown_claim_id_suggests_close_ids():
    with pytest.raises(UnknownClaimError, match=re.escape("unknown claim id 'mf/scalr'; did you mean mf/scalar")):
        get_claim("mf/scalr")


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_sweep_rejects_bad_n(n):
    with pytest.raises(ValueError, match=re.escape(f"n must be a positive integer; got {n!r}")):
        sweep(get_claim("mf/scalar"), n)


def test_compare_rejects_unknown_kind():
    with pytest.raises(ValueError, match=re.escape("kind must be 'identity', 'upper' or 'lower'; got 'equal'")):
        compare(1.0, 1.0, "equal", 1e-9)


def test_register_rejects_an_incomplete_claim():
    class Bad(Claim):
        id = "no-slash"

    with pytest.raises(ValueError, match=re.escape("id must look like 'paper/short-name'; got 'no-slash'")):
        register(Bad)
