"""Initialisation of residual networks: how the output norm and the variance scale with depth.

Statements about expectations over random weights, from lecture 5 section 5.2 (seed 000)
and lecture 6 Remark 6.2 (seed 001); listed in shared/CLAIMS.md, section "Initialisation".
Each is checked twice: exactly, by the closed form of the expectation, and by Monte Carlo
(`verify.statistics`) with a stated false-alarm rate (default 1e-6 per check).

The models.

* Linear residual network (seed 000, Example 5.1): ``y = (I + W^L) ... (I + W^1) x`` with
  ``W^l`` in R^{d x d}, entries i.i.d. N(0, sigma_l^2), independent across layers. One layer
  gives ``E[(I+W)^T (I+W)] = I + E[W^T W] = (1 + d sigma^2) I``, so
  ``E||y||^2 = prod_l (1 + d sigma_l^2) ||x||^2`` (tower property, layer by layer).
* Its layer gains ``G_l = ||z_l||^2 / ||z_{l-1}||^2`` (``z_l`` the output of layer l) are
  independent and identically distributed: W is rotation invariant, so ``(I+W) u`` for a
  unit vector u has the law of ``(I+W) e_1`` whatever u is; ``G_l / sigma^2`` is non-central
  chi-square with d degrees of freedom and non-centrality ``1 / sigma^2``. The Monte Carlo
  check of a product therefore goes through the gains (`verify.statistics.product_evidence`;
  the module docstring there says why the end-to-end product cannot be checked directly).
* One random layer W with a variance profile (seed 001, Remark 6.2): `isometry_second_moment`.
* Balduzzi et al.'s residual network (seed 000, "Scaling of the residuals"): see
  `BalduzziScaling` for the exact model encoded.

All sampled quantities are float64. The same ``mc_key`` gives the same estimate.

Layout: `model` (the networks, samplers, closed forms and input validators), `evidence`
(the parts of the checks and their margins), `claims` (the six claims). Every public name
is re-exported here.
"""

from verify.claims.initialisation.claims import (
    BalduzziScaling,
    IsometryAsPrinted,
    IsometryColumns,
    ResnetOneOverDL,
    ScalarResnet,
    XavierLinearResnet,
)
from verify.claims.initialisation.evidence import linear_resnet_evidence
from verify.claims.initialisation.model import (
    BN_BATCH,
    ENTRY_LAWS,
    MC_BATCH,
    MC_BATCHES,
    VARIANTS,
    balduzzi_chains,
    balduzzi_claimed,
    balduzzi_exact_variance,
    balduzzi_forward,
    expected_gain,
    expected_squared_norm,
    isometry_second_moment,
    linear_resnet_gains,
    linear_resnet_output,
    log_gain_moments,
    matlab_simulation,
    standard_entries,
    validate_depth,
    validate_key,
    validate_scale,
    validate_variance,
    validate_width,
)

__all__ = [
    "MC_BATCHES",
    "MC_BATCH",
    "validate_depth",
    "validate_width",
    "validate_variance",
    "validate_scale",
    "validate_key",
    "linear_resnet_output",
    "linear_resnet_gains",
    "expected_gain",
    "expected_squared_norm",
    "linear_resnet_evidence",
    "matlab_simulation",
    "log_gain_moments",
    "isometry_second_moment",
    "ENTRY_LAWS",
    "standard_entries",
    "BN_BATCH",
    "VARIANTS",
    "balduzzi_forward",
    "balduzzi_chains",
    "balduzzi_exact_variance",
    "balduzzi_claimed",
    "XavierLinearResnet",
    "ScalarResnet",
    "ResnetOneOverDL",
    "IsometryAsPrinted",
    "IsometryColumns",
    "BalduzziScaling",
]
