"""Matrix factorisation and 1-D landscapes: lecture notes 5.3 (seed 000) and 6.3 (seed 001).

Claims (ids as in ``shared/CLAIMS.md``):

* `ScalarFactorisation` (``mf/scalar``): critical points of (1 - uv)^2.
* `GradientDescentAvoidsSaddle` (``mf/gd-avoids-saddle``): Remark 5.1 (Lee et al. 2016).
* `SospIsGlobal` (``mf/sosp-global``): Proposition 5.1, ||M - uu^T||_F^2.
* `ReluSospNotGlobal` (``act/relu``), `SquareSospGlobal` (``act/square``),
  `SigmoidSospGlobal` (``act/sigmoid``), `SigmoidApproximateSospGlobal`
  (``act/sigmoid-approximate``): F(w) = (1 - phi(w))^2.
* `FactorisationSymmetry` (``mf/symmetry``): ||A - XY||_F^2 and (X, Y) -> (XT, T^{-1}Y).

Layout: `verify.claims.matrix_factorisation.model` holds the losses, the derived gradient and
Hessian formulas and what the claims share; `verify.claims.matrix_factorisation.factorisation`
the ``mf/`` claims and `verify.claims.matrix_factorisation.activations` the ``act/`` claims.
Every public name is re-exported here.

References:
  [1] Lecture notes "ResNet Initialization and Landscape Analysis", section 5.3
      (seed ``shared/seeds/000_45be778ffb0540d2.txt``).
  [2] Lecture notes on the landscape of non-linear networks, section 6.3
      (seed ``shared/seeds/001_749c64abaf8f8510.txt``).
  [3] J. D. Lee, M. Simchowitz, M. I. Jordan, B. Recht. Gradient Descent Only Converges to
      Minimizers. COLT 2016, Theorem 4.1.
"""

from verify.claims.matrix_factorisation.activations import (
    NOT_GLOBAL_TOL,
    ReluSospNotGlobal,
    SigmoidApproximateSospGlobal,
    SigmoidSospGlobal,
    SquareSospGlobal,
)
from verify.claims.matrix_factorisation.factorisation import (
    FactorisationSymmetry,
    GradientDescentAvoidsSaddle,
    ScalarFactorisation,
    SospIsGlobal,
)
from verify.claims.matrix_factorisation.model import (
    COUNT_TOL,
    FINDER_STEPS,
    GD_STEPS,
    STARTS,
    activation_loss,
    factorisation_loss,
    rank_one_gradient,
    rank_one_hessian,
    rank_one_loss,
    relu_loss,
    scalar_loss,
    sigmoid_loss,
    sigmoid_loss_derivative,
    square_loss,
    validate_psd,
)

__all__ = [
    "ScalarFactorisation",
    "GradientDescentAvoidsSaddle",
    "SospIsGlobal",
    "ReluSospNotGlobal",
    "SquareSospGlobal",
    "SigmoidSospGlobal",
    "SigmoidApproximateSospGlobal",
    "FactorisationSymmetry",
    "NOT_GLOBAL_TOL",
    "STARTS",
    "FINDER_STEPS",
    "COUNT_TOL",
    "GD_STEPS",
    "scalar_loss",
    "rank_one_loss",
    "rank_one_gradient",
    "rank_one_hessian",
    "validate_psd",
    "activation_loss",
    "relu_loss",
    "square_loss",
    "sigmoid_loss",
    "sigmoid_loss_derivative",
    "factorisation_loss",
]
