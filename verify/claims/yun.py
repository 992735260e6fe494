"""Yun, Sra & Jadbabaie, "Are deep ResNets provably better than linear predictors?" (seed 004).

The multi-block ResNet of the poster (section "Benign Landscape of Deep ResNets"). For an
input x in R^{d_x},

    h_1(x) = x + V_1 phi^1(x),
    h_l(x) = h_{l-1}(x) + V_l phi^l(U_l h_{l-1}(x)),   l = 2, ..., L,
    f_theta(x) = w^T h_L(x),

with V_l in R^{d_x x n_l}, U_l in R^{m_l x d_x} (l >= 2; block 1 has no U), w in R^{d_x}, and
each residual function phi^l : R^{m_l} -> R^{n_l} (m_1 = d_x) a feed-forward network with its
own parameters z_l. The poster allows any feed-forward network; this module encodes one hidden
layer of width k_l with a smooth activation sigma and a linear output,

    phi^l(s) = A_l sigma(B_l s + b_l),   B_l in R^{k_l x m_l}, b_l in R^{k_l}, A_l in R^{n_l x k_l},

with sigma = tanh or softplus (`ACTIVATIONS`; both C^infinity, so the risk is twice
differentiable everywhere, as the theorem's Hessian needs). theta collects every U_l, V_l,
z_l = (B_l, b_l, A_l) and w; `flatten_params` / `unflatten` (`jax.flatten_util.ravel_pytree`)
turn it into one float64 vector for the instruments of `verify.landscape`.

Risks (the empirical distribution of n samples stands for the data distribution P):

    R(theta) = (1/n) sum_i l(f_theta(x_i); y_i),   R_lin = inf_t (1/n) sum_i l(t^T x_i; y_i),

for the square loss l(p; y) = (p - y)^2 and the logistic loss l(p; y) = log(1 + exp(-y p)),
y = +-1 (`LOSSES`): both convex and twice differentiable in p, as the theorem assumes.

R_lin (`linear_fit`). Square loss: least squares (`jnp.linalg.lstsq`). Logistic loss: Newton's
method with a backtracking line search from t = 0. Both come with a certified optimality gap
(`linear_fit`): with g the gradient of the linear risk at the returned t and mu a lower bound
on its Hessian on the ball B(t, rho), ||g|| <= mu rho / 2 proves that the infimum is attained
inside that ball and that R_lin >= R_lin(t) - ||g||^2 / (2 mu) (`certified_gap`). For the
logistic loss l''(p; y) = sigma(p) sigma(-p) is even in p and decreasing in |p|, so on the ball
mu >= lambda_min((1/n) sum_i l''(|t^T x_i| + rho ||x_i||) x_i x_i^T); for the square loss the
Hessian is the constant (2/n) X^T X. The generator makes logistic data non-separable by
construction (the first d_x inputs appear twice, with opposite labels, and span R^{d_x}), so
the infimum is attained: for every t != 0 some t^T x_j != 0, and one of the two copies of x_j
has y t^T x_j < 0, so the risk grows without bound along every ray. Data that are not
certified (for example separable ones, where R_lin is an unattained infimum) make the check
inconclusive: the certified gap is then inf.

Why the theorem holds (a derivation by this module, used to state what "lambda_min < 0" must
look like in floating point; the poster gives no proof). Write r_i = l'(f(x_i); y_i),
c_l = E[r phi^l] (in R^{n_l}) and N = {u : U_l u = 0 for all l >= 2}, which is not {0} exactly
under the second condition. At a critical point:

* grad_w R = E[r h_L] = 0, so E[r f] = w^T E[r h_L] = 0 and E[r x] = -sum_l V_l c_l;
* convexity of l in p: for every t, E[l(t^T x)] >= R(theta) + t^T E[r x] - E[r f], hence
  R(theta) - R_lin <= ||t*|| ||E[r x]|| <= ||t*|| sum_l ||V_l||_2 ||c_l||  (t* the minimiser);
* for u in N, d h_L / d h_l maps u to u (each factor I + V_k Dphi^k U_k fixes u), so
  u^T grad_{V_l} R = (w^T u) c_l^T = 0: if w is not orthogonal to N, every c_l = 0 and
  R(theta) <= R_lin. For L = 1, N = R^{d_x} and w != 0 is such a w (Shamir's result);
* if w is orthogonal to N, take a unit u in N, l with ||c_l|| largest and q = c_l / ||c_l||.
  Along the unit directions d1 = (w: u) and d2 = (V_l: u q^T) the risk satisfies
  d2^T H d2 = 0 (moving V_l along u q^T changes h_L by a multiple of u, which no later U_k sees
  and w^T u = 0 ignores), d1^T H d1 = a = E[l'' (u^T h_L)^2] and d1^T H d2 = ||c_l||. So
  lambda_min(H) <= (a - sqrt(a^2 + 4 b^2)) / 2 <= -b^2 / (a + b) with b = max_l ||c_l||
  (`Conditions.residual_correlation`), and by the second bullet
  b >= (R(theta) - R_lin) / (||t*|| sum_l ||V_l||_2) (`promised_curvature`).

So at an exact critical point meeting the second condition, lambda_min <= -kappa with
kappa = b^2 / (A + b), A = lambda_max(E[l'' h_L h_L^T]) >= a, and R(theta) > R_lin forces
b > 0, so kappa > 0, and kappa grows with the excess R(theta) - R_lin. The
derivation does not use the first (full-rank) condition: the theorem as stated, with both
conditions, is implied by it. The check tests the theorem as stated; kappa only decides
whether the negative eigenvalue the theorem promises is large enough for floating point to
see (see `Dichotomy`).

Claims (ids as in ``shared/CLAIMS.md``):

* `Dichotomy` (``yun/dichotomy``): the poster's Theorem.
* `SingleBlock` (``yun/single-block``): its L = 1 case (Shamir 2018): every critical point
  with w* != 0 is at least as good as the best linear predictor.

References:
  [1] C. Yun, S. Sra, A. Jadbabaie. Are deep ResNets provably better than linear predictors?
      NeurIPS 2019, arXiv:1907.03922v2: the main theorem on deep ResNets (the poster's
      Theorem; its number in the paper was not checked here, the statement encoded is the
      poster's) and its L = 1 special case; the poster is the seed
      ``shared/seeds/004_b91220a50cbb67a9.txt``.
  [2] O. Shamir. Are ResNets provably better than linear predictors? NeurIPS 2018,
      arXiv:1804.06739 (the single-block result, the poster's reference [2]).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from verify.landscape import search_and_classify, type_counts
from verify.claims.base import Claim, Evidence, register
from verify.errors import InvalidInstanceError
from verify.landscape import PointType, is_critical, lambda_max, lambda_min
from verify.tolerances import TOLERANCES

__all__ = [
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
    "LinearFit",
    "linear_fit",
    "certified_gap",
    "Conditions",
    "hypothesis_conditions",
    "promised_curvature",
    "single_block_bound",
    "PointReport",
    "dichotomy_at",
    "make_data",
    "Dichotomy",
    "SingleBlock",
]

SEED_004 = "shared/seeds/004_b91220a50cbb67a9.txt"

#: Supported losses: convex and twice differentiable in p (the theorem's hypothesis on l).
LOSSES = ("square", "logistic")
#: Supported activations of the residual functions, by code (instances store the code).
ACTIVATIONS = ("tanh", "softplus")


# ------------------------------------------------------------------ the architecture


@dataclasses.dataclass(frozen=True)
class Architecture:
    """Shapes of the ResNet: input dimension d_x and, per block l = 1..L, the widths
    (m_l, k_l, n_l) of phi^l: input (m_1 = d_x), hidden and output."""

    d: int
    m: tuple[int, ...]
    k: tuple[int, ...]
    n: tuple[int, ...]

    @property
    def depth(self) -> int:
        return len(self.n)

    def __post_init__(self):
        validate_architecture(self.d, self.m, self.k, self.n)

    @classmethod
    def make(cls, d: int, depth: int, m: int = 1, k: int = 2, n: int = 2) -> "Architecture":
        """All blocks alike: m_l = m (l >= 2), k_l = k, n_l = n."""
        if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
            raise ValueError(f"depth must be an integer L >= 1; got {depth!r}")
        return cls(d, (d,) + (m,) * (depth - 1), (k,) * depth, (n,) * depth)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter name -> shape: ``w``, and per block ``V{l}``, ``U{l}`` (l >= 2),
        ``B{l}``, ``b{l}``, ``A{l}``."""
        out = {"w": (self.d,)}
        for i in range(self.depth):
            l = i + 1
            out[f"V{l}"] = (self.d, self.n[i])
            if l >= 2:
                out[f"U{l}"] = (self.m[i], self.d)
            out[f"B{l}"] = (self.k[i], self.m[i])
            out[f"b{l}"] = (self.k[i],)
            out[f"A{l}"] = (self.n[i], self.k[i])
        return out

    @property
    def size(self) -> int:
        return int(sum(np.prod(s) for s in self.shapes().values()))


