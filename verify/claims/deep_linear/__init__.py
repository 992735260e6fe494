"""Deep linear networks with square loss: Baldi & Hornik (1989) and Kawaguchi (2016).

Setting and notation (Kawaguchi [2], section 2; Baldi & Hornik [1] is the case H = 1).
Data X in R^{d_x x m}, Y in R^{d_y x m} (one example a column). A linear network of depth
L = H + 1 (L weight matrices, H hidden layers) has weights W_k in R^{d_k x d_{k-1}},
k = 1..L, with d_0 = d_x and d_L = d_y (``dims = (d_0, d_1, ..., d_L)``), and the loss

    f(W) = 1/2 ||W_L ... W_1 X - Y||_F^2                      (`network_loss`)

on the flat vector of all weights (`flatten_layers`, W_1 first, each row-major).
p = min(d_1, ..., d_H) is the smallest width and q = min(p, d_y) the largest rank the
end-to-end map W_L ... W_1 can have. "Depth 2" here is Baldi & Hornik's network with one
hidden layer, which Kawaguchi calls a *three-layer* network (H = 1); "depth >= 3" is his
"deeper than three layers" (H >= 2).

Kawaguchi's hypotheses ([2] Theorem 2.3), exactly three: X X^T and X Y^T of full rank
(X Y^T is the transpose of Y X^T, so either can be named), d_y <= d_x, and
Sigma = Y X^T (X X^T)^{-1} X Y^T with d_y distinct eigenvalues. Sigma being of full rank
is not a further hypothesis but a consequence: Y X^T has rank d_y and (X X^T)^{-1} is
positive definite, so Sigma is positive definite and lambda_1 > ... > lambda_{d_y} > 0.
Baldi & Hornik [1] state the same of Sigma ("full rank with distinct eigenvalues"), with
Sigma_XX = X X^T invertible. `validate_data` gives each hypothesis its numerical form
(`verify.tolerances`: ``full_rank`` for the ranks, ``eigengap`` for "distinct", applied to
lambda_{d_y} > 0 too: see `validate_data` for why).

Closed forms used by the checks (derived here, not quoted):

* the least-squares map W_ls = Y X^T (X X^T)^{-1}; Y - W_ls X is orthogonal to the rows of
  X, so ||W X - Y||^2 = ||(W - W_ls) X||^2 + ||W_ls X - Y||^2, and the singular values of
  W_ls (X X^T)^{1/2} are the square roots of the eigenvalues of Sigma. By Eckart-Young the
  smallest loss over end-to-end maps of rank <= q is
      f* = 1/2 (||Y - W_ls X||_F^2 + sum_{i > q} lambda_i(Sigma))     (`optimal_loss`).
* `kawaguchi_point` (X, Y, dims, r), r = 0..q: the balanced network whose end-to-end map is
  U_r U_r^T W_ls (U_r: the top r eigenvectors of Sigma), using hidden unit 1..r of every
  layer and leaving the others exactly zero. It is a critical point with loss
  1/2 (||Y - W_ls X||^2 + sum_{i > r} lambda_i); r = q is a global minimum, r < q is not.
  For H >= 2 its Hessian is positive semidefinite (every second-order term that involves
  an unused unit vanishes, and on the used units it is a global minimum of the width-r
  network), yet moving the unused unit r+1 of all L layers together lowers the loss like
  -t^L (`escape_direction`): a saddle without negative curvature, Kawaguchi's "bad
  saddle". For H = 1 the same point has a negative eigenvalue (a strict saddle).
* The loss is invariant under (W_k, W_{k+1}) -> (T W_k, W_{k+1} T^{-1}) for invertible T at
  every hidden layer; `orbit_tangents` spans the tangent space of that orbit, which
  `verify.landscape.classify` removes before it reads the spectrum.

Claims:

* `DeepLinearLandscape` (``mf/deep-linear``): Kawaguchi Theorem 2.3 (i)-(iv) and
  Corollary 2.4 (Baldi & Hornik's result for H = 1), checked by a critical-point search
  and at the constructed points.
* `DeepLinearSospGlobal` (``mf/deep-linear-sosp``): seed 000's wording, "any SOSP for the
  deep linear network quadratic loss function is global-minima": false for depth >= 3
  (expected refuted; the same sentence's 2-layer statement is true and part of
  ``mf/deep-linear``).

Helpers a notebook can use to draw a degenerate saddle: `kawaguchi_point` (the saddle),
`escape_direction` and `loss_along_line` (the loss on a line through it: -c t^L),
`classify_point` (the classifier's verdict with this problem's scales and symmetry),
`ball_descent` (a lower point inside a small ball), `rescale_layers` and
`balance_layers` (moving along the symmetry).

Layout: `verify.claims.deep_linear.model` holds the network, the closed forms, these helpers
and `validate_data`; `verify.claims.deep_linear.claims` the two claims, their generator and
checks. Every public name of both is re-exported here.

References:
  [1] P. Baldi, K. Hornik. Neural networks and principal component analysis: learning
      from examples without local minima. Neural Networks 2(1):53-58, 1989: the error of a
      one-hidden-layer linear network has, under Sigma_XX invertible and Sigma of full rank
      with distinct eigenvalues, a unique minimum up to invertible changes of the hidden
      coordinates (the projection onto the top principal directions) and every other
      critical point is a saddle (the paper's abstract and main result; its setting, as
      restated in later work, has d_x = d_y and p < d_y hidden units).
  [2] K. Kawaguchi. Deep Learning without Poor Local Minima. NeurIPS 29, 2016, pp. 586-594
      (arXiv:1605.07110v3): Theorem 2.3 (loss surface of deep linear networks, (i)-(iv))
      and Corollary 2.4 (effect of depth: for H = 1 every saddle has a negative Hessian
      eigenvalue; for H >= 2 there are saddles whose Hessian has none). The stored copies
      of the paper available here give only its abstract and introduction: the theorem
      and corollary numbers, and the wording of the hypotheses, follow the issue that
      quotes Theorem 2.3 and could not be checked against the paper's text; the abstract
      confirms the four statements and the bad saddles for more than three layers.
  [3] Lecture notes "ResNet Initialization and Landscape Analysis", section 5.3.1 ("Linear
      Network has nice landscape"), Bibliography paragraph (line 201) and bibliography
      (seed ``shared/seeds/000_45be778ffb0540d2.txt``).
  [4] Lecture notes "Landscape Analysis and Representation", section 6.3, Bibliography
      paragraph (seed ``shared/seeds/001_749c64abaf8f8510.txt``, line 82).
"""

