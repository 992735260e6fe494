"""Hardt & Ma, "Identity Matters in Deep Learning" (ICLR 2017, arXiv:1611.04231v3; seed 002,
the review ``shared/seeds/002_56c6572621e81ca1.txt``).

Four modules, arrows one way (`model` <- the others <- this package):

* `model`: the linear residual network P = (I + A_l)...(I + A_1), its population risk
  f(A) = tr((R - P) Sigma (R - P)^T) + noise^2 d and f_opt, the validators, the instance
  generators and the scales the claims share (`SEED_002` too).
* `linear`: the landscape claims of section 2. [1] Theorem 2.2 (the seed's Theorem 1):
  every critical point in B_tau, tau < 1, is global (``hardt-ma/critical-points-global``);
  the gradient lower bound in three readings, [1] eq. (2.3) as printed
  (``hardt-ma/gradient-lower-bound-paper``, refuted), the seed's eq. (6) as printed
  (``hardt-ma/gradient-lower-bound``, refuted) and what the derivation supports
  (``hardt-ma/gradient-lower-bound-derived``, holds); gradient descent in B_tau
  (``hardt-ma/gd-in-ball``); problem (1) convex, problem (2) not (``hardt-ma/nonconvex``).
* `existence`: [1] Theorem 2.1 (the seed's Theorem 2): a global minimiser with
  ||A*|| <= 2 (sqrt(pi) + sqrt(3 gamma))^2 / l exists when l >= 3 gamma, checked on a
  construction that also meets the seed's (4 pi + 3 gamma) / l (``hardt-ma/existence``).
* `expressivity`: [1] Theorem 3.2 (the seed's Theorem 3): a ReLU residual network with
  O(n log n + r^2) parameters memorises n separated points (``hardt-ma/expressivity``).

Every public name of the four modules is re-exported here (``from verify.claims import
hardt_ma``); importing the package registers the eight claims.

References:
  [1] M. Hardt, T. Ma. Identity Matters in Deep Learning. ICLR 2017, arXiv:1611.04231v3.
  [2] G. Li. Identity Matters in Deep Learning (literature review, ELE538B, 2018), the seed
      ``shared/seeds/002_56c6572621e81ca1.txt``.
"""

from verify.claims.hardt_ma.model import (
    SEED_002,
    blocks_in_ball,
    excess_risk,
    flat_excess_risk,
    max_block_norm,
    optimal_risk,
    population_risk,
    problem_scales,
    random_covariance,
    residual_product,
    sigma_min,
    validate_blocks,
    validate_covariance,
    validate_problem,
    validate_target,
    validate_tau,
)
from verify.claims.hardt_ma.linear import (
    FINDER_STEPS,
    GD_RATE_TOL,
    GD_STEPS,
    GRADIENT_PARAMS,
    PROBES,
    STARTS,
    CriticalPointsGlobal,
    GradientDescentInBall,
    GradientLowerBound,
    GradientLowerBoundAsPrinted,
    GradientLowerBoundInPaper,
    NonConvex,
    gradient_descent_trajectory,
    gradient_lower_bound,
    gradient_lower_bound_as_printed,
    gradient_lower_bound_in_paper,
)
from verify.claims.hardt_ma.existence import (
    GAMMA_RTOL,
    WORST_CASES,
    PRINCIPAL_MAX_ANGLE,
    GlobalMinimiserExists,
    best_split,
    worst_case_cost,
    construct_global_minimiser,
    existence_bound,
    existence_bound_review,
    log_condition_gamma,
    negative_determinant_demo,
    psd_root_blocks,
)
from verify.claims.hardt_ma.expressivity import (
    MEMORISATION_TOL,
    SEPARATION_FLOOR,
    UNIT_NORM_TOL,
    WIDTH_PER_LOG,
    ConstructionMargins,
    CountRow,
    MemorisingResnet,
    ResnetMemorises,
    apply_head,
    apply_resnet,
    apply_trunk,
    build_memorising_resnet,
    construct_resnet,
    default_width,
    draw_random_layers,
    first_layer,
    n_log_n_plus_r_squared,
    number_of_blocks,
    parameter_count,
    parameter_count_formula,
    parameter_count_table,
    surrogate_labels,
    validate_points,
)

__all__ = [
    "SEED_002",
    "residual_product",
    "max_block_norm",
    "population_risk",
    "optimal_risk",
    "excess_risk",
    "flat_excess_risk",
    "sigma_min",
    "problem_scales",
    "validate_blocks",
    "validate_target",
    "validate_covariance",
    "validate_tau",
    "validate_problem",
    "random_covariance",
    "blocks_in_ball",
    "gradient_lower_bound",
    "gradient_lower_bound_as_printed",
    "gradient_lower_bound_in_paper",
    "gradient_descent_trajectory",
    "GRADIENT_PARAMS",
    "STARTS",
    "FINDER_STEPS",
    "GD_STEPS",
    "GD_RATE_TOL",
    "PROBES",
    "CriticalPointsGlobal",
    "GradientLowerBound",
    "GradientLowerBoundAsPrinted",
    "GradientLowerBoundInPaper",
    "GradientDescentInBall",
    "NonConvex",
    "PRINCIPAL_MAX_ANGLE",
    "GAMMA_RTOL",
    "existence_bound",
    "existence_bound_review",
    "log_condition_gamma",
    "best_split",
    "WORST_CASES",
    "worst_case_cost",
    "psd_root_blocks",
    "construct_global_minimiser",
    "negative_determinant_demo",
    "GlobalMinimiserExists",
    "MemorisingResnet",
    "ConstructionMargins",
    "CountRow",
    "ResnetMemorises",
    "default_width",
    "number_of_blocks",
    "first_layer",
    "surrogate_labels",
    "draw_random_layers",
    "construct_resnet",
    "build_memorising_resnet",
    "apply_trunk",
    "apply_head",
    "apply_resnet",
    "parameter_count",
    "parameter_count_formula",
    "n_log_n_plus_r_squared",
    "validate_points",
    "parameter_count_table",
    "MEMORISATION_TOL",
    "UNIT_NORM_TOL",
    "SEPARATION_FLOOR",
    "WIDTH_PER_LOG",
]