def _is_int(v) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, np.integer))


def validate_architecture(d, m, k, n) -> None:
    """Raise ValueError naming every width that is not a positive integer, and m_1 != d_x."""
    problems = []
    if not _is_int(d) or d < 1:
        problems.append(f"d (the input dimension d_x) must be an integer >= 1; got {d!r}")
    if not (len(m) == len(k) == len(n)) or len(n) < 1:
        problems.append(
            f"m, k, n must hold one width per block and depth L >= 1; got lengths "
            f"{len(m)}, {len(k)}, {len(n)}"
        )
    for name, ws in (("m", m), ("k", k), ("n", n)):
        for i, v in enumerate(ws):
            if not _is_int(v) or v < 1:
                problems.append(f"{name}_{i + 1} (a width) must be an integer >= 1; got {v!r}")
    if not problems and m[0] != d:
        problems.append(f"m_1 must equal d_x = {d} (block 1 reads x itself); got {m[0]}")
    if problems:
        raise ValueError("; ".join(problems))


def init_params(key, arch: Architecture, scale=1.0) -> dict[str, jax.Array]:
    """Gaussian parameters: each matrix entry N(0, scale^2 / fan_in), biases N(0, scale^2 / 4)."""
    shapes = arch.shapes()
    keys = jax.random.split(key, len(shapes))
    out = {}
    for kk, (name, shape) in zip(keys, sorted(shapes.items())):
        fan_in = shape[-1] if len(shape) == 2 else 4
        out[name] = scale * jax.random.normal(kk, shape, jnp.float64) / jnp.sqrt(fan_in)
    return out


def flatten_params(params: Mapping[str, jax.Array]):
    """``(theta, unflatten)``: the flat float64 vector of all parameters and its inverse
    (`jax.flatten_util.ravel_pytree`; names in sorted order)."""
    theta, unflatten = ravel_pytree(dict(params))
    return jnp.asarray(theta, jnp.float64), unflatten


def architecture_of(params: Mapping[str, Any]) -> Architecture:
    """The architecture a parameter dict describes (raises ValueError if inconsistent)."""
    names = set(params)
    depth = sum(1 for nm in names if re.fullmatch(r"V\d+", nm))
    want = {"w"} | {f"{p}{l}" for l in range(1, depth + 1) for p in "VBbA"} | {
        f"U{l}" for l in range(2, depth + 1)
    }
    if depth < 1 or names != want:
        raise ValueError(
            f"params must hold w and, per block l = 1..L (L >= 1), V_l, B_l, b_l, A_l and U_l "
            f"(l >= 2); got names {sorted(names)}"
        )
    d = int(np.shape(params["w"])[0])
    m = tuple([d] + [int(np.shape(params[f"U{l}"])[0]) for l in range(2, depth + 1)])
    k = tuple(int(np.shape(params[f"b{l}"])[0]) for l in range(1, depth + 1))
    n = tuple(int(np.shape(params[f"V{l}"])[1]) for l in range(1, depth + 1))
    arch = Architecture(d, m, k, n)
    bad = [
        f"{nm} has shape {tuple(np.shape(params[nm]))}, expected {s}"
        for nm, s in arch.shapes().items()
        if tuple(np.shape(params[nm])) != s
    ]
    if bad:
        raise ValueError("params have inconsistent shapes: " + "; ".join(bad))
    return arch


# ------------------------------------------------------------------ forward pass and risk


def _activation(codes, l, s):
    """sigma_l(s) for the activation code of block l (0 tanh, 1 softplus); traced codes work:
    both are computed and one selected (elementwise, cheap)."""
    c = codes[l]
    return jnp.where(c == 0, jnp.tanh(s), jax.nn.softplus(s))


def activation_codes(activation, depth: int) -> jax.Array:
    """Float codes (one per block) for an activation name, a sequence of names or codes."""
    if isinstance(activation, str):
        activation = (activation,) * depth
    if isinstance(activation, (tuple, list)) and all(isinstance(a, str) for a in activation):
        bad = [a for a in activation if a not in ACTIVATIONS]
        if bad:
            raise ValueError(f"activation must be one of {ACTIVATIONS}; got {bad[0]!r}")
        if len(activation) != depth:
            raise ValueError(f"activation must name one activation per block ({depth}); got {len(activation)}")
        return jnp.asarray([float(ACTIVATIONS.index(a)) for a in activation], jnp.float64)
    return jnp.asarray(activation, jnp.float64)


def resnet_forward(params, x, activation="tanh", return_residuals: bool = False):
    """``(f, h_L)`` for the rows of `x` (shape (n, d_x)): f of shape (n,), h_L of shape (n, d_x);
    with `return_residuals`, also the list of phi^l(.) outputs, each of shape (n, n_l).

    `activation`: a name from `ACTIVATIONS`, one name per block, or float codes per block."""
    depth = sum(1 for nm in params if re.fullmatch(r"V\d+", nm))
    codes = activation_codes(activation, depth)
    _check_data(x, None, np.shape(params["w"])[0])

    def phi(l, s):
        pre = s @ params[f"B{l}"].T + params[f"b{l}"]
        return _activation(codes, l - 1, pre) @ params[f"A{l}"].T

    residuals = [phi(1, x)]
    h = x + residuals[0] @ params["V1"].T
    for l in range(2, depth + 1):
        residuals.append(phi(l, h @ params[f"U{l}"].T))
        h = h + residuals[-1] @ params[f"V{l}"].T
    if return_residuals:
        return h @ params["w"], h, residuals
    return h @ params["w"], h


