"""The multi-block ResNet of Yun, Sra & Jadbabaie (seed 004), its risks and the linear baseline.

The ResNet of the poster (section "Benign Landscape of Deep ResNets"). For an input x in
R^{d_x},

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
Hessian is the constant (2/n) X^T X. The generator (`make_data`) makes logistic data
non-separable by construction (the first d_x inputs appear twice, with opposite labels, and
span R^{d_x}), so the infimum is attained: for every t != 0 some t^T x_j != 0, and one of the
two copies of x_j has y t^T x_j < 0, so the risk grows without bound along every ray. Data
that are not certified (for example separable ones, where R_lin is an unattained infimum)
make the claims' checks inconclusive: the certified gap is then inf.

References:
  [1] C. Yun, S. Sra, A. Jadbabaie. Are deep ResNets provably better than linear predictors?
      NeurIPS 2019, arXiv:1907.03922v2; the poster is the seed
      ``shared/seeds/004_b91220a50cbb67a9.txt``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from verify.claims._common import raise_problems, validate_positive_int

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
    "NEWTON_STEPS",
    "CERTIFICATE_RADII",
    "LinearFit",
    "linear_fit",
    "certified_gap",
    "LABEL_NOISE",
    "make_data",
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
        validate_positive_int("depth", depth, "L, the number of blocks")
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
    raise_problems(problems, error=ValueError)


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


def problem_scales(x, y, loss):
    """``(curvature floor, loss scale)``: max l'' times lambda_max(X^T X / n) (the curvature
    of the risk in w at V = 0), and the risk of the zero predictor (1/n) sum l(0; y_i)."""
    top = _select(loss, lambda: jnp.asarray(2.0), lambda: jnp.asarray(0.25))
    cov = x.T @ x / x.shape[0]
    return top * jnp.linalg.eigvalsh(cov)[-1], jnp.mean(per_sample_loss(jnp.zeros_like(y), y, loss))


# ------------------------------------------------------------------ data

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


