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
from typing import Any, Callable, ClassVar, Mapping, Sequence

import numpy as np

__all__ = [
    "Reason",
    "Certificate",
    "HessianSpectrum",
    "hessian_spectrum",
    "PointCertificate",
    "certify_point",
    "POINT_STATUSES",
    "MAX_RELATIVE_RADIUS",
    "RefutationCertificate",
    "certify_violation",
    "enclosure",
    "interval_ball",
    "certify_worse_critical_point",
    "arb_box",
    "krawczyk_image",
    "statistical_test",
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


@dataclasses.dataclass(frozen=True)
class HessianSpectrum:
    """Certified facts about the eigenvalues of every symmetric matrix in a ball enclosure.

    Attributes:
      n_negative, n_positive: eigenvalues proved < 0 and > 0 (for every matrix of the
        enclosure: the inertia).
      n_undecided: eigenvalues whose sign the enclosure cannot decide (a singular or nearly
        singular Hessian, or an enclosure too wide).
      lambda_min, lambda_max: ``(lower, upper)`` bounds (floats, rounded outwards) of the
        smallest and largest eigenvalue.
      intervals: per Gershgorin component, ``(lower, upper, count)``: `count` eigenvalues
        lie in ``[lower, upper]``; sorted by lower bound.
      orthogonality_defect: an upper bound of ``||V^T V - I||_2`` for the float64
        eigenvectors V used (Ostrowski's theorem turns it into the eigenvalue bounds).
    """

    n_negative: int
    n_positive: int
    n_undecided: int
    lambda_min: tuple[float, float]
    lambda_max: tuple[float, float]
    intervals: tuple[tuple[float, float, int], ...]
    orthogonality_defect: float

    @property
    def positive_definite(self) -> bool:
        return self.n_positive == len(self) and len(self) > 0

    @property
    def has_negative(self) -> bool:
        """A certified negative eigenvalue: a direction of negative curvature."""
        return self.n_negative > 0

    def __len__(self) -> int:
        return self.n_negative + self.n_positive + self.n_undecided


def hessian_spectrum(hessian) -> HessianSpectrum:
    """Enclose the eigenvalues of every symmetric matrix in `hessian` (d x d arb balls).

    Method: ``V`` are the float64 eigenvectors of the midpoint matrix; ``M = V^T H V`` is
    computed in arb (V's float64 entries are exact), so M encloses ``V^T H V`` for every H
    of the enclosure, and is nearly diagonal. Gershgorin's discs of M, grouped into
    connected components, hold as many eigenvalues of M as discs [3]. V is not exactly
    orthogonal, so M is congruent, not similar, to H: Sylvester's law of inertia gives
    H's inertia from M's (V is non-singular once ``||V^T V - I|| < 1``), and Ostrowski's
    theorem [4] (``lambda_k(V^T H V) = theta_k lambda_k(H)``, ``theta_k`` between the
    extreme eigenvalues of ``V^T V``, so within ``1 -+ delta``) the eigenvalue bounds.

    Raises:
      ValueError: `hessian` is not square, or its enclosure is not finite.

    [4] A. M. Ostrowski. A quantitative formulation of Sylvester's law of inertia. PNAS 45
        (1959) 740-744.
    """
    from flint import arb, arb_mat

    rows = _rows(hessian)
    d = len(rows)
    if d == 0 or any(len(r) != d for r in rows):
        raise ValueError(f"hessian must be a square d x d matrix of arb balls with d >= 1; got {d} rows")
    if not all(v.is_finite() for r in rows for v in r):
        raise ValueError("hessian must be finite; its enclosure has an infinite or NaN ball")
    mid = np.array([[float(v.mid()) for v in r] for r in rows])
    _, vecs = np.linalg.eigh(0.5 * (mid + mid.T))
    v = arb_mat(vecs.tolist())
    m = v.transpose() * arb_mat(rows) * v
    gram = v.transpose() * v
    defect = arb(0)
    for j in range(d):
        for k in range(d):
            e = gram[j, k] - (1 if j == k else 0)
            defect += e * e
    delta = float(np.nextafter(math.sqrt(_up(defect)), np.inf))
    if not delta < 1.0:
        raise ValueError(f"the float64 eigenvectors are not numerically orthogonal (defect {delta:.3g})")
    discs = []
    for j in range(d):
        radius = sum((m[j, k].abs_upper() for k in range(d) if k != j), arb(0))
        lo, hi = m[j, j] - radius, m[j, j] + radius
        discs.append((_down(lo), _up(hi)))
    discs.sort()
    components: list[list[float]] = []
    for lo, hi in discs:
        if components and lo <= components[-1][1]:
            components[-1][1] = max(components[-1][1], hi)
            components[-1][2] += 1
        else:
            components.append([lo, hi, 1])
    shrink, grow = 1.0 - delta, 1.0 + delta

    def to_h(lo, hi):  # Ostrowski: lambda(H) = lambda(M) / theta, theta in [1 - delta, 1 + delta]
        lo_h = lo / shrink if lo < 0 else lo / grow
        hi_h = hi / grow if hi < 0 else hi / shrink
        lo_h = 0.0 if lo == 0 else float(np.nextafter(lo_h, -np.inf))  # 0 / theta is exact
        hi_h = 0.0 if hi == 0 else float(np.nextafter(hi_h, np.inf))
        return lo_h, hi_h

    intervals = tuple((*to_h(lo, hi), int(k)) for lo, hi, k in components)
    n_neg = sum(k for lo, hi, k in intervals if hi < 0)
    n_pos = sum(k for lo, hi, k in intervals if lo > 0)
    first, last = intervals[0], intervals[-1]
    return HessianSpectrum(
        n_negative=n_neg,
        n_positive=n_pos,
        n_undecided=d - n_neg - n_pos,
        lambda_min=(first[0], first[1]),
        lambda_max=(last[0], last[1]),
        intervals=intervals,
        orthogonality_defect=delta,
    )


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


# ------------------------------------------------------------------------------ a point of a JAX loss

#: The largest box `certify_point` tries, relative to ``max(||x||, 1)``: a point the float64
#: classification calls critical is within about ``grad_critical`` (1e-8, relative) of a
#: critical point, and 1e-6 leaves a hundredfold margin. A point farther off (1e-3, say) has
#: no critical point in its box and is *not* certified, even if one lies nearby: what is
#: certified is the point that was reported, not another one.
MAX_RELATIVE_RADIUS = 1e-6

#: What `certify_point` can say about a point (`PointCertificate.status`).
POINT_STATUSES = (
    "strict local minimum",  # a unique critical point in the box; Hessian positive definite on it
    "strict saddle",  # a unique critical point; a certified negative eigenvalue
    "critical, type undecided",  # a unique critical point; some eigenvalue's sign not decided
    "uncertified: degenerate",  # the Hessian is singular at the point: no second-order proof
    "uncertified: no critical point proved",  # Krawczyk's test failed at every radius tried
    "uncertified: not evaluable",  # ball arithmetic cannot evaluate the loss (a primitive, a comparison)
)


@dataclasses.dataclass(frozen=True)
class PointCertificate:
    """What `certify_point` proved about a point x of a loss f.

    Attributes:
      status: one of `POINT_STATUSES`.
      reason: why, in words (which test failed, the unsupported primitive, ...).
      critical: the Krawczyk `Certificate` of the last box tried (None when the loss could
        not be evaluated in balls).
      spectrum: the `HessianSpectrum` over the certified box (None unless a unique critical
        point was proved).
      loss: ``(lower, upper)`` enclosing f over the box, hence f at the critical point
        (None unless a unique critical point was proved).
      radius: the box's half-width (the same in every coordinate); 0 when none was tried.
      newton_step: ``||H^{-1} g||`` in float64 at x (inf where H is singular): how far the
        critical point is estimated to be.
    """

    status: str
    reason: str
    critical: Certificate | None
    spectrum: HessianSpectrum | None
    loss: tuple[float, float] | None
    radius: float
    newton_step: float

    @property
    def certified(self) -> bool:
        """A unique critical point in the box, of certified type (minimum or strict saddle)."""
        return self.status in ("strict local minimum", "strict saddle")


def certify_point(loss: Callable, x, *, max_relative_radius: float = MAX_RELATIVE_RADIUS,
                  precisions: Sequence[int] = (128, 256)) -> PointCertificate:
    """Prove, in ball arithmetic, what kind of critical point of `loss` lies at `x`.

    `loss` is a JAX function of a flat float64 vector; its gradient and Hessian are the
    traced ``jax.grad`` / ``jax.hessian`` programs evaluated on arb balls
    (`verify.landscape.balls`). Boxes ``x +- r`` are tried from about twice the float64
    Newton step up to ``max_relative_radius * max(||x||, 1)``; on the first where
    Krawczyk's test proves a unique critical point, the Hessian's spectrum over the box
    (`hessian_spectrum`) decides its type and f is enclosed over the box.

    Returns a `PointCertificate`; ``certified`` only for a strict local minimum or a strict
    saddle. A singular Hessian (a degenerate point, or a continuous family of critical
    points) is "uncertified: degenerate": second-order arithmetic cannot isolate it, and
    the certificate says so rather than guess.
    """
    import jax
    import jax.numpy as jnp

    from verify.landscape import balls

    x = np.asarray(x, np.float64)
    if x.ndim != 1 or x.shape[0] < 1 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite vector of shape (d,) with d >= 1; got shape {x.shape}")
    if not (isinstance(max_relative_radius, (int, float)) and 0 < max_relative_radius < 1):
        raise ValueError(f"max_relative_radius must be a number in (0, 1); got {max_relative_radius!r}")
    g = np.asarray(jax.grad(loss)(jnp.asarray(x)))
    h = np.asarray(jax.hessian(loss)(jnp.asarray(x)))
    size = max(float(np.linalg.norm(x)), 1.0)
    try:
        step = float(np.linalg.norm(np.linalg.solve(h, g))) if np.linalg.cond(h) < MAX_CONDITION else math.inf
    except np.linalg.LinAlgError:
        step = math.inf
    if not np.isfinite(step):
        step = math.inf
    cap = max_relative_radius * size
    low = max(2.0 * step, 1e-13 * size) if np.isfinite(step) else 1e-13 * size
    radii = [r for r in (low, 1e2 * low, 1e4 * low) if r <= cap] or [cap]
    gradient, hessian = balls.arb_gradient(loss), balls.arb_hessian(loss)

    def outcome(status, reason, critical=None, spectrum=None, value=None, radius=0.0):
        return PointCertificate(status, reason, critical, spectrum, value, radius, step)

    cert = None
    for radius in radii:
        try:
            cert = certify_critical_point(gradient, hessian, x, radius, precisions)
        except (balls.UnsupportedPrimitiveError, balls.UndecidedComparisonError) as e:
            return outcome("uncertified: not evaluable", f"{type(e).__name__}: {e}", radius=radius)
        if cert.certified or cert.reason in (Reason.SINGULAR, Reason.NOT_FINITE):
            break
    if cert.reason is Reason.SINGULAR:
        return outcome("uncertified: degenerate", Reason.SINGULAR.value, cert, radius=radius)
    if not cert.certified:
        reason = cert.reason.value
        if 2.0 * step > cap:
            reason = (f"the float64 Newton step to a critical point is {step:.3g}, beyond the largest box "
                      f"tried ({cap:.3g} = {max_relative_radius:g} x max(||x||, 1)): x is not a critical point "
                      f"to that accuracy; " + reason)
        return outcome("uncertified: no critical point proved", reason, cert, radius=radius)
    spectrum = hessian_spectrum(cert.hessian)
    from flint import ctx

    with ctx.workprec(cert.prec):
        f = balls.evaluate(loss, np.array(arb_box(x, radius), dtype=object), prec=cert.prec)
    f = f[()] if isinstance(f, np.ndarray) else f
    value = (_down(f), _up(f)) if f.is_finite() else (-math.inf, math.inf)
    if spectrum.positive_definite:
        status, reason = "strict local minimum", "Krawczyk: one critical point in the box; Hessian positive definite on it"
    elif spectrum.has_negative:
        status = "strict saddle"
        reason = (f"Krawczyk: one critical point in the box; {spectrum.n_negative} certified negative "
                  f"eigenvalue(s), the smallest in [{spectrum.lambda_min[0]:.6g}, {spectrum.lambda_min[1]:.6g}]")
    else:
        status = "critical, type undecided"
        reason = f"Krawczyk: one critical point in the box; {spectrum.n_undecided} eigenvalue(s) of undecided sign"
    return outcome(status, reason, cert, spectrum, value, radius)


# ------------------------------------------------------------------------------ refutations


@dataclasses.dataclass(frozen=True)
class RefutationCertificate:
    """How far a refutation is proved: what a record's ``certificate`` block holds.

    Attributes:
      status: ``"certified"`` (every number the refutation rests on is enclosed in ball
        arithmetic and the enclosures prove it), ``"float64 only"`` (it rests on float64
        numbers; `reason` says why no proof), or ``"inconclusive"`` (the certificate showed
        the float64 refutation does not stand: a point called critical is not one, a
        hypothesis is broken).
      method: what was run, e.g. ``"ball arithmetic (python-flint arb, 128 bits)"``.
      reason: why it is not certified (None when it is).
      enclosures: ``name -> (lower, upper)`` floats, rounded outwards, of every number
        that enters (both sides of the inequality, their difference, the hypotheses').
      test: for a statistical claim, the Monte Carlo test its refutation rests on (see
        `statistical_test`): ``{"name", "false_alarm_rate", "numbers"}``; None otherwise.
    """

    status: str
    method: str
    reason: str | None = None
    enclosures: Mapping[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    test: Mapping[str, Any] | None = None

    STATUSES: ClassVar[tuple[str, ...]] = ("certified", "float64 only", "inconclusive")

    def __post_init__(self):
        if self.status not in self.STATUSES:
            raise ValueError(f"status must be one of {list(self.STATUSES)}; got {self.status!r}")

    @property
    def certified(self) -> bool:
        return self.status == "certified"

    def to_json(self) -> dict:
        """The record's ``certificate`` block (floats as JSON numbers or "inf"/"-inf"/"nan")."""
        def num(x):
            return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))

        block = {"status": self.status, "method": self.method, "reason": self.reason,
                 "enclosures": {k: [num(lo), num(hi)] for k, (lo, hi) in sorted(self.enclosures.items())}}
        if self.test is not None:
            block["test"] = {"name": self.test["name"], "false_alarm_rate": num(float(self.test["false_alarm_rate"])),
                             "numbers": {k: num(float(v)) for k, v in sorted(self.test["numbers"].items())}}
        return block