from verify.claims.deep_linear.claims import (
    BALANCE_FLOOR,
    DIMS,
    FINDER_STEPS,
    RANK_CLEAR,
    STARTS,
    DeepLinearLandscape,
    DeepLinearSospGlobal,
)
from verify.claims.deep_linear.model import (
    BALL_STEPS,
    LeastSquares,
    balance_layers,
    ball_descent,
    classify_point,
    end_to_end,
    escape_direction,
    flatten_layers,
    kawaguchi_point,
    layer_shapes,
    least_squares,
    loss_along_line,
    middle_sigma_p,
    n_parameters,
    network_loss,
    optimal_loss,
    orbit_tangents,
    problem_scales,
    rescale_layers,
    unflatten_layers,
    validate_data,
)

__all__ = [
    "DeepLinearLandscape",
    "DeepLinearSospGlobal",
    "DIMS",
    "STARTS",
    "FINDER_STEPS",
    "RANK_CLEAR",
    "BALANCE_FLOOR",
    "LeastSquares",
    "layer_shapes",
    "n_parameters",
    "unflatten_layers",
    "flatten_layers",
    "end_to_end",
    "network_loss",
    "least_squares",
    "optimal_loss",
    "kawaguchi_point",
    "escape_direction",
    "loss_along_line",
    "balance_layers",
    "ball_descent",
    "orbit_tangents",
    "problem_scales",
    "classify_point",
    "middle_sigma_p",
    "rescale_layers",
    "validate_data",
    "BALL_STEPS",
]