def _check_data(x, y, d=None) -> None:
    """Static shape checks (they hold under jit): x (n, d_x), y (n,)."""
    xs = np.shape(x)
    if len(xs) != 2 or (d is not None and xs[1] != d):
        want = f"(n, {d})" if d is not None else "(n, d_x)"
        raise ValueError(f"x must have shape {want} (d_x from w); got shape {xs}")
    if y is not None and np.shape(y) != (xs[0],):
        raise ValueError(f"y must have shape ({xs[0]},) to match x of shape {xs}; got shape {np.shape(y)}")


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(
            f"loss must be one of {LOSSES} (convex and twice differentiable in p); got {loss!r}"
        )


def _select(loss, square, logistic):
    """Dispatch on the loss: a name from `LOSSES` (decided when tracing) or a float code
    (0 square, 1 logistic; may be traced: both branches are computed and one selected, so
    one compiled check serves both losses). `square`, `logistic`: thunks returning pytrees."""
    if isinstance(loss, str):
        _check_loss(loss)
        return square() if loss == "square" else logistic()
    code = jnp.asarray(loss)
    return jax.tree_util.tree_map(lambda a, b: jnp.where(code == 0, a, b), square(), logistic())


def loss_code(loss: str) -> float:
    """The float code of a loss name (instances store the code)."""
    _check_loss(loss)
    return float(LOSSES.index(loss))


def per_sample_loss(p, y, loss):
    """l(p; y): ``"square"`` (p - y)^2, ``"logistic"`` log(1 + exp(-y p)) with y = +-1
    (`loss`: a name or a float code, see `_select`)."""
    return _select(loss, lambda: (p - y) ** 2, lambda: jax.nn.softplus(-y * p))


def loss_derivative(p, y, loss):
    """l'(p; y) in p."""
    return _select(loss, lambda: 2.0 * (p - y), lambda: -y * jax.nn.sigmoid(-y * p))


def loss_second_derivative(p, y, loss):
    """l''(p; y) in p: 2 (square), sigma(p) sigma(-p) (logistic, y^2 = 1)."""
    return _select(
        loss, lambda: 2.0 * jnp.ones_like(p), lambda: jax.nn.sigmoid(p) * jax.nn.sigmoid(-p)
    )


def empirical_risk(params, x, y, loss, activation="tanh"):
    """R(theta) = (1/n) sum_i l(f_theta(x_i); y_i)."""
    _check_data(x, y, np.shape(params["w"])[0])
    f, _ = resnet_forward(params, x, activation)
    return jnp.mean(per_sample_loss(f, y, loss))


# ------------------------------------------------------------------ the linear baseline

#: Newton iterations for the logistic linear fit (quadratic convergence: a handful suffice
#: from t = 0 once the line search has brought t near t*; 40 leaves a wide margin).
NEWTON_STEPS = 40
#: Step sizes tried by the backtracking line search: 1, 1/2, ..., 2^-30.
_STEPS = 2.0 ** -jnp.arange(31.0)
#: Radii (relative to max(||t||, 1)) of the balls tried by the certificate.
CERTIFICATE_RADII = (1e-6, 1e-4, 1e-2, 1.0)


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class LinearFit:
    """The best linear predictor t (approximately) and the certificate of its optimality.

    Attributes:
      t: the fitted coefficients.
      risk: R_lin(t) = (1/n) sum_i l(t^T x_i; y_i), an upper bound on R_lin.
      gap: certified bound on R_lin(t) - R_lin (inf when nothing is certified).
      grad_norm: ||grad R_lin(t)||.
      mu: the curvature lower bound used by the certificate (on the ball of radius `radius`).
      radius: the radius rho of the ball containing the minimiser (inf when not certified).
    """

    t: jax.Array
    risk: jax.Array
    gap: jax.Array
    grad_norm: jax.Array
    mu: jax.Array
    radius: jax.Array

    @property
    def lower(self):
        """A certified lower bound on R_lin (exact arithmetic)."""
        return self.risk - self.gap


def _linear_risk(t, x, y, loss):
    return jnp.mean(per_sample_loss(x @ t, y, loss))


def certified_gap(t, x, y, loss):
    """``(gap, mu, rho)``: R_lin(t) - R_lin <= gap, certified by strong convexity on a ball.

    If the Hessian of the linear risk F is >= mu I on B(t, rho) and g = grad F(t) has
    ||g|| <= mu rho / 2, then on the ball F(t + s) >= F(t) + g^T s + mu ||s||^2 / 2
    >= F(t) - ||g||^2 / (2 mu), and on its boundary F >= F(t) - ||g|| rho + mu rho^2 / 2 >= F(t);
    by convexity F >= F(t) along every ray beyond the ball. So the infimum is attained in the
    ball and is at least F(t) - ||g||^2 / (2 mu). mu: (2/n) lambda_min(X^T X) for the square
    loss; for the logistic loss l'' is even and decreasing in |p|, so on the ball
    mu >= lambda_min((1/n) sum_i l''(|t^T x_i| + rho ||x_i||) x_i x_i^T). The smallest gap
    over the radii `CERTIFICATE_RADII` (times max(||t||, 1)) is returned; inf (and rho = inf)
    when no radius certifies."""
    g = jax.grad(_linear_risk)(t, x, y, loss)
    gnorm = jnp.linalg.norm(g)
    z = jnp.abs(x @ t)
    xnorm = jnp.linalg.norm(x, axis=1)
    n = x.shape[0]
    rhos = jnp.asarray(CERTIFICATE_RADII) * jnp.maximum(jnp.linalg.norm(t), 1.0)

    def mu_at(rho):
        curv = loss_second_derivative(z + rho * xnorm, y, loss)
        return jnp.linalg.eigvalsh((x * curv[:, None]).T @ x / n)[0]

    mus = jax.vmap(mu_at)(rhos)
    ok = (mus > 0) & (gnorm <= 0.5 * mus * rhos)
    gaps = jnp.where(ok, gnorm**2 / (2.0 * jnp.where(mus > 0, mus, 1.0)), jnp.inf)
    best = jnp.argmin(gaps)
    return gaps[best], mus[best], jnp.where(ok[best], rhos[best], jnp.inf)