def statistical_test(name: str, measured: Mapping[str, Any]) -> dict[str, Any]:
    """The ``test`` block of a statistical refutation: the test's `name` (what interval, on
    what), its false-alarm rate (``measured["false_alarm"]``: the probability that the test
    refutes a true claim) and every scalar number the check measured (the estimate, the
    interval's ends, the sample size, ...), exactly as float64 computed them.

    Raises ValueError when `measured` has no ``false_alarm`` entry (a statistical check must
    say its rate)."""
    if "false_alarm" not in measured:
        raise ValueError(f"measured must hold 'false_alarm' (the test's false-alarm rate); found keys {sorted(measured)}")
    numbers = {k: float(np.asarray(v)) for k, v in measured.items() if np.size(v) == 1 and k != "false_alarm"}
    return {"name": name, "false_alarm_rate": float(np.asarray(measured["false_alarm"])), "numbers": numbers}


def enclosure(ball) -> tuple[float, float]:
    """``(lower, upper)`` floats enclosing an arb ball (outward rounded); (-inf, inf) when
    the ball is not finite."""
    if not ball.is_finite():
        return (-math.inf, math.inf)
    return (_down(ball), _up(ball))


def certify_violation(lhs, rhs, relation: str, *, hypotheses: Mapping[str, Any] | None = None,
                      numbers: Mapping[str, Any] | None = None, prec: int = 128) -> RefutationCertificate:
    """Certify that ``lhs <= rhs`` (``relation="upper"``), ``lhs >= rhs`` (``"lower"``) or
    ``lhs == rhs`` (``"identity"``) is violated, from arb enclosures of both sides.

    Args:
      lhs, rhs: arb balls enclosing the exact values at the stored instance.
      relation: what the claim asserts.
      hypotheses: ``name -> (arb ball, "positive" | "nonnegative")`` for hypotheses of the
        theorem that are inequalities on the instance (``tau - ||A||`` >= 0, ...): each must be
        *proved* for a certified counterexample; one proved false makes the refutation
        inconclusive (the instance is outside the theorem), one undecided leaves it float64 only.
      numbers: other arb enclosures to report (``name -> ball``).
      prec: the bits the balls were computed with (reported in `method`).
    """
    if relation not in ("upper", "lower", "identity"):
        raise ValueError(f"relation must be 'upper', 'lower' or 'identity'; got {relation!r}")
    method = f"ball arithmetic (python-flint arb, {prec} bits)"
    violation = {"upper": lhs - rhs, "lower": rhs - lhs, "identity": lhs - rhs}[relation]
    encl = {"lhs": enclosure(lhs), "rhs": enclosure(rhs), "violation": enclosure(violation)}
    for name, ball in (numbers or {}).items():
        encl[name] = enclosure(ball)
    undecided = []
    for name, (ball, sign) in (hypotheses or {}).items():
        encl[f"hypothesis {name}"] = enclosure(ball)
        proved = ball > 0 if sign == "positive" else ball >= 0
        disproved = ball <= 0 if sign == "positive" else ball < 0
        if disproved:
            return RefutationCertificate("inconclusive", method, f"the hypothesis {name} is false at the "
                                         f"stored instance (enclosure {_interval(ball)})", encl)
        if not proved:
            undecided.append(f"{name} (enclosure {_interval(ball)})")
    if not violation.is_finite():
        return RefutationCertificate("float64 only", method, "the enclosure of the violation is not finite", encl)
    if relation == "identity":
        violated = not violation.contains(0)
    else:
        violated = bool(violation > 0)
    if not violated:
        return RefutationCertificate(
            "float64 only", method,
            f"the violation's enclosure {_interval(violation)} does not exclude 0: the sides may be equal "
            f"in exact arithmetic (a float64 tolerance, not the theorem, was crossed)", encl)
    if undecided:
        return RefutationCertificate("float64 only", method, "the hypotheses " + ", ".join(undecided)
                                     + " are not decided by the enclosures (on their boundary?)", encl)
    return RefutationCertificate("certified", method, None, encl)


