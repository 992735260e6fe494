"""Rigorous certificates in ball arithmetic: a unique critical point in a box, and its type.

float64 evidence that a point is a minimum (a small gradient, a positive smallest Hessian
eigenvalue) is not a proof: the gradient is never exactly zero, and rounding moves every
eigenvalue. This module proves such statements for a box ``B = centre +- radius`` (per
coordinate) with python-flint's ``arb`` balls, whose every operation returns a ball that
contains the exact result (and whose exponent range is unbounded, so nothing underflows):

1. *Krawczyk's test* [1]: with ``c`` the centre, ``g`` the gradient, ``H(B)`` an enclosure
   of the Hessian over the whole box and any non-singular preconditioner ``Y`` (here the
   float64 inverse of the midpoint of ``H(B)``), the Krawczyk image is

       K = c - Y g(c) + (I - Y H(B)) (B - c).

   If K lies in the interior of B, then B holds exactly one zero of g, that is exactly one
   critical point ([1]; [2] Theorem 8.3).
2. *Gershgorin's test* [3]: if every row of ``H(B)`` has ``H_jj - sum_{k != j} |H_jk| > 0``
   (each as a ball, so for every matrix the enclosure contains), every symmetric matrix in
   the enclosure is positive definite, so the critical point of 1 is a strict local minimum.

The functions take the gradient and the Hessian as callables that evaluate on a list of
``arb`` balls (a point, or the box) and return a list of ``arb`` (the gradient) or a matrix
of ``arb`` (rows of arb, or a flint ``arb_mat``); they know nothing about where the function
comes from. They run at a given precision in bits and, where asked for several, retry at
the next one when a test fails (a wider ball from cancellation can fail a test that a
more precise evaluation passes). A test that fails at every precision gives a certificate
that is *not certified*, with the reason: that is not a proof that the point is not a
critical point or not a minimum.

References:
  [1] R. Krawczyk. Newton-Algorithmen zur Bestimmung von Nullstellen mit Fehlerschranken.
      Computing 4 (1969) 187-201.
  [2] R. E. Moore, R. B. Kearfott, M. J. Cloud. Introduction to Interval Analysis. SIAM
      (2009), section 8.2 (the Krawczyk method).
  [3] S. Gershgorin. Ueber die Abgrenzung der Eigenwerte einer Matrix. Izv. Akad. Nauk
      SSSR Ser. Mat. 6 (1931) 749-754.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "Reason",
    "Certificate",
    "arb_box",
    "krawczyk_image",
    "gershgorin_margins",
    "certify_critical_point",
    "certify_minimum",
    "DEFAULT_PRECISIONS",
    "MAX_CONDITION",
]

#: Bits of the retries: 128 is enough where the function is well conditioned; cancellation
#: (a sum of terms much larger than their total) widens balls, and 256 and 512 recover it.
DEFAULT_PRECISIONS = (128, 256, 512)
#: The preconditioner is the float64 inverse of the Hessian's midpoint. Beyond this
#: condition number that inverse has fewer than about four correct digits, ``I - Y H(B)``
#: is no longer small, and the test cannot contract: the point is reported as singular.
MAX_CONDITION = 1e12

#: A callable that evaluates the gradient (or the Hessian) on a list of arb balls.
ArbFunction = Callable[[list], Any]


class Reason(enum.Enum):
    """Why a certificate is, or is not, certified; ``.value`` says it with likely causes."""

    CERTIFIED = (
        "certified: the box holds exactly one critical point (and, where tested, the "
        "Hessian is positive definite on it)"
    )
    NOT_FINITE = (
        "the gradient or the Hessian is not finite on the box (an overflow, a pole, or a "
        "function outside its domain); try a smaller radius or another centre"
    )
    SINGULAR = (
        "the Hessian at the centre is singular or ill-conditioned (condition number above "
        "MAX_CONDITION): a degenerate critical point, which Krawczyk's test with this "
        "preconditioner cannot isolate"
    )
    NOT_CONTRACTED = (
        "the Krawczyk image is not inside the box: the box may hold no critical point (the "
        "centre is too far from one for this radius), or the Hessian varies too much over "
        "it (try a smaller radius or a higher precision)"
    )
    NOT_POSITIVE_DEFINITE = (
        "the box holds exactly one critical point, but Gershgorin's test does not show the "
        "Hessian positive definite on it: a saddle or a maximum, or a minimum whose Hessian "
        "is not diagonally dominant (Gershgorin is sufficient, not necessary)"
    )


@dataclasses.dataclass(frozen=True)
class Certificate:
    """The outcome of a ball-arithmetic certificate on the box ``centre +- radius``.

    Attributes:
      certified: every requested test holds: one critical point in the box (and, for
        `certify_minimum`, a positive definite Hessian on it, so a strict local minimum).
      reason: why (`Reason`); ``reason.value`` describes it with likely causes.
      unique_critical: Krawczyk's test proved exactly one critical point in the box.
      positive_definite: Gershgorin's test proved the Hessian positive definite on the
        box; None when it was not asked for (`certify_critical_point`).
      gershgorin_margin: the smallest lower bound over rows of ``(H_jj - sum_{k != j}
        |H_jk|) / |H_jj|`` on the box (> 0 means positive definite); NaN when not computed.
      centre: the box centre (float64 values, converted to arb exactly).
      radius: the half-widths of the box, one per coordinate.
      prec: bits of the last evaluation (the first at which every test held, or the last
        tried).
      gradient: enclosure of the gradient at the centre (arb balls); () when not evaluated.
      hessian: enclosure of the Hessian over the whole box (rows of arb balls); ().
      image: the Krawczyk image K (arb balls); () when not computed.
    """

    certified: bool
    reason: Reason
    unique_critical: bool
    positive_definite: bool | None
    gershgorin_margin: float
    centre: tuple[float, ...]
    radius: tuple[float, ...]
    prec: int
    gradient: tuple = ()
    hessian: tuple = ()
    image: tuple = ()


# ------------------------------------------------------------------------------ building blocks


def arb_box(centre, radius) -> list:
    """The box ``centre +- radius`` as a list of arb balls (float64 centres are exact in arb).

    `radius` is one half-width for every coordinate, or one per coordinate; 0 gives the
    point itself."""
    from flint import arb

    centre, radius = _validate_box(centre, radius, allow_zero=True)
    return [arb(float(c), float(r)) for c, r in zip(centre, radius)]


def krawczyk_image(gradient_at_centre, hessian_on_box, centre, box, preconditioner) -> list:
    """``K = c - Y g(c) + (I - Y H(B)) (B - c)`` (arb balls; `preconditioner` Y is float64).

    Args:
      gradient_at_centre: the gradient's enclosure at the centre c (d arb balls).
      hessian_on_box: the Hessian's enclosure over the box B (d x d arb balls).
      centre: c as d arb balls (exact points); box: B as d arb balls.
      preconditioner: a non-singular (d, d) float64 matrix, ideally close to H^{-1}.

    If every ``K_j`` lies in the interior of ``B_j``, B holds exactly one zero of the
    gradient (Krawczyk 1969)."""
    y = np.asarray(preconditioner, np.float64)
    d = len(centre)
    image = []
    for j in range(d):
        k_j = centre[j]
        for k in range(d):
            k_j -= float(y[j, k]) * gradient_at_centre[k]
        for k in range(d):
            m_jk = (1 if j == k else 0) - sum(float(y[j, l]) * hessian_on_box[l][k] for l in range(d))
            k_j += m_jk * (box[k] - centre[k])
        image.append(k_j)
    return image


def gershgorin_margins(hessian) -> list:
    """Per row j, ``(H_jj - sum_{k != j} |H_jk|) / |H_jj|`` as an arb ball (the upper bounds
    of the moduli are used, so the ball is a lower bound for every matrix of the enclosure).

    Every ball > 0 proves every symmetric matrix of the enclosure positive definite
    (Gershgorin's circle theorem)."""
    from flint import arb

    rows = _rows(hessian)
    d = len(rows)
    margins = []
    for j in range(d):
        off = sum((rows[j][k].abs_upper() for k in range(d) if k != j), arb(0))
        margins.append((rows[j][j] - off) / rows[j][j].abs_upper())
    return margins


# ------------------------------------------------------------------------------ certificates


def certify_critical_point(gradient: ArbFunction, hessian: ArbFunction, centre, radius,
                           precisions: Sequence[int] = DEFAULT_PRECISIONS) -> Certificate:
    """Prove that the box ``centre +- radius`` holds exactly one critical point (Krawczyk).

    Args:
      gradient: ``v -> g(v)``, the gradient evaluated on a list of d arb balls, returning d
        arb balls (an enclosure of the gradient over the balls given).
      hessian: ``v -> H(v)``, the Hessian evaluated the same way, returning d x d arb balls
        (rows, or an ``arb_mat``).
      centre: (d,) float64 centre of the box.
      radius: a positive half-width, or (d,) of them.
      precisions: bits to try in turn; the first at which the test holds is kept.

    Returns:
      A `Certificate` with ``positive_definite=None`` (not tested; the Hessian enclosure is
      in ``hessian`` for a test of the inertia).
    """
    return _certify(gradient, hessian, centre, radius, precisions, definite=False)


def certify_minimum(gradient: ArbFunction, hessian: ArbFunction, centre, radius,
                    precisions: Sequence[int] = DEFAULT_PRECISIONS) -> Certificate:
    """Prove that the box ``centre +- radius`` holds exactly one critical point and that it
    is a strict local minimum (Krawczyk, then Gershgorin on the Hessian over the box).

    Arguments as for `certify_critical_point`. Returns a `Certificate`; ``certified`` is
    True when both tests held at one of `precisions`.
    """
    return _certify(gradient, hessian, centre, radius, precisions, definite=True)


def _certify(gradient, hessian, centre, radius, precisions, definite):
    centre, radius = _validate_box(centre, radius, allow_zero=False)
    precisions = tuple(precisions)
    if not precisions or any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 2
                             for p in precisions):
        raise ValueError(f"precisions must be a non-empty sequence of integers >= 2 (bits); got {precisions!r}")
    for prec in precisions:
        out = _certify_at(gradient, hessian, centre, radius, int(prec), definite)
        if out.certified:
            break
    return out