def linear_fit(x, y, loss) -> LinearFit:
    """R_lin and its minimiser: least squares (square loss) or damped Newton (logistic loss),
    with the certificate of `certified_gap`. Pure JAX. `loss`: a name, or a float code (both
    fits are computed and one selected)."""
    _check_data(x, y)
    if not isinstance(loss, str):
        return _select(loss, lambda: linear_fit(x, y, "square"), lambda: linear_fit(x, y, "logistic"))
    _check_loss(loss)
    d = x.shape[1]
    if loss == "square":
        t = jnp.linalg.lstsq(x, y)[0]
    else:
        risk = lambda t: _linear_risk(t, x, y, loss)

        def step(t, _):
            g = jax.grad(risk)(t)
            h = jax.hessian(risk)(t)
            delta = jnp.linalg.solve(h + 1e-300 * jnp.eye(d), g)
            f0 = risk(t)
            trial = jax.vmap(lambda s: risk(t - s * delta))(_STEPS)
            armijo = jnp.isfinite(trial) & (trial <= f0 - 1e-4 * _STEPS * jnp.dot(g, delta))
            j = jnp.argmax(armijo)
            t_new = jnp.where(armijo[j] & jnp.all(jnp.isfinite(delta)), t - _STEPS[j] * delta, t)
            return t_new, None

        t, _ = jax.lax.scan(step, jnp.zeros(d, jnp.float64), None, length=NEWTON_STEPS)
    gap, mu, rho = certified_gap(t, x, y, loss)
    gnorm = jnp.linalg.norm(jax.grad(_linear_risk)(t, x, y, loss))
    return LinearFit(t=t, risk=_linear_risk(t, x, y, loss), gap=gap, grad_norm=gnorm, mu=mu, radius=rho)


# ------------------------------------------------------------------ the theorem's conditions


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Conditions:
    """The two hypotheses of the Theorem at a point, measured.

    Attributes:
      full_rank_ratio: lambda_min / lambda_max of M = E[l''(f(x); y) h_L(x) h_L(x)^T]
        (0 for M = 0). The first condition holds when it is >= TOLERANCES["full_rank"].
      curvature_top: lambda_max(M) (A in the module docstring).
      row_space_gap: sigma_{d_x} / sigma_1 of the stacked [U_2; ...; U_L] (0 when
        sum_{l>=2} m_l < d_x, and for L = 1, where the stack is empty): the second condition,
        col(U_2^T ... U_L^T) != R^{d_x}, holds when it is <= TOLERANCES["yun_row_space_deficient"].
      null_vector: a unit vector u of (numerically) smallest ||U_l u|| (any unit vector if L = 1).
      residual_correlation: max_l ||c_l||, c_l = E[l'(f(x); y) phi^l(.)] (b in the module
        docstring's derivation: at a critical point meeting the second condition,
        lambda_min <= -b^2 / (A + b)).
    """

    full_rank_ratio: jax.Array
    curvature_top: jax.Array
    row_space_gap: jax.Array
    null_vector: jax.Array
    residual_correlation: jax.Array

    @property
    def first(self):
        return self.full_rank_ratio >= TOLERANCES["full_rank"]

    @property
    def second(self):
        return self.row_space_gap <= TOLERANCES["yun_row_space_deficient"]

    @property
    def both(self):
        return self.first & self.second


def hypothesis_conditions(params, x, y, loss: str, activation="tanh") -> Conditions:
    """Measure the Theorem's two conditions at `params` (see `Conditions`)."""
    f, h, residuals = resnet_forward(params, x, activation, return_residuals=True)
    r = loss_derivative(f, y, loss)
    corr = jnp.max(jnp.stack([jnp.linalg.norm(r @ phi / x.shape[0]) for phi in residuals]))
    curv = loss_second_derivative(f, y, loss)
    m = (h * curv[:, None]).T @ h / x.shape[0]
    eig = jnp.linalg.eigvalsh(0.5 * (m + m.T))
    top = eig[-1]
    ratio = jnp.where(top > 0, eig[0] / jnp.where(top > 0, top, 1.0), 0.0)
    d = x.shape[1]
    depth = sum(1 for nm in params if re.fullmatch(r"V\d+", nm))
    if depth == 1:
        return Conditions(ratio, top, jnp.asarray(0.0), jnp.eye(d)[0], corr)
    stack = jnp.concatenate([params[f"U{l}"] for l in range(2, depth + 1)], axis=0)
    # Pad with zero rows so that the right singular vectors span R^{d_x} (full_matrices).
    padded = jnp.concatenate([stack, jnp.zeros((d, d))], axis=0)
    _, s, vt = jnp.linalg.svd(padded, full_matrices=False)
    gap = jnp.where(s[0] > 0, s[d - 1] / jnp.where(s[0] > 0, s[0], 1.0), 0.0)
    return Conditions(ratio, top, gap, vt[d - 1], corr)


def promised_curvature(excess, t_norm, v_norm_sum, curvature_top):
    """kappa = b^2 / (A + b), b = excess / (||t*|| sum_l ||V_l||_2): at an exact critical point
    meeting the second condition, R - R_lin = excess > 0 forces lambda_min <= -kappa (module
    docstring). inf when excess > 0 and ||t*|| sum_l ||V_l|| = 0 (then the derivation says
    excess <= 0); 0 when excess <= 0."""
    excess = jnp.maximum(excess, 0.0)
    denom = t_norm * v_norm_sum
    b = jnp.where(denom > 0, excess / jnp.where(denom > 0, denom, 1.0), jnp.where(excess > 0, jnp.inf, 0.0))
    safe_b = jnp.where(jnp.isfinite(b), b, 1.0)
    kappa = jnp.where(b > 0, safe_b**2 / jnp.maximum(curvature_top + safe_b, jnp.finfo(jnp.float64).tiny), 0.0)
    return jnp.where(jnp.isfinite(b), kappa, jnp.inf)


def _kappa(excess, t_norm, v_sum, curvature_top, correlation):
    """The derivation's kappa: b^2 / (A + b) with the larger of the two lower bounds on b,
    max_l ||c_l|| measured and the one the excess over R_lin gives (`promised_curvature`)."""
    direct = correlation**2 / jnp.maximum(curvature_top + correlation, jnp.finfo(jnp.float64).tiny)
    return jnp.maximum(promised_curvature(excess, t_norm, v_sum, curvature_top), direct)


def single_block_bound(params, x, y, loss: str, t, activation="tanh"):
    """For L = 1 and w != 0: an upper bound on R(theta) - R_lin(t) at any point, exact in
    exact arithmetic, that vanishes at critical points.

    With r = l'(f(x); y), c = E[r phi^1(x)]: grad_V R = w c^T, so c = grad_V^T w / ||w||^2 and
    E[r x] = grad_w R - V c. Convexity of l in p gives, for every t,
    R(theta) - E[l(t^T x)] <= -t^T E[r x] + E[r f] <= ||t|| ||E[r x]|| + |w^T grad_w R|."""
    theta, unflatten = flatten_params(params)
    risk = lambda th: empirical_risk(unflatten(th), x, y, loss, activation)
    g = unflatten(jax.grad(risk)(theta))
    w = params["w"]
    ww = jnp.dot(w, w)
    c = g["V1"].T @ w / jnp.where(ww > 0, ww, 1.0)
    e_rx = g["w"] - params["V1"] @ c
    bound = jnp.linalg.norm(t) * jnp.linalg.norm(e_rx) + jnp.abs(jnp.dot(w, g["w"]))
    return jnp.where(ww > 0, bound, jnp.inf)


