"""Liu et al. and Du et al.: the two-layer non-overlapping convolutional network (seed 003).

Setting (seed 003, section 2). Inputs Z = (Z_1, ..., Z_k), Z_j in R^p i.i.d. N(0, I_p).
The teacher is g(v*, a*, Z) = sum_j a*_j relu(Z_j^T v*) with ||v*|| = 1 (eq. (4)); the
student with the average-pooling shortcut 1/sqrt p (1 the all-ones vector) and batch
normalisation is (eq. (6))

    f(w, a, Z) = sum_j a_j relu(Z_j^T v / ||v||),   v = 1/sqrt p + w  (v != 0),

and the population loss is L(w, a) = 1/2 E_Z (g(v*, a*, Z) - f(w, a, Z))^2 (eq. (7)).
Without the shortcut (Du et al. 2017) the same network is parametrised by v itself; the
loss is the same function of v, so `population_loss_v` serves both.

Closed form (`population_loss`). For z ~ N(0, I_p) and non-zero u, v with angle theta,
Du et al. (and Cho & Saul 2009) give

    E[relu(z.u) relu(z.v)] = ||u|| ||v|| (sin theta + (pi - theta) cos theta) / (2 pi),

and for independent Z_j, Z_l (j != l) E[relu(Z_j.u)] E[relu(Z_l.v)] = ||u|| ||v|| / (2 pi).
With u = v/||v||, c = cos theta(u, v*) and h(c) = sqrt(1 - c^2) + (pi - arccos c) c:

    L(w, a) = 1/(4 pi) [ a^T (1 1^T + (pi - 1) I) a - 2 a^T (1 1^T + (h(c) - 1) I) a*
                         + a*^T (1 1^T + (pi - 1) I) a* ].

Derivatives at parallel and antiparallel points. h'(c) = pi - arccos c is finite on
[-1, 1], but autodiff through arccos divides 0 by 0 at c = +-1, and h''(c) = 1/sqrt(1-c^2)
is infinite there. In L it is multiplied by (grad c)(grad c)^T, which vanishes like
sin^2 theta, so the Hessian of L is finite and continuous (L is C^2; its third derivatives
jump at theta = 0 and pi, where L - L(theta = pi) ~ -(a^T a*) theta'^3 / (6 pi),
theta' = pi - theta). `_h` carries a `jax.custom_jvp` with derivative `_pi_minus_arccos`,
whose own custom derivative dc / sqrt(1 - c^2) is taken as 0 where 1 - c^2 = 0 in floating
point; there dc (= grad c . t) is zero up to rounding, so the product is the limit above.
In floating point 1 - c^2 is either 0 or >= 2^-52 near c = +-1, so the guarded quotient
never exceeds |dc| * 2^26.

Layout: `model` holds the mathematics (the loss, its custom derivatives, the optima,
gradient descent, the trap probability, validators and scales); `claims` the six claims
and their instance generators. Every public name of both is re-exported here.

Claims (ids as in ``shared/CLAIMS.md``):

* `PopulationLoss` (``liu/population-loss``): the closed form against Monte Carlo, finite
  gradients and Hessians everywhere, including the parallel and antiparallel points.
* `OptimaAsPrinted` (``liu/optima``): Proposition 1 as printed: false (expected refuted).
* `OptimaDerived` (``liu/optima-derived``): Proposition 1 with the condition it needs,
  (1^T a*)^2 < (k + pi - 1) ||a*||^2 / pi (or p = 1), derived in `spurious_curvature`.
* `ShortcutPrior` (``liu/shortcut-prior``): Assumption 1 implies (1/sqrt p)^T v* >= 1/2.
* `NormalisedGradientDescent` (``liu/gd-normalised``): the main theorem's GD with the
  normalisation of eq. (8) from w0 = 0, a0 in the ball, converges to the global optimum.
* `RandomInitTrap` (``du/random-init-trap``): the footnote's probability in [1/4, 3/4].

References:
  [1] T. Liu, M. Chen, M. Zhou, S. S. Du, E. Zhou, T. Zhao. Towards Understanding the
      Importance of Shortcut Connections in Residual Networks. NeurIPS 2019,
      arXiv:1909.04653v3: Proposition 1, Assumption 1, equation (8), the main theorem;
      the seed ``shared/seeds/003_af212ce39d233884.txt`` (the excerpt these claims quote).
  [2] S. S. Du, J. D. Lee, Y. Tian, B. Poczos, A. Singh. Gradient Descent Learns
      One-hidden-layer CNN: Don't be Afraid of Spurious Local Minima. ICML 2018,
      arXiv:1712.00779v2 (the kernel formula and the spurious optimum).
  [3] Y. Cho, L. Saul. Kernel Methods for Deep Learning. NIPS 2009 (the arc-cosine kernel
      of degree 1, the formula for E[relu(z.u) relu(z.v)]).
"""

from verify.claims.liu.claims import (
    GD_STEPS,
    MC_BATCH,
    MC_BATCHES,
    RANDOM_STARTS,
    TRAP_INTERVAL,
    TRAP_RUNS,
    TRAP_STEPS,
    NormalisedGradientDescent,
    OptimaAsPrinted,
    OptimaDerived,
    PopulationLoss,
    RandomInitTrap,
    ShortcutPrior,
)
from verify.claims.liu.model import (
    SEED_003,
    angle_to,
    arb_population_loss,
    arb_spurious_point,
    loss_scale,
    monte_carlo_loss,
    normalised_gd,
    optimum_hessian,
    population_loss,
    population_loss_v,
    random_starts,
    relu_kernel,
    spurious_curvature,
    spurious_is_local_minimum,
    spurious_output_weights,
    stage_boundary,
    step_sizes,
    trap_probability,
    validate_student,
    validate_teacher,
)
# Moved to verify.statistics (a general interval); kept here for code that imported it from liu.
from verify.statistics import wilson_interval

__all__ = [
    "arb_population_loss",
    "arb_spurious_point",
    "SEED_003",
    "relu_kernel",
    "population_loss",
    "population_loss_v",
    "monte_carlo_loss",
    "spurious_output_weights",
    "spurious_curvature",
    "spurious_is_local_minimum",
    "optimum_hessian",
    "angle_to",
    "normalised_gd",
    "step_sizes",
    "stage_boundary",
    "random_starts",
    "loss_scale",
    "trap_probability",
    "wilson_interval",
    "validate_teacher",
    "validate_student",
    "MC_BATCHES",
    "MC_BATCH",
    "GD_STEPS",
    "RANDOM_STARTS",
    "TRAP_RUNS",
    "TRAP_STEPS",
    "TRAP_INTERVAL",
    "PopulationLoss",
    "OptimaAsPrinted",
    "OptimaDerived",
    "ShortcutPrior",
    "NormalisedGradientDescent",
    "RandomInitTrap",
]