def _certify_at(gradient, hessian, centre, radius, prec, definite):
    from flint import arb, ctx

    d = centre.shape[0]
    base = dict(centre=tuple(float(c) for c in centre), radius=tuple(float(r) for r in radius), prec=prec)
    not_tested = None if not definite else False
    with ctx.workprec(prec):
        point = [arb(float(c)) for c in centre]
        box = [arb(float(c), float(r)) for c, r in zip(centre, radius)]
        g = tuple(_vector(gradient(point), d, "gradient"))
        h = tuple(tuple(row) for row in _matrix(hessian(box), d))
        mid = np.array([[float(h[j][k].mid()) for k in range(d)] for j in range(d)])
        finite = all(gj.is_finite() for gj in g) and all(hjk.is_finite() for row in h for hjk in row)
        if not finite or not np.all(np.isfinite(mid)):
            return Certificate(False, Reason.NOT_FINITE, False, not_tested, math.nan,
                               gradient=g, hessian=h, **base)
        if np.linalg.cond(mid) > MAX_CONDITION:
            return Certificate(False, Reason.SINGULAR, False, not_tested, math.nan,
                               gradient=g, hessian=h, **base)
        image = tuple(krawczyk_image(g, h, point, box, np.linalg.inv(mid)))
        unique = all(bool(b.contains_interior(k)) for b, k in zip(box, image))
        positive, margin = None, math.nan
        if definite:
            margins = gershgorin_margins(h)
            positive = all(bool(m > 0) for m in margins)
            margin = min(float(m.lower()) for m in margins)
    if not unique:
        reason = Reason.NOT_CONTRACTED
    elif definite and not positive:
        reason = Reason.NOT_POSITIVE_DEFINITE
    else:
        reason = Reason.CERTIFIED
    return Certificate(reason is Reason.CERTIFIED, reason, unique, positive, margin,
                       gradient=g, hessian=h, image=image, **base)