def certify_worse_critical_point(loss: Callable, x, better, *, second_order: bool = True,
                                 prec: int = 128) -> RefutationCertificate:
    """Certify that `x` is a critical point of `loss` (second-order stationary, with
    `second_order`) whose value is worse than the value at the point `better`: what refutes
    "every critical point / SOSP is a global minimum".

    Where the gradient at the stored `x` is exactly 0 in ball arithmetic (the origin of a
    deep linear network, say), x itself is the critical point, and the Hessian's spectrum
    there (`hessian_spectrum`, exact point: no box) must have no negative eigenvalue, its
    smallest proved >= 0. Otherwise Krawczyk's test must prove a critical point x* near x
    (`certify_point`): a strict local minimum is an SOSP, a strict saddle is a critical point
    but not an SOSP (then, with `second_order`, the refutation is inconclusive: the point is
    not what float64 said), and a degenerate Hessian leaves it float64 only. Then
    ``f(x*) - f(better) > 0`` must hold for the enclosures.
    """
    from flint import arb, ctx

    from verify.landscape import balls

    x = np.asarray(x, np.float64)
    better = np.asarray(better, np.float64)
    method = f"ball arithmetic (python-flint arb, {prec} bits): critical point, inertia, values"
    try:
        with ctx.workprec(prec):
            f, g, h = balls.loss_gradient_hessian(loss, x, prec=prec)
            f_better = balls.evaluate(loss, better, prec=prec)[()]
            exact = all(gi.is_zero() for gi in g)
            numbers = {"loss_at_better_point": f_better}
            if exact:
                spectrum = hessian_spectrum(h)
                numbers["lambda_min"] = interval_ball(*spectrum.lambda_min)
                value = f
                hypotheses = {"gradient = 0 (exactly)": (arb(0), "nonnegative")}
                if second_order:
                    hypotheses["Hessian PSD (lambda_min >= 0)"] = (interval_ball(*spectrum.lambda_min), "nonnegative")
            else:
                point = certify_point(loss, x, precisions=(prec, 2 * prec))
                if point.status == "uncertified: degenerate":
                    return RefutationCertificate("float64 only", method, "the point's Hessian is singular: "
                                                 "no second-order certificate (degenerate critical point)")
                if not point.status in ("strict local minimum", "strict saddle"):
                    return RefutationCertificate("inconclusive" if point.status.endswith("no critical point proved")
                                                 else "float64 only", method, f"{point.status}: {point.reason}")
                if second_order and point.status == "strict saddle":
                    return RefutationCertificate("inconclusive", method, "the critical point is a certified strict "
                                                 "saddle, not a second-order stationary point: " + point.reason)
                value = interval_ball(*point.loss)
                hypotheses = {}
                numbers["lambda_min"] = interval_ball(*point.spectrum.lambda_min)
    except (balls.UnsupportedPrimitiveError, balls.UndecidedComparisonError) as e:
        return RefutationCertificate("float64 only", method, f"{type(e).__name__}: {e}")
    cert = certify_violation(value, f_better, "upper", hypotheses=hypotheses, numbers=numbers, prec=prec)
    return dataclasses.replace(cert, method=method)


def _interval(ball) -> str:
    lo, hi = enclosure(ball)
    return f"[{lo:.6g}, {hi:.6g}]"


# ------------------------------------------------------------------------------ validation


def _down(x) -> float:
    """A float64 <= every point of the arb ball x (float() rounds to nearest: step out
    unless it is exact)."""
    from flint import arb

    v = float(x.lower())
    return v if arb(v) <= x.lower() else float(np.nextafter(v, -np.inf))


def _up(x) -> float:
    """A float64 >= every point of the arb ball x."""
    from flint import arb

    v = float(x.upper())
    return v if arb(v) >= x.upper() else float(np.nextafter(v, np.inf))


def interval_ball(lower: float, upper: float):
    """An arb ball containing the interval ``[lower, upper]`` of floats (exact when they
    are equal)."""
    from flint import arb

    if not lower <= upper:
        raise ValueError(f"lower must be <= upper; got [{lower!r}, {upper!r}]")
    mid = 0.5 * lower + 0.5 * upper
    rad = max(upper - mid, mid - lower)
    if rad > 0:
        rad = float(np.nextafter(rad, np.inf)) * (1 + 2.0**-50)
    return arb(mid, rad)


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
