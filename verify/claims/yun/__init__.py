"""Yun, Sra & Jadbabaie, "Are deep ResNets provably better than linear predictors?" (NeurIPS
2019, arXiv:1907.03922; seed 004, the poster ``shared/seeds/004_b91220a50cbb67a9.txt``).

Four claims, one module each beside the model they share:

* `model`: the multi-block ResNet h_1 = x + V_1 phi^1(x), h_l = h_{l-1} + V_l phi^l(U_l h_{l-1}),
  f = w^T h_L (one-hidden-layer residual functions, tanh or softplus), its empirical risk for
  the square and the logistic loss, and R_lin with a certified optimality gap (`linear_fit`).
* `dichotomy`: the poster's Theorem (``yun/dichotomy``, `Dichotomy`): a critical point meeting
  the two conditions is at least as good as linear or a strict saddle; and its L = 1 case,
  Shamir 2018 (``yun/single-block``, `SingleBlock`). The module docstring derives why it
  holds (and that the full-rank condition is not needed).
* `near_identity`: risk at critical points of near-identity ResNets (``yun/near-identity``,
  `NearIdentityRisk`): R(theta*) <= R_lin + C with C = lambda ((1 + rho/L)^L - 1) ||t*||
  mean ||x|| <= lambda (e^rho - 1) ||t*|| mean ||x||, a constant derived here (not the paper's
  C) from the poster's hypotheses, since the paper's section on near-identity regions cannot
  be read here.
* `rademacher`: the Rademacher complexity of near-identity ReLU ResNets is at most
  e^2 max_i ||x_i|| / sqrt(n) (``yun/rademacher``, `RademacherComplexity`), checked with a
  lower estimate and a one-sided interval.

Every public name of the four modules is re-exported here (``from verify.claims import yun``).
"""

from verify.claims.yun.model import (
    ACTIVATIONS,
    CERTIFICATE_RADII,
    LABEL_NOISE,
    LOSSES,
    NEWTON_STEPS,
    SEED_004,
    Architecture,
    LinearFit,
    activation_codes,
    architecture_of,
    certified_gap,
    empirical_risk,
    flatten_params,
    init_params,
    linear_fit,
    loss_code,
    loss_derivative,
    loss_second_derivative,
    make_data,
    per_sample_loss,
    problem_scales,
    resnet_forward,
    validate_architecture,
)
from verify.claims.yun.dichotomy import (
    FINDER_STEPS,
    KAPPA_CAP,
    SAMPLES,
    STARTS,
    Conditions,
    Dichotomy,
    PointReport,
    SingleBlock,
    dichotomy_at,
    hypothesis_conditions,
    promised_curvature,
    single_block_bound,
)
from verify.claims.yun.near_identity import (
    LINEAR_STEPS,
    LOSS_CODES,
    NEAR_IDENTITY_FINDER_STEPS,
    NEAR_IDENTITY_LOSSES,
    NEAR_IDENTITY_STARTS,
    NearIdentityRisk,
    block_lipschitz,
    block_matrices,
    depth_factor,
    linear_risk,
    loss_lipschitz,
    loss_value,
    near_identity_constant,
    near_identity_features,
    near_identity_risk,
    solve_linear_risk,
    validate_loss,
    w_stationary_probe,
    w_stationary_risk,
)
from verify.claims.yun.rademacher import (
    ASCENT_LR,
    ASCENT_STEPS,
    RADEMACHER_RESTARTS,
    RADEMACHER_SIGNS,
    RademacherComplexity,
    project_onto_class,
    rademacher_bound,
    rademacher_by_depth,
    rademacher_function_bound,
    rademacher_lower_estimate,
    rademacher_sup_estimates,
    relu_resnet,
)

__all__ = [
    # model
    "SEED_004",
    "LOSSES",
    "ACTIVATIONS",
    "Architecture",
    "architecture_of",
    "validate_architecture",
    "init_params",
    "flatten_params",
    "activation_codes",
    "resnet_forward",
    "loss_code",
    "per_sample_loss",
    "loss_derivative",
    "loss_second_derivative",
    "empirical_risk",
    "problem_scales",
    "NEWTON_STEPS",
    "CERTIFICATE_RADII",
    "LinearFit",
    "linear_fit",
    "certified_gap",
    "LABEL_NOISE",
    "make_data",
    # dichotomy
    "Conditions",
    "hypothesis_conditions",
    "promised_curvature",
    "single_block_bound",
    "PointReport",
    "dichotomy_at",
    "KAPPA_CAP",
    "FINDER_STEPS",
    "STARTS",
    "SAMPLES",
    "Dichotomy",
    "SingleBlock",
    # near_identity
    "NEAR_IDENTITY_LOSSES",
    "LOSS_CODES",
    "validate_loss",
    "loss_value",
    "loss_lipschitz",
    "block_matrices",
    "block_lipschitz",
    "near_identity_features",
    "near_identity_risk",
    "linear_risk",
    "LINEAR_STEPS",
    "solve_linear_risk",
    "depth_factor",
    "near_identity_constant",
    "w_stationary_risk",
    "w_stationary_probe",
    "NEAR_IDENTITY_STARTS",
    "NEAR_IDENTITY_FINDER_STEPS",
    "NearIdentityRisk",
    # rademacher
    "relu_resnet",
    "project_onto_class",
    "rademacher_bound",
    "rademacher_function_bound",
    "ASCENT_STEPS",
    "ASCENT_LR",
    "rademacher_sup_estimates",
    "rademacher_lower_estimate",
    "rademacher_by_depth",
    "RADEMACHER_SIGNS",
    "RADEMACHER_RESTARTS",
    "RademacherComplexity",
]
