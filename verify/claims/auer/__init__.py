"""A single neuron can have exponentially many local minima: Auer, Herbster & Warmuth (1996).

Lecture 6, section 6.2 (seed 001) and ``shared/CLAIMS.md``, section "Auer, Herbster & Warmuth".

The setting. A single neuron with transfer function phi and weights w in R^d; data
``(x_i, y_i)``, i = 1..n; the error ``F(w) = (1/n) sum_i l(y_i, phi(x_i . w))``. Theorem 3.4
of the paper assumes that ``z -> l(y, phi(z))`` is continuous and bounded.

The construction used here (ours; the paper's proof is for any bounded composite and
spaces its examples further apart, which this package does not need). For a composite that
saturates, an example ``(x, y)`` with ``y`` strictly inside the range of phi has an error
``l(y, phi(x w))`` with exactly one minimum, at ``w = phi^{-1}(y) / x``, and it is flat (up to
a tail) wherever ``|x w|`` is large, and nearly linear where ``|x w|`` is small. Take, in one
coordinate, m examples with ``x_k = c^{-k}`` (k = 0..m-1) and one target y: on w > 0 the
minimum of example k sits at ``w ~ c^k``, where the examples before it are saturated and
the ones after it add a slope of relative size ~ 1/c; on w < 0 every error increases away
from 0. With c large enough (larger for arctan, whose tail is only polynomial, than for the
logistic function, whose tail is exponential; `SPACING` keeps a factor of about two above
the smallest c that works) the sum has exactly m local minima in that coordinate. In d
coordinates put m = floor(n/d) examples on each axis ``e_j`` (and the n - d m left over at
x = 0, which only add a constant): F is a sum of d such functions of one coordinate each,
so its local minima are the m^d products. See `many_minima_data`.

Searching and certifying. The minima of one coordinate span ``c^{m-1}`` (1e31 for m = 32),
so they are searched and classified in the coordinates ``w = a sinh(v)``
(`verify.landscape.multiscale`), where every minimum has O(1) curvature. Each minimum is
certified twice: in float64 by `verify.landscape.classify` (gradient ~ 0, Hessian positive
definite) and, by `certify_minimum`, rigorously in ball arithmetic
(`verify.landscape.certify`, python-flint's arb, whose exponent range is unbounded, so
nothing underflows): a Krawczyk test proves that a small box around the point holds exactly
one critical point, and the Hessian's enclosure over the box is positive definite by
Gershgorin's theorem, so that critical point is a strict local minimum. Boxes that do not
overlap prove the minima distinct.

Layout: `verify.claims.auer.model` (the error, the construction, the search and the basin
count), `verify.claims.auer.count` (the certificate and `count_minima`),
`verify.claims.auer.claims` (the four claims); everything public is re-exported here.

References:
  [1] P. Auer, M. Herbster, M. K. Warmuth. Exponentially many local minima for single
      neurons. NIPS 8 (1996), 316-322: Theorem 3.4 (floor(n/d)^d minima), Theorem 5.1 (one
      minimum-containing set), Definition of minimum-containing sets.
  [2] Lecture notes "Landscape Analysis and Representation", section 6.2, Theorem 6.1,
      Theorem 6.2, Definition 6.1, Figure 6.1, footnote 1
      (seed ``shared/seeds/001_749c64abaf8f8510.txt``).
  [3] R. Krawczyk. Newton-Algorithmen zur Bestimmung von Nullstellen mit Fehlerschranken.
      Computing 4 (1969) 187-201.
  [4] A. Chao. Nonparametric estimation of the number of classes in a population.
      Scand. J. Statist. 11 (1984) 265-270.
"""

from verify.claims.auer.claims import ExponentialMinima, RealizableOneBasin, ReluNotBounded, TwoExamples
from verify.claims.auer.count import MinimaCount, MinimumCertificate, certify_minimum, count_minima
from verify.claims.auer.model import (
    BOUNDED,
    COUNT_TOLERANCE,
    FINDER_STEPS,
    LOSSES,
    MONOTONE,
    SATURATION,
    SPACING,
    TARGET,
    TRANSFERS,
    descend_from_starts,
    expected_minima,
    loss_function,
    loss_scale,
    many_minima_data,
    minimum_basins,
    search_minima,
    search_scales,
    single_neuron_error,
    transfer_function,
    uniform_starts,
    validate_data,
)

__all__ = [
    "TRANSFERS",
    "LOSSES",
    "MONOTONE",
    "BOUNDED",
    "SPACING",
    "TARGET",
    "FINDER_STEPS",
    "SATURATION",
    "COUNT_TOLERANCE",
    "transfer_function",
    "loss_function",
    "single_neuron_error",
    "many_minima_data",
    "expected_minima",
    "loss_scale",
    "search_scales",
    "search_minima",
    "descend_from_starts",
    "minimum_basins",
    "uniform_starts",
    "validate_data",
    "MinimaCount",
    "MinimumCertificate",
    "count_minima",
    "certify_minimum",
    "TwoExamples",
    "ExponentialMinima",
    "RealizableOneBasin",
    "ReluNotBounded",
]
