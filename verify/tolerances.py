"""The one table of numerical tolerances, each with the reason it has its value.

All tolerances are *relative*: they are multiplied by a scale measured on the problem
(the Hessian's spectral norm, the size of the parameters, the loss scale) so that a
claim's verdict does not change when the loss is multiplied by a constant or the
parameters are rescaled. float64 throughout: unit roundoff is 2**-53 ~ 1.1e-16.

Scales used below (see `verify.landscape.classify`):

* ``hess_scale = max(||H||_2, curvature_floor)``, where ``curvature_floor`` is a
  problem scale the claim can supply (default 1) so that a Hessian that is exactly zero
  (a flat region) is not divided by zero.
* ``grad_scale = hess_scale * max(||x||, 1)``: near a non-degenerate critical point x*,
  ``grad f(x) ~ H (x - x*)``, so ``||grad f|| / grad_scale`` is a relative distance of x
  to a critical point.
"""

from types import MappingProxyType

__all__ = ["TOLERANCES", "tolerance"]

TOLERANCES = MappingProxyType(
    {
        # ||grad f|| <= GRAD_CRITICAL * grad_scale: the point is critical. Levenberg-Marquardt
        # converges quadratically to ~1e-14 relative; autodiff gradients carry errors of a
        # few ulps times the condition of the sum; 1e-8 leaves six orders of margin above
        # rounding and is far below any gradient of a point that is not critical.
        "grad_critical": 1e-8,
        # ||grad f|| >= GRAD_NOT_CRITICAL * grad_scale: the point is certainly not critical.
        # Between the two thresholds the point is reported as inconclusive, never counted.
        "grad_not_critical": 1e-5,
        # Plateau test (verify.landscape.classify, rule 2): a point whose gradient passes
        # grad_critical is critical only if its Newton step ||H^+ g|| (over the gradient's
        # components above rounding) relative to the size of x is at most PLATEAU_DISTANCE. Near a
        # critical point of order p it is the distance over p - 1: the finders stop within
        # eps^(1/(p-1)) ~ 1e-4 of a quartic-order point (rounding stalls them there), far
        # below 1e-3. On an exponential plateau e^{-z} it is 1/z relative, >= 0.03 wherever
        # the gradient is above GRAD_ROUNDING (z <= 30; Gaussian e^{-z^2}: 1/(2 z^2) >=
        # 0.016 for z <= 5.5), and on algebraic plateaus (arctan: 1/z) it is of order 1.
        "plateau_distance": 1e-3,
        # A gradient component (along an eigenvector of H) <= GRAD_ROUNDING * grad_scale is
        # rounding (a few hundred ulps of the terms summed; Levenberg-Marquardt ends at
        # ~1e-14): its direction is noise, and the plateau test leaves it out.
        "grad_rounding": 1e-13,
        # |lambda| <= EIG_ZERO * hess_scale: the eigenvalue is treated as zero. A point at
        # relative distance 1e-8 from a critical point moves the Hessian's eigenvalues by
        # O(1e-8) * (third-derivative scale / second-derivative scale); 1e-6 is a hundred
        # times that and ten orders above eigvalsh's backward error (~n * eps * ||H||).
        "eig_zero": 1e-6,
        # Loss values equal within LOSS_EQUAL * loss_scale are "the same value" (a point is
        # global when f(x) - f* <= LOSS_EQUAL * loss_scale). At a critical point at relative
        # distance d from x*, f(x) - f(x*) = O(d^2) * scale, and rounding of f itself is a
        # few ulps of the terms summed: 1e-9 is far above both and far below any gap that
        # a theorem could mean.
        "loss_equal": 1e-9,
        # Two critical points are the same when their symmetry invariants differ by less
        # than DEDUP * max(1, ||invariant||): ten times the critical-point tolerance.
        "dedup": 1e-6,
        # Higher-order test at a degenerate point: f is sampled on spheres of radius
        # SPHERE_RADII * max(||x||, 1); a drop below f(x) of more than SPHERE_DROP * loss
        # scale on every sphere is descent (the point is not a local minimum; a drop on the
        # larger spheres only can be a lower region a finite distance away). Radii well above the
        # critical-point tolerance (so the offset of x from x* does not matter) and small
        # enough that a quartic term beats any sixth-order term of the losses we study.
        "sphere_radii": (1e-1, 3e-2, 1e-2, 3e-3),
        "sphere_drop": 1e-12,
        # Matrix-free and dense extreme eigenvalues agree within MATFREE_AGREE * ||H||_2:
        # LOBPCG is run to its float64 convergence tolerance, whose residual bound
        # |lambda - lambda_true| <= ||r|| gives ~1e-12 relative; 1e-8 is the target of
        # issue 2 (bench) and leaves margin for slowly converging clusters.
        "matfree_agree": 1e-8,
        # Two sides of an identity agree within IDENTITY * scale: identities of polynomial
        # losses evaluated in float64 lose a few digits to cancellation in sums of n^2
        # terms; 1e-10 keeps four orders of margin for n up to ~100.
        "identity": 1e-10,
        # A data matrix is of full rank (a theorem's hypothesis, checked when an instance is
        # validated) when its smallest relevant singular value is at least FULL_RANK times its
        # largest. Closed forms built on it (least-squares fits) are accurate to about
        # cond * eps ~ 1e-10 relative at cond = 1e6, inside loss_equal; worse-conditioned data
        # would make a check's comparison with its closed form fail from rounding, not from
        # the theorem.
        "full_rank": 1e-6,
        # Eigenvalues of a hypothesis matrix are "distinct" (and "nonzero") when neighbouring
        # ones differ by at least EIGENGAP times the largest. Where a theorem needs them
        # distinct, the negative curvature at its saddles is proportional to the gap (deep
        # linear networks: the saddles that swap two principal directions), and must stand
        # clear of eig_zero * ||H|| after the data's conditioning enters: 1e-3 leaves three
        # orders above eig_zero.
        "eigengap": 1e-3,
        # Liu et al. (seed 003): autodiff Hessian of the population loss at 1/sqrt p + w = +-alpha v*
        # against its closed form, relative to the larger of ||H||_max and the (w, w) block's scale
        # |a^T a*| / (2 alpha^2). In float64, cos(theta) next to +-1 is 1 -+ 2^-53 or further, an
        # apparent angle up to sqrt(2 eps) ~ 1.5e-8, and the Hessian moves by O(theta) times that
        # scale away from theta = 0 or pi: 1e-7 is several times that (measured: <= 1e-8), and far
        # below the O(1) error of a wrong derivative of arccos.
        "liu_hessian_at_optima": 1e-7,
        # Liu et al. (seed 003): gradient descent has converged to the global optimum when the
        # angle to v* and ||a - a*|| / ||a*|| are both below this. Stage II contracts linearly
        # (rate about 1 - eta_a / 4 per step, see verify.claims.liu.step_sizes) to rounding
        # (~1e-15) within the steps run; 1e-6 is far above rounding and far below the distance
        # pi between the two optima, so a run that is anywhere else is not counted.
        "liu_gd_converged": 1e-6,
        # Yun et al. (seed 004), near-identity risk bound: R(theta) <= R_lin + C (and its
        # certified form) compared relative to the zero predictor's risk R(0). Both sides are
        # means of n <= 100 losses of size ~R(0) evaluated in float64 (rounding ~n eps R(0)
        # ~ 1e-14 R(0)); the bound holds for the t the solver returns whatever its accuracy,
        # so the solver's error does not enter. At a point classified critical the gradient is
        # <= grad_critical relative, which moves R by far less than 1e-9. 1e-9 is five orders
        # above rounding and far below any gap the theorem could be wrong by.
        "yun_near_identity_rounding": 1e-9,
        # Yun et al. (seed 004), Rademacher estimator sanity (not the theorem): S_k >= the
        # linear value ||X^T sigma_k|| / n (attained exactly at the first iterate of the first
        # restart) and S_k <= (1/n) sum (1 + 1/L)^L ||x_i||, relative to the latter. Both are
        # exact in real arithmetic; float64 forward passes through L <= 64 blocks carry
        # ~L n eps relative error: 1e-10 is four orders above that.
        "yun_rademacher_deterministic": 1e-10,
        # Yun et al. (seed 004), the Theorem's second condition col(U_2^T ... U_L^T) != R^{d_x}:
        # the stacked [U_2; ...; U_L] is rank deficient when sigma_{d_x} / sigma_1 is at most
        # this. Deficiency is exact only in exact arithmetic; a point found by the finder is
        # within relative ~grad_critical (1e-8) of a critical point, and an exactly deficient
        # stack there is seen with sigma_{d_x} of that order. Stricter than full_rank (1e-6):
        # calling the condition met when it is not could turn into a false refutation, calling
        # it failed only drops the point from the test (it is still reported).
        "yun_row_space_deficient": 1e-8,
        # Yun et al. (seed 004), single block: a critical point "has w* != 0" when
        # ||w|| > this * max(||theta||, 1). Used for counting only (the verdict comes from a
        # bound valid at every point with w != 0): the saddles with w = 0 are found with ||w||
        # at rounding level (~1e-32 measured), the others with ||w|| of order 1; any
        # threshold between separates them, 1e-6 sits far from both.
        "yun_w_nonzero": 1e-6,
    }
)


def tolerance(name: str):
    """Return the tolerance `name` from `TOLERANCES` (a KeyError lists the valid names)."""
    try:
        return TOLERANCES[name]
    except KeyError:
        raise KeyError(f"tolerance name must be one of {sorted(TOLERANCES)}; got {name!r}") from None
