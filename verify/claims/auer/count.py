"""Counting the minima of Auer et al.'s construction, and certifying each in ball arithmetic.

`count_minima` runs the multi-start search of `verify.claims.auer.model` in chunks on the
host, groups the minima it finds, and proves each a strict local minimum with
`certify_minimum`: the general Krawczyk + Gershgorin certificate of
`verify.landscape.certify`, fed with the single neuron's gradient and Hessian in arb.
"""

from __future__ import annotations

import dataclasses
import time

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import validate_positive_int
from verify.claims.auer.model import (
    LOSSES,
    SPACING,
    TRANSFERS,
    _index,
    descend_from_starts,
    search_scales,
    uniform_starts,
    validate_data,
)
from verify.landscape import PointType
from verify.landscape import certify
from verify.landscape.multiscale import unseen_estimate
from verify.tolerances import TOLERANCES

__all__ = ["MinimumCertificate", "certify_minimum", "MinimaCount", "count_minima"]


# --------------------------------------------------------------------- rigorous certificate

def _arb_parts(transfer, loss, y, z):
    """``h(z) = l(y, phi(z))``: its first and second derivatives in z, in arb."""
    from flint import arb

    if transfer == "logistic":
        # 1 - sigma(z) = sigma(-z), computed without the subtraction: at z = 1e31 (the
        # construction's largest scale with m = 32) it is exp(-1e31), which arb represents
        # and float64 flushes to 0.
        # exp of the side that stays bounded: exp(+1e31) over a box is an unbounded ball.
        e = (-z).exp() if z.mid() >= 0 else z.exp()
        s, t = (1 / (1 + e), e / (1 + e)) if z.mid() >= 0 else (e / (1 + e), 1 / (1 + e))
        p, dp, ddp = s, s * t, s * t * (t - s)
    elif transfer == "arctan":
        q = 1 + z * z
        p, dp, ddp = arb(0.5) + z.atan() / arb.pi(), 1 / (arb.pi() * q), -2 * z / (arb.pi() * q * q)
    else:
        raise ValueError(f"certify_minimum supports the transfers {list(SPACING)}; got {transfer!r}")
    r = p - y
    if loss == "square":
        dl, ddl = 2 * r, arb(2)
    else:
        root = (1 + r * r).sqrt()
        dl, ddl = r / root, 1 / (root * root * root)
    return dl * dp, ddl * dp * dp + dl * ddp



def _arb_derivatives(x, y, transfer, loss, scale, v, hessian=True):
    """Gradient (and, with `hessian`, the Hessian) of G(v) = F(scale sinh v) over the arb
    balls v, as lists of arb."""
    n, d = x.shape
    w = [scale[j] * v[j].sinh() for j in range(d)]
    dw = [scale[j] * v[j].cosh() for j in range(d)]
    grad_w = [0] * d
    hess_w = [[0] * d for _ in range(d)]
    for i in range(n):
        nz = [j for j in range(d) if x[i, j] != 0.0]
        if not nz:
            continue
        z = sum(float(x[i, j]) * w[j] for j in nz)
        h1, h2 = _arb_parts(transfer, loss, float(y[i]), z)
        for j in nz:
            grad_w[j] += h1 * float(x[i, j])
            if hessian:
                for k in nz:
                    hess_w[j][k] += h2 * float(x[i, j]) * float(x[i, k])
    grad = [grad_w[j] * dw[j] / n for j in range(d)]
    if not hessian:
        return grad
    hess = [[hess_w[j][k] * dw[j] * dw[k] / n for k in range(d)] for j in range(d)]
    for j in range(d):  # d^2 w / dv^2 = w: the term grad_w F * w on the diagonal
        hess[j][j] += grad_w[j] * w[j] / n
    return hess


@dataclasses.dataclass(frozen=True)
class MinimumCertificate:
    """What `certify_minimum` proved about a point w of the single neuron's error.

    Attributes:
      certificate: the general `verify.landscape.certify.Certificate` on the box in sinh
        coordinates (its reason, the enclosures of the gradient, the Hessian and the
        Krawczyk image).
      v: the box centre in sinh coordinates, ``asinh(w / scale)``.

    The fields of the certificate most often read (`certified`, `unique_critical`,
    `positive_definite`, `gershgorin_margin`, `prec`, `reason`) are properties here, and
    ``cert["certified"]`` etc. reads them too (the keys of the dict `certify_minimum`
    returned before it returned this object: those five and ``"v"``).
    """

    certificate: certify.Certificate
    v: np.ndarray

    _KEYS = ("certified", "unique_critical", "positive_definite", "gershgorin_margin", "prec", "v")

    @property
    def certified(self) -> bool:
        return self.certificate.certified

    @property
    def unique_critical(self) -> bool:
        return self.certificate.unique_critical

    @property
    def positive_definite(self) -> bool:
        return bool(self.certificate.positive_definite)

    @property
    def gershgorin_margin(self) -> float:
        return self.certificate.gershgorin_margin

    @property
    def prec(self) -> int:
        return self.certificate.prec

    @property
    def reason(self) -> certify.Reason:
        return self.certificate.reason

    def __getitem__(self, key: str):
        if key not in self._KEYS:
            raise KeyError(f"a MinimumCertificate has the keys {list(self._KEYS)}; got {key!r}")
        return getattr(self, key)