# ------------------------------------------------------------------ one point, any size


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class PointReport:
    """The Theorem's quantities at one point (`dichotomy_at`).

    Attributes:
      risk, linear_risk, linear_gap: R(theta), R_lin(t) and the certified R_lin(t) - R_lin.
      excess: R(theta) - (R_lin(t) - linear_gap), relative to `loss_scale` (>= the true
        relative excess over R_lin).
      grad_relative: ||grad R|| / (hess_scale max(||theta||, 1)).
      lambda_min, lambda_min_error: smallest Hessian eigenvalue (dense or matrix-free) and its
        error bound, both relative to `hess_scale`.
      hess_scale: max(|lambda| of the Hessian found, curvature floor of the data).
      full_rank_ratio, row_space_gap: the two conditions (see `Conditions`).
      kappa: the curvature the derivation promises (module docstring), relative to `hess_scale`.
      loss_scale: the risk of the zero predictor, (1/n) sum_i l(0; y_i).
    """

    risk: jax.Array
    linear_risk: jax.Array
    linear_gap: jax.Array
    excess: jax.Array
    grad_relative: jax.Array
    lambda_min: jax.Array
    lambda_min_error: jax.Array
    hess_scale: jax.Array
    full_rank_ratio: jax.Array
    row_space_gap: jax.Array
    kappa: jax.Array
    loss_scale: jax.Array


def problem_scales(x, y, loss):
    """``(curvature floor, loss scale)``: max l'' times lambda_max(X^T X / n) (the curvature
    of the risk in w at V = 0), and the risk of the zero predictor (1/n) sum l(0; y_i)."""
    top = _select(loss, lambda: jnp.asarray(2.0), lambda: jnp.asarray(0.25))
    cov = x.T @ x / x.shape[0]
    return top * jnp.linalg.eigvalsh(cov)[-1], jnp.mean(per_sample_loss(jnp.zeros_like(y), y, loss))


def dichotomy_at(params, x, y, loss, activation="tanh", method: str = "auto", fit=None) -> PointReport:
    """Evaluate the Theorem's conclusion and conditions at `params`, for any network size.

    `method` is passed to `verify.landscape.lambda_min`: ``"dense"`` (eigvalsh), ``"matrix_free"``
    (LOBPCG on Hessian-vector products; use it beyond a few thousand parameters) or ``"auto"``.
    The Hessian scale is |lambda_min| and lambda_max from the same method (the spectral norm)."""
    if isinstance(loss, str):
        _check_loss(loss)
    theta, unflatten = flatten_params(params)
    risk = lambda th: empirical_risk(unflatten(th), x, y, loss, activation)
    fit = linear_fit(x, y, loss) if fit is None else fit
    curvature, loss_scale = problem_scales(x, y, loss)
    lo = lambda_min(risk, theta, method)
    hi = lambda_max(risk, theta, method)
    hess_scale = jnp.maximum(jnp.maximum(jnp.abs(lo.value), jnp.abs(hi.value)), curvature)
    g = jax.grad(risk)(theta)
    r = risk(theta)
    cond = hypothesis_conditions(params, x, y, loss, activation)
    depth = sum(1 for nm in params if re.fullmatch(r"V\d+", nm))
    v_sum = sum(jnp.linalg.norm(params[f"V{l}"], ord=2) for l in range(1, depth + 1))
    t_norm = jnp.linalg.norm(fit.t) + 2.0 * fit.grad_norm / jnp.maximum(fit.mu, jnp.finfo(jnp.float64).tiny)
    kappa = _kappa(r - fit.risk, t_norm, v_sum, cond.curvature_top, cond.residual_correlation)
    return PointReport(
        risk=r,
        linear_risk=fit.risk,
        linear_gap=fit.gap,
        excess=(r - fit.lower) / loss_scale,
        grad_relative=jnp.linalg.norm(g) / (hess_scale * jnp.maximum(jnp.linalg.norm(theta), 1.0)),
        lambda_min=lo.value / hess_scale,
        lambda_min_error=lo.error / hess_scale,
        hess_scale=hess_scale,
        full_rank_ratio=cond.full_rank_ratio,
        row_space_gap=cond.row_space_gap,
        kappa=jnp.minimum(kappa / hess_scale, KAPPA_CAP),
        loss_scale=loss_scale,
    )


#: kappa / hess_scale is reported capped here, so that an infinite kappa (a case the
#: derivation excludes) does not make the evidence non-finite and hide a refutation.
KAPPA_CAP = 1e6


# ------------------------------------------------------------------ data and instances

#: Probability of a flipped label in logistic data (label noise).
LABEL_NOISE = 0.2


def make_data(key, d: int, n: int, loss: str):
    """``(x, y)``: n inputs x_i ~ N(0, I_{d_x}) and targets from a random smooth teacher.

    Square loss: y = a^T x + tanh(x B) c + 0.3 z (real). Logistic loss: y = sign of the same
    teacher, each label flipped with probability `LABEL_NOISE`, and x_{d+j} = x_j,
    y_{d+j} = -y_j for j < d_x: the data are then not linearly separable through the origin
    (module docstring), so R_lin is attained. Needs n >= 2 d_x for the logistic loss."""
    _check_loss(loss)
    if loss == "logistic" and n < 2 * d:
        raise ValueError(f"n must be >= 2 d_x = {2 * d} for logistic data; got n={n}")
    kx, ka, kb, kc, kz, kf = jax.random.split(key, 6)
    x = jax.random.normal(kx, (n, d), jnp.float64)
    a = jax.random.normal(ka, (d,)) / jnp.sqrt(d)
    b = jax.random.normal(kb, (d, 3)) * 2.0 / jnp.sqrt(d)
    c = jax.random.normal(kc, (3,))
    teacher = x @ a + jnp.tanh(x @ b) @ c
    if loss == "square":
        return x, teacher + 0.3 * jax.random.normal(kz, (n,))
    labels = jnp.where(teacher >= 0, 1.0, -1.0)
    labels = jnp.where(jax.random.bernoulli(kf, LABEL_NOISE, (n,)), -labels, labels)
    x = x.at[d : 2 * d].set(x[:d])
    labels = labels.at[d : 2 * d].set(-labels[:d])
    return x, labels


def _start_params(instance) -> dict[str, jax.Array]:
    return {k[len("starts_"):]: v for k, v in instance.items() if k.startswith("starts_")}


def _generate(key, d, depth, m, k, n_widths, samples, loss, activation, starts, w_scale=1.0):
    """A dichotomy / single-block instance: data ``x``, ``y``; the ``loss`` code (0 square,
    1 logistic; ``"random"``: drawn); activation codes per block (``"random"``: drawn); and
    `starts` starting parameter sets, stored per parameter as ``starts_<name>`` with shape
    (starts, *shape), drawn at scales uniform in [0.2, 1.5] (`init_params`). Loss and
    activations are codes in the instance, not shapes, so they vary without recompiling."""
    arch = Architecture.make(d, depth, m, k, n_widths)
    kd, ks, kr, ka, kl = jax.random.split(key, 5)
    if loss == "random":
        code = jax.random.bernoulli(kl).astype(jnp.float64)
        xs, ys = make_data(kd, d, samples, "square")
        xl, yl = make_data(kd, d, samples, "logistic")
        x, y = jnp.where(code == 0, xs, xl), jnp.where(code == 0, ys, yl)
    else:
        code = jnp.asarray(loss_code(loss), jnp.float64)
        x, y = make_data(kd, d, samples, loss)
    if activation == "random":
        codes = jax.random.randint(ka, (depth,), 0, len(ACTIVATIONS)).astype(jnp.float64)
    else:
        codes = activation_codes(activation, depth)
    scales = jax.random.uniform(kr, (starts,), minval=0.2, maxval=1.5)
    ps = jax.vmap(lambda kk, sc: init_params(kk, arch, sc))(jax.random.split(ks, starts), scales)
    ps["w"] = ps["w"] * w_scale
    out = {"x": x, "y": y, "loss": code, "activation": codes}
    out.update({f"starts_{name}": v for name, v in ps.items()})
    return out