# ------------------------------------------------------------------------------ validation


def _validate_box(centre, radius, allow_zero):
    c = np.asarray(centre, np.float64)
    if c.ndim != 1 or c.shape[0] < 1 or not np.all(np.isfinite(c)):
        raise ValueError(f"centre must be a finite vector of shape (d,) with d >= 1; got {np.asarray(centre).tolist()!r}")
    r = np.broadcast_to(np.asarray(radius, np.float64), c.shape) if np.ndim(radius) == 0 else np.asarray(radius, np.float64)
    low_ok = np.all(r >= 0) if allow_zero else np.all(r > 0)
    if r.shape != c.shape or not np.all(np.isfinite(r)) or not low_ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"radius must be a finite number {bound}, or {c.shape[0]} of them (one per coordinate); "
            f"got {np.asarray(radius).tolist()!r}"
        )
    return c, r


def _rows(matrix):
    """Rows of arb balls from rows of numbers or arb, or from an arb_mat."""
    from flint import arb

    ball = lambda v: v if isinstance(v, arb) else arb(v)
    if hasattr(matrix, "nrows"):  # flint arb_mat
        return [[matrix[j, k] for k in range(matrix.ncols())] for j in range(matrix.nrows())]
    return [[ball(v) for v in row] for row in matrix]


def _vector(values, d, name):
    from flint import arb

    values = [v if isinstance(v, arb) else arb(v) for v in values]
    if len(values) != d:
        raise ValueError(f"{name} must return {d} arb balls (one per coordinate); got {len(values)}")
    return values


def _matrix(values, d):
    rows = _rows(values)
    if len(rows) != d or any(len(row) != d for row in rows):
        shape = (len(rows), tuple(len(row) for row in rows))
        raise ValueError(f"hessian must return a {d} x {d} matrix of arb balls; got rows of lengths {shape}")
    return rows