def certify_minimum(x, y, transfer: str, loss: str, w, radius: float = 1e-7,
                    precisions=certify.DEFAULT_PRECISIONS) -> MinimumCertificate:
    """Prove that a box around `w` holds exactly one critical point, a strict local minimum.

    The box is taken in the sinh coordinates of `search_scales` (a box of half-width
    `radius` there is a box of relative half-width ~`radius` in w), and the proof is
    `verify.landscape.certify.certify_minimum` (Krawczyk's test for a unique critical point,
    then Gershgorin's test for a positive definite Hessian on the whole box, in arb ball
    arithmetic, at the first of `precisions` at which both hold) applied to the gradient
    and Hessian of ``G(v) = F(scale sinh v)`` evaluated in arb.

    Args:
      x, y: the data, (n, d) and (n,).
      transfer: ``"logistic"`` or ``"arctan"`` (the transfers the arb derivatives exist for).
      loss: one of `LOSSES`.
      w: (d,) the point, in the original coordinates.
      radius: half-width of the box in sinh coordinates.
      precisions: bits to try in turn.

    Returns:
      A `MinimumCertificate`. A point where either test fails at every precision is *not
      certified*, which is not a proof that it is not a minimum (the reason says which test
      failed).
    """
    if transfer not in SPACING:
        raise ValueError(f"certify_minimum supports the transfers {list(SPACING)}; got {transfer!r}")
    _index("loss", loss, LOSSES)
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    scale = np.asarray(search_scales(jnp.asarray(x))[0])
    v0 = np.arcsinh(np.asarray(w, np.float64) / scale)
    cert = certify.certify_minimum(
        lambda v: _arb_derivatives(x, y, transfer, loss, scale, v, hessian=False),
        lambda v: _arb_derivatives(x, y, transfer, loss, scale, v),
        v0, radius, precisions,
    )
    return MinimumCertificate(certificate=cert, v=v0)


# ----------------------------------------------------------------------------- counting


@dataclasses.dataclass(frozen=True)
class MinimaCount:
    """What `count_minima` found.

    Attributes:
      minima: (k, d) the distinct certified minima (float64 certificate), in w.
      hits: (k,) how many starts reached each.
      losses: (k,) F at each.
      certified: (k,) bool, the ball-arithmetic certificate (`certify_minimum`) held; None
        when it was not run.
      n_starts: starts used.
      unseen: estimated number of minima the search missed (Chao1, `unseen_estimate`).
      seconds_search, seconds_certify: wall times.
    """

    minima: np.ndarray
    hits: np.ndarray
    losses: np.ndarray
    certified: np.ndarray | None
    n_starts: int
    unseen: float
    seconds_search: float
    seconds_certify: float

    @property
    def n_found(self) -> int:
        return int(self.minima.shape[0])

    @property
    def n_certified(self) -> int:
        return int(np.sum(self.certified)) if self.certified is not None else 0


def count_minima(x, y, transfer: str = "logistic", loss: str = "square", n_starts: int = 4096,
                 seed: int = 0, chunk: int = 2048, certify: bool = True, radius: float = 1e-7,
                 progress=None) -> MinimaCount:
    """Find, group and certify the local minima of the single-neuron error on data (x, y).

    Starts are uniform in the data-driven box of `search_scales` (sinh coordinates); each
    is descended and classified as in `search_minima`, in chunks of `chunk` starts; the
    certified minima are grouped on the host (points within ``dedup`` of each other in
    sinh coordinates), then each group's first point is certified in ball arithmetic.
    `progress(done, total, stage)` is called after each chunk and certificate batch.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    validate_data(x, y)
    t_idx, l_idx = _index("transfer", transfer, TRANSFERS), _index("loss", loss, LOSSES)
    validate_positive_int("n_starts", n_starts)
    scale, half = (np.asarray(a) for a in search_scales(jnp.asarray(x)))
    key = jax.random.PRNGKey(seed)
    t0 = time.perf_counter()
    reps: list[np.ndarray] = []
    hits: list[int] = []
    losses: list[float] = []
    tol = TOLERANCES["dedup"]
    for lo in range(0, n_starts, chunk):
        size = min(chunk, n_starts - lo)
        starts = uniform_starts(jax.random.fold_in(key, lo), chunk, jnp.asarray(half))[:chunk]
        v, types, f = jax.device_get(descend_from_starts(x, y, t_idx, l_idx, starts))
        v, types, f = v[:size], types[:size], f[:size]
        for vi, fi in zip(v[types == PointType.LOCAL_MINIMUM], f[types == PointType.LOCAL_MINIMUM]):
            if reps:
                dist = np.max(np.abs(np.asarray(reps) - vi), axis=1)
                j = int(np.argmin(dist))
                if dist[j] <= tol:
                    hits[j] += 1
                    continue
            reps.append(vi)
            hits.append(1)
            losses.append(float(fi))
        if progress is not None:
            progress(lo + size, n_starts, "search")
    t1 = time.perf_counter()
    v_reps = np.asarray(reps).reshape(-1, x.shape[1])
    minima = scale * np.sinh(v_reps)
    certified = None
    if certify:
        certified = np.zeros(len(reps), bool)
        for i, w in enumerate(minima):
            certified[i] = certify_minimum(x, y, transfer, loss, w, radius).certified
            if progress is not None and (i + 1) % 64 == 0:
                progress(i + 1, len(reps), "certify")
        # Certified boxes of half-width `radius` are disjoint when the centres of every pair
        # differ by more than 2 radius in some coordinate (then the minima are distinct).
        for i in range(1, len(reps)):
            if np.any(np.max(np.abs(v_reps[:i] - v_reps[i]), axis=1) <= 2 * radius):
                raise RuntimeError("two distinct minima are closer than their certificate boxes")
    t2 = time.perf_counter()
    hits_arr = np.asarray(hits, np.int64)
    return MinimaCount(
        minima=minima, hits=hits_arr, losses=np.asarray(losses), certified=certified,
        n_starts=int(n_starts), unseen=float(unseen_estimate(jnp.asarray(hits_arr))),
        seconds_search=t1 - t0, seconds_certify=t2 - t1,
    )