def _validate_instance(instance, depth: int | None = None) -> Architecture:
    """Shapes and values of a dichotomy / single-block instance; the problems found are
    gathered and raised once as InvalidInstanceError."""
    problems = []
    x = instance.get("x")
    if x is None or np.ndim(x) != 2 or np.shape(x)[0] < 1 or np.shape(x)[1] < 1:
        raise InvalidInstanceError(f"x must have shape (n, d_x) with n, d_x >= 1; got shape {np.shape(x)}")
    n, d = np.shape(x)
    y = instance.get("y")
    code = np.asarray(instance.get("loss", np.nan))
    if code.shape != () or float(code) not in (0.0, 1.0):
        problems.append(
            f"loss must be a scalar code, 0 (square) or 1 (logistic), the supported losses that "
            f"are convex and twice differentiable in p; got {code.tolist()!r}"
        )
    if y is None or np.shape(y) != (n,):
        problems.append(f"y must have shape ({n},) to match x of shape {np.shape(x)}; got {np.shape(y)}")
    elif code.shape == () and float(code) == 1.0 and not np.all(np.abs(np.asarray(y)) == 1.0):
        bad = np.asarray(y)[np.abs(np.asarray(y)) != 1.0]
        problems.append(f"y must be +-1 labels for the logistic loss; got value {float(bad[0])!r}")
    starts = _start_params(instance)
    try:
        arch = architecture_of({kk: np.asarray(v)[0] if np.ndim(v) else v for kk, v in starts.items()})
    except (ValueError, IndexError) as e:
        raise InvalidInstanceError(f"starts_*: {e}") from None
    if arch.d != d:
        problems.append(f"starts_w must have shape (k, {d}) to match x of shape {np.shape(x)}; got {np.shape(starts['w'])}")
    counts = {np.shape(v)[0] for v in starts.values()}
    if len(counts) != 1:
        problems.append(f"every starts_* array must hold the same number of starts; got {sorted(counts)}")
    if depth is not None and arch.depth != depth:
        problems.append(f"the network must have depth L = {depth}; got L = {arch.depth}")
    act = np.asarray(instance.get("activation", np.zeros(0)))
    if act.shape != (arch.depth,) or not np.all(np.isin(act, np.arange(len(ACTIVATIONS)))):
        problems.append(
            f"activation must have shape ({arch.depth},) with codes in "
            f"{{{', '.join(f'{i}: {a}' for i, a in enumerate(ACTIVATIONS))}}}; got {act.tolist()!r}"
        )
    if problems:
        raise InvalidInstanceError("; ".join(problems))
    return arch


def _setup(instance):
    """``(loss code, x, y, codes, risk on flat vectors, flat starts, unflatten, fit, scales)``."""
    loss, x, y, codes = instance["loss"], instance["x"], instance["y"], instance["activation"]
    starts = _start_params(instance)
    template = {kk: v[0] for kk, v in starts.items()}
    _, unflatten = flatten_params(template)
    flat = jax.vmap(lambda p: flatten_params(p)[0])(starts)
    risk = lambda th: empirical_risk(unflatten(th), x, y, loss, codes)
    fit = linear_fit(x, y, loss)
    curvature, loss_scale = problem_scales(x, y, loss)
    return loss, x, y, codes, risk, flat, unflatten, fit, curvature, loss_scale


#: Steps of each critical-point finder per start (`search_and_classify`). The loops run a
#: fixed number of steps, so run time is proportional: 80 found 93 critical points where 150
#: found 101 (16 instances of the dichotomy grid), at about half the run time.
FINDER_STEPS = 80
#: Starting points per instance: half to the saddle-seeking Levenberg-Marquardt finder, half
#: to saddle-free Newton with a Levenberg-Marquardt polish.
STARTS = 8
#: Samples per data set.
SAMPLES = 12


def _common_measured(c, fit, loss_scale):
    return {
        **type_counts(c),
        "linear_risk": fit.risk,
        "linear_gap_certified": fit.gap,
        "linear_gap_relative": fit.gap / loss_scale,
        "loss_scale": loss_scale,
    }


def _min_over(mask, values, empty=1.0):
    return jnp.min(jnp.where(mask, values, empty))


def _count(mask):
    return jnp.sum(mask).astype(jnp.float64)


@register
class Dichotomy(Claim):
    """A critical point of a deep ResNet is at least as good as linear, or a strict saddle.

    Setting (module docstring): the multi-block ResNet h_1 = x + V_1 phi^1(x),
    h_l = h_{l-1} + V_l phi^l(U_l h_{l-1}) (l = 2..L), f = w^T h_L, each phi^l a one-hidden-layer
    network with tanh or softplus activation; the empirical risk R(theta) of n samples with the
    square loss or the logistic loss (labels +-1; convex and twice differentiable in p), and
    R_lin = inf_t (1/n) sum_i l(t^T x_i; y_i). R is C^infinity, so every critical point is
    twice differentiable.

    Claim ([1] main theorem; seed Theorem). Let theta* be a critical point of R. If
      (1) E[l''(f(x); y) h_L(x) h_L(x)^T] is full rank, and
      (2) col([U_2*]^T ... [U_L*]^T) != R^{d_x} (always when sum_{l>=2} m_l < d_x),
    then R(theta*) <= R_lin (an upper bound) or lambda_min(Hessian of R at theta*) < 0.

    Check, per instance:
      * search: `STARTS` random starts (`_generate`), Levenberg-Marquardt on grad R = 0 and
        saddle-free Newton, `FINDER_STEPS` each (`verify.landscape.search_and_classify`),
        and `verify.landscape.classify` with the data's curvature and loss scales
        (`problem_scales`). A point is critical when ||grad R|| <= grad_critical * hess_scale *
        max(||theta||, 1); not critical (the finder did not converge; counted, not checked)
        when it is >= grad_not_critical times that; in between, INCONCLUSIVE.
      * conditions at each critical point (`hypothesis_conditions`): (1) when
        lambda_min / lambda_max of E[l'' h_L h_L^T] >= full_rank; (2) when
        sum_{l>=2} m_l < d_x or sigma_{d_x} / sigma_1 of [U_2; ...; U_L] <=
        yun_row_space_deficient. A point where either fails is counted and reported
        (`n_condition_fails`, and how many of those are worse than linear without negative
        curvature), never a refutation.
      * conclusion at each critical point meeting both: better than linear when
        (R - R_lin_lower) / loss_scale <= loss_equal, R_lin_lower the certified lower bound on
        R_lin (`linear_fit`); a strict saddle when lambda_min < -eig_zero * hess_scale.
        margin = max(loss_equal - gap, -lambda_min / hess_scale - eig_zero), smallest over
        points. Neither, at a point where the theorem's negative eigenvalue must be at least
        kappa >= 2 eig_zero hess_scale (the larger of `promised_curvature` and b^2 / (A + b)
        with b = max_l ||c_l|| measured: large enough to be seen; module docstring), is a
        violation (refuted). Neither, with a smaller kappa (the excess over R_lin is so small
        that the promised eigenvalue hides below eig_zero), is unresolved: the instance is
        inconclusive unless another point refutes it. So is an INCONCLUSIVE point meeting the
        conditions that is worse than linear without clear negative curvature.
      NaN or inf anywhere (including an uncertified R_lin: `linear_gap_certified` = inf) makes
      the instance inconclusive. Measured: counts of each kind of point.

    Instances (`_generate`): x_i ~ N(0, I), targets from a random teacher with noise
    (logistic: labels with 20% flips and a built-in non-separable pair per input direction,
    `make_data`); widths m_l = 1, k_l = n_l = 2, n = `SAMPLES`. The loss (square or logistic)
    and the activation of each block (tanh or softplus) are drawn per instance: they are codes
    in the instance, so they vary without recompiling. Grid (each entry compiles once):
    d_x = 3, L = 3, where sum_{l>=2} m_l = 2 < d_x and (2) always holds. `properties/test_yun.py`
    adds L = 1 and L = 2 (where (2) holds too), other widths (k_l = n_l = 1; and d_x = 4,
    m_l = 2, k_l = n_l = 3) and d_x = 2, L = 3, where sum m_l = d_x and (2)
    generically fails: there the points are reported only. Other sizes from the command line:
    ``verify check yun/dichotomy --params '{"d": 5, "depth": 4}' --n 16`` held on all 16
    instances in 45 s (2026-12-05). Measured (`sweep(claim, 64)`,
    2026-12-04): 384 critical points, 294 meeting both conditions (216 better than linear, 78
    strict saddles worse than linear, no violation); 90 failing (1), all logistic points
    where the network saturates (l'' underflows on most samples), none of them worse than
    linear without negative curvature; and the derivation's bound lambda_min <= -kappa held
    at every critical point that meets (2), with or without (1) (`max_derivation_slack`
    <= -9e-17).

    References: [1] Yun, Sra & Jadbabaie, main theorem on deep ResNets (arXiv:1907.03922); seed 004
    (`shared/seeds/004_b91220a50cbb67a9.txt`), "Benign Landscape of Deep ResNets", Theorem.
    """

    id = "yun/dichotomy"
    source = f"Yun, Sra & Jadbabaie (NeurIPS 2019), main theorem on deep ResNets; poster Theorem ({SEED_004})"
    statement = (
        "For the ResNet h_1 = x + V_1 phi^1(x), h_l = h_{l-1} + V_l phi^l(U_l h_{l-1}), "
        "f = w^T h_L, and a loss convex and twice differentiable in p: at any twice-"
        "differentiable critical point theta* of R, if E[l''(f(x);y) h_L h_L^T] is full rank "
        "and col(U_2^T ... U_L^T) != R^{d_x}, then R(theta*) <= R_lin or "
        "lambda_min(Hessian of R at theta*) < 0."
    )
    kind = "landscape"
    params = ({"d": 3, "depth": 3},)

    def generate(self, key, d=3, depth=3, loss="random", activation="random", m=1, k=2, n=2,
                 samples=SAMPLES, starts=STARTS):
        if loss != "random":
            _check_loss(loss)
        return _generate(key, d, depth, m, k, n, samples, loss, activation, starts)

    def validate(self, instance):
        super().validate(instance)
        _validate_instance(instance)

    def check(self, instance):
        return _dichotomy_evidence(instance)


def _dichotomy_evidence(instance):
    loss, x, y, codes, risk, flat, unflatten, fit, curvature, loss_scale = _setup(instance)
    points, c = search_and_classify(risk, flat, FINDER_STEPS, curvature_floor=curvature, loss_floor=loss_scale)
    depth = sum(1 for k in instance if re.fullmatch(r"starts_V\d+", k))

    def at(th):
        p = unflatten(th)
        cond = hypothesis_conditions(p, x, y, loss, codes)
        v_sum = sum(jnp.linalg.norm(p[f"V{l}"], ord=2) for l in range(1, depth + 1))
        return cond.full_rank_ratio, cond.row_space_gap, cond.curvature_top, v_sum, cond.residual_correlation

    ratio, row_gap, top, v_sum, corr = jax.vmap(at)(points)
    eig_zero, loss_equal = TOLERANCES["eig_zero"], TOLERANCES["loss_equal"]
    t_norm = jnp.linalg.norm(fit.t) + 2.0 * fit.grad_norm / jnp.maximum(fit.mu, jnp.finfo(jnp.float64).tiny)
    kappa = jnp.minimum(_kappa(c.loss - fit.risk, t_norm, v_sum, top, corr) / c.hess_scale, KAPPA_CAP)
    gap = (c.loss - fit.lower) / loss_scale
    lam = c.lambda_min / c.hess_scale
    crit = is_critical(c)
    second = row_gap <= TOLERANCES["yun_row_space_deficient"]
    met = (ratio >= TOLERANCES["full_rank"]) & second
    better = gap <= loss_equal
    saddle = c.point_type == PointType.STRICT_SADDLE
    # Twice eig_zero: the promised eigenvalue must clear the classifier's zero band, and the
    # other half covers the error of a point that is only within grad_critical of critical.
    resolvable = kappa >= 2.0 * eig_zero
    neither = crit & met & ~better & ~saddle
    violation = neither & resolvable
    unresolved = neither & ~resolvable
    undecided = (c.point_type == PointType.INCONCLUSIVE) & met & ~better & (lam >= -eig_zero)
    point_margin = jnp.maximum(loss_equal - gap, -lam - eig_zero)
    margin = _min_over(crit & met & ~unresolved, point_margin)
    fails = crit & ~met
    return Evidence(
        margin=margin,
        conclusive=jnp.any(violation) | ~jnp.any(unresolved | undecided),
        measured={
            **_common_measured(c, fit, loss_scale),
            "n_critical": _count(crit),
            "n_conditions_met": _count(crit & met),
            "n_better_than_linear": _count(crit & met & better),
            "n_strict_saddle": _count(crit & met & saddle),
            "n_strict_saddle_worse_than_linear": _count(crit & met & saddle & ~better),
            "n_violations": _count(violation),
            "n_unresolved": _count(unresolved),
            "n_undecided_not_critical_enough": _count(undecided),
            "n_condition_fails": _count(fails),
            "n_condition_1_fails": _count(crit & (ratio < TOLERANCES["full_rank"])),
            "n_condition_2_fails": _count(crit & (row_gap > TOLERANCES["yun_row_space_deficient"])),
            "n_condition_fails_worse_without_negative_curvature": _count(fails & ~better & ~saddle),
            "max_gap_met": jnp.max(jnp.where(crit & met, gap, -1.0)),
            "min_gap_met": _min_over(crit & met, gap),
            "min_lambda_min_relative_met": _min_over(crit & met, lam),
            "min_kappa_worse_met": _min_over(crit & met & ~better, kappa, KAPPA_CAP),
            # The derivation's bound lambda_min <= -kappa at every critical point that meets the
            # second condition, whether or not it meets the first (module docstring): the
            # largest lambda_min / hess_scale + kappa / hess_scale among them, <= 0 up to
            # rounding when the derivation is right (-1 if there are none).
            "max_derivation_slack": jnp.max(jnp.where(crit & second, lam + kappa, -1.0)),
            "max_grad_relative_critical": jnp.max(jnp.where(crit, c.grad_relative, 0.0)),
        },
    )


@register
class SingleBlock(Claim):
    """Single-block ResNet (L = 1): every critical point with w* != 0 is at least as good as
    the best linear predictor.

    Setting: f(x) = w^T (x + V_1 phi^1(x)), phi^1 a one-hidden-layer network (tanh or softplus),
    the empirical risk R with the square or the logistic loss (module docstring).

    Claim (seed, "If L = 1, any critical point with w* != 0 satisfies R(theta*) <= R_lin,
    recovering [2] in the same setting"; [1], after the main theorem): an upper bound, R(theta*) <= R_lin.
    Quantitative form checked (`single_block_bound`, exact in exact arithmetic, 0 at a
    critical point): at every point theta with w != 0,
        R(theta) - R_lin(t) <= ||t|| ||grad_w R - V_1 grad_{V_1} R^T w / ||w||^2|| + |w^T grad_w R|
    for the fitted linear predictor t (`linear_fit`).

    Check: the starts and the points the finders reach (`search_and_classify`, as in
    `Dichotomy`); margin = loss_equal - (R - R_lin(t) - bound) / loss_scale, smallest over
    the points with w != 0. Counted (the counts do not enter the verdict): critical points
    with ||w|| > yun_w_nonzero * max(||theta||, 1), how many of them are better than linear as
    stated (R <= R_lin_lower + loss_equal * loss_scale, R_lin_lower certified) and how many
    only within the bound (a point classified critical can be ~1e-8 from the critical point,
    and the bound says how much R may exceed R_lin there); critical points with w = 0
    (where the theorem says nothing) and how many of those are worse than linear: there the
    hypothesis w* != 0 is needed (at w = 0 the risk is that of the zero predictor).
    NaN or inf (an uncertified R_lin included) makes the instance inconclusive.

    Instances: as `Dichotomy` with L = 1 (d_x = 3, k_1 = n_1 = 2; loss and activation drawn
    per instance). Measured (`sweep(claim, 64)`, 2026-12-04): 364 critical points, the 309
    with w != 0 all within 3e-16 (relative) of R_lin or below it; the 55 with w = 0 (found
    with ||w|| <= 3e-29) all worse than linear, so the hypothesis w* != 0 cannot be dropped.

    References: [1] Yun, Sra & Jadbabaie (arXiv:1907.03922), after the main theorem; [2] Shamir 2018
    (arXiv:1804.06739); seed 004 (`shared/seeds/004_b91220a50cbb67a9.txt`), the bullet after
    the Theorem.
    """

    id = "yun/single-block"
    source = f"Shamir 2018, as restated by Yun, Sra & Jadbabaie after their main theorem ({SEED_004})"
    statement = (
        "For the single-block ResNet f(x) = w^T (x + V phi(x)) and a loss convex and twice "
        "differentiable in p, every critical point theta* of R with w* != 0 has "
        "R(theta*) <= R_lin; checked with the gradient bound of single_block_bound at every "
        "point visited."
    )
    kind = "landscape"
    params = ({"d": 3},)

    def generate(self, key, d=3, loss="random", activation="random", k=2, n=2, samples=SAMPLES, starts=STARTS):
        if loss != "random":
            _check_loss(loss)
        return _generate(key, d, 1, d, k, n, samples, loss, activation, starts)

    def validate(self, instance):
        super().validate(instance)
        _validate_instance(instance, depth=1)

    def check(self, instance):
        return _single_block_evidence(instance)


def _single_block_evidence(instance):
    loss, x, y, codes, risk, flat, unflatten, fit, curvature, loss_scale = _setup(instance)
    points, c = search_and_classify(risk, flat, FINDER_STEPS, curvature_floor=curvature, loss_floor=loss_scale)
    loss_equal = TOLERANCES["loss_equal"]

    def at(th):
        p = unflatten(th)
        w_nonzero = jnp.dot(p["w"], p["w"]) > 0
        bound = single_block_bound(p, x, y, loss, fit.t, codes)
        bound = jnp.where(w_nonzero, bound, 0.0) / loss_scale
        excess = (risk(th) - fit.risk) / loss_scale
        return w_nonzero, bound, excess

    nz_s, bound_s, excess_s = jax.vmap(at)(flat)
    nz_e, bound_e, excess_e = jax.vmap(at)(points)
    margin_s = jnp.where(nz_s, loss_equal - (excess_s - bound_s), 1.0)
    margin_e = jnp.where(nz_e, loss_equal - (excess_e - bound_e), 1.0)
    crit = is_critical(c)
    gap = (c.loss - fit.lower) / loss_scale
    w_norm = jax.vmap(lambda th: jnp.linalg.norm(unflatten(th)["w"]))(points)
    size = jax.vmap(lambda th: jnp.maximum(jnp.linalg.norm(th), 1.0))(points)
    nonzero = crit & (w_norm > TOLERANCES["yun_w_nonzero"] * size)
    zero = crit & ~nonzero
    better = gap <= loss_equal
    return Evidence(
        margin=jnp.minimum(jnp.min(margin_s), jnp.min(margin_e)),
        conclusive=jnp.asarray(True),
        measured={
            **_common_measured(c, fit, loss_scale),
            "n_critical": _count(crit),
            "n_critical_w_nonzero": _count(nonzero),
            "n_better_than_linear": _count(nonzero & better),
            "n_within_bound_only": _count(nonzero & ~better & (gap <= loss_equal + bound_e)),
            "n_critical_w_zero": _count(zero),
            "n_critical_w_zero_worse_than_linear": _count(zero & ~better),
            "max_gap_w_nonzero": jnp.max(jnp.where(nonzero, gap, -1.0)),
            "max_gap_w_zero": jnp.max(jnp.where(zero, gap, -1.0)),
            "min_norm_w_nonzero": jnp.where(jnp.any(nonzero), _min_over(nonzero, w_norm, jnp.inf), 0.0),
            "max_norm_w_zero": jnp.max(jnp.where(zero, w_norm, 0.0)),
            "max_bound_relative_at_ends": jnp.max(bound_e),
            "min_margin_starts": jnp.min(margin_s),
            "min_margin_ends": jnp.min(margin_e),
        },
    )
