"""The random networks of the initialisation claims: forward maps, samplers and closed forms.

Nothing here is a claim (those are in `verify.claims.initialisation.claims`); the
functions are public so that the notebook, the tests and the benchmark use the same
mathematics as the checks. The package docstring describes the models.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import digamma, gammaln, polygamma

from verify.claims._common import validate_key, validate_positive_int
from verify.errors import InvalidInstanceError

__all__ = [
    "MC_BATCHES",
    "MC_BATCH",
    "validate_depth",
    "validate_width",
    "validate_variance",
    "validate_scale",
    "validate_key",
    "linear_resnet_output",
    "linear_resnet_gains",
    "expected_gain",
    "expected_squared_norm",
    "matlab_simulation",
    "log_gain_moments",
    "ENTRY_LAWS",
    "standard_entries",
    "isometry_second_moment",
    "BN_BATCH",
    "VARIANTS",
    "balduzzi_forward",
    "balduzzi_chains",
    "balduzzi_exact_variance",
    "balduzzi_claimed",
]

#: Monte Carlo size per check: MC_BATCHES vmapped batches of MC_BATCH draws (8,192 draws).
#: A layer gain G of the Xavier network (d = 4) has standard deviation about 0.6 E[G]
#: (non-central chi-square, see `log_gain_moments`), so 8,192 draws give a relative
#: standard error below 1%, and a claimed mean off by a factor 1.1 per layer is refuted at
#: the default false-alarm rate.
MC_BATCHES, MC_BATCH = 8, 1024


# --- bad input ---------------------------------------------------------------------------


def validate_depth(name: str, depth) -> int:
    """`depth` (the number of layers L) must be an integer >= 1."""
    return validate_positive_int(name, depth, what="the depth L")


def validate_width(name: str, width) -> int:
    """`width` (the dimension d) must be an integer >= 1."""
    return validate_positive_int(name, width, what="the width d")


def validate_variance(name: str, variance) -> None:
    """Every entry of `variance` must be finite and >= 0."""
    v = np.asarray(variance, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise InvalidInstanceError(f"{name} (a variance) must be finite; got {v.tolist()!r}")
    if np.any(v < 0):
        raise InvalidInstanceError(f"{name} (a variance) must be >= 0; got min {float(v.min())!r}")


def validate_scale(name: str, scale) -> None:
    """Every entry of `scale` (a rescaling factor such as alpha or beta) must be finite."""
    s = np.asarray(scale, dtype=np.float64)
    if not np.all(np.isfinite(s)):
        raise InvalidInstanceError(f"{name} (a scale factor) must be finite; got {s.tolist()!r}")


# --- the linear residual network ---------------------------------------------------------


def linear_resnet_output(x: jax.Array, weights: jax.Array) -> jax.Array:
    """``y = (I + W^L) ... (I + W^1) x`` for `weights` of shape (L, d, d) (W^1 first)."""
    y, _ = jax.lax.scan(lambda z, w: (z + w @ z, None), x, weights)
    return y


def linear_resnet_gains(key: jax.Array, x: jax.Array, variances: jax.Array) -> jax.Array:
    """One draw of the layer gains ``||z_l||^2 / ||z_{l-1}||^2``, l = 1..L.

    `variances` (shape (L,)) holds the entry variance of each layer; x is the input (d,).
    The gains do not depend on the scale of x, so x is first scaled to unit norm (an x of
    norm 1e-200 would otherwise underflow ||x||^2).
    """
    d = x.shape[0]
    x = x / jnp.max(jnp.abs(x))
    x = x / jnp.linalg.norm(x)

    def layer(z, kv):
        k, v = kv
        w = jnp.sqrt(v) * jax.random.normal(k, (d, d), jnp.float64)
        z_next = z + w @ z
        return z_next, (z_next @ z_next) / (z @ z)

    keys = jax.random.split(key, variances.shape[0])
    _, gains = jax.lax.scan(layer, x, (keys, variances))
    return gains


def expected_gain(width: int, variance) -> jax.Array:
    """``E[(I+W)^T (I+W)] = (1 + d sigma^2) I``: the mean gain of one layer."""
    return 1.0 + width * jnp.asarray(variance, jnp.float64)


def expected_squared_norm(x: jax.Array, variances: jax.Array) -> jax.Array:
    """The exact ``E||y||^2 = prod_l (1 + d sigma_l^2) ||x||^2``."""
    return jnp.prod(expected_gain(x.shape[0], variances)) * (x @ x)


def matlab_simulation(key: jax.Array, depth: int = 10, width: int = 100, outer: int = 10) -> jax.Array:
    """The seed's MATLAB loop in JAX: the ratio ``||x|| / ||x_0||`` printed after each outer pass.

    As written in seed 000 (Example 5.1), ``x`` is not reset between outer iterations, so the
    i-th printed ratio is that of a ``depth * i``-layer network: its root mean square is
    ``2^(depth * i / 2)``. Xavier scaling ``W = randn(d, d) / sqrt(d)``, x all ones.
    Returns the `outer` ratios (float64). MATLAB's random stream is not reproduced.
    """
    depth, width = validate_depth("depth", depth), validate_width("width", width)
    outer = validate_depth("outer", outer)
    x0 = jnp.ones((width,), jnp.float64)
    variances = jnp.full((depth,), 1.0 / width)

    def one_pass(x, k):
        weights = jnp.sqrt(variances)[:, None, None] * jax.random.normal(k, (depth, width, width), jnp.float64)
        x = linear_resnet_output(x, weights)
        return x, jnp.linalg.norm(x) / jnp.linalg.norm(x0)

    _, ratios = jax.lax.scan(one_pass, x0, jax.random.split(key, outer))
    return ratios


def log_gain_moments(width: int, variance: float | None = None, terms: int | None = None):
    """Exact mean and variance of ``log G`` for one layer gain of the linear residual network.

    With ``s = sigma^2`` (default 1/d), ``G = ||(I + W) e_1||^2`` and ``G / s`` is
    non-central chi-square with k = d degrees of freedom and non-centrality 1/s, a Poisson
    mixture of central chi-squares: J ~ Poisson(1/(2s)), ``G/s | J ~ chi^2_{k+2J}``. Hence
    ``E log G = log(2s) + E psi(k/2 + J)`` and ``Var log G = E psi'(k/2 + J) + Var psi(k/2 + J)``
    (psi the digamma function). The Poisson series is summed to `terms` terms (default: far
    into the tail). Used to explain the typical size of the MATLAB ratios.
    """
    d = validate_width("width", width)
    s = 1.0 / d if variance is None else float(variance)
    validate_variance("variance", s)
    if s == 0.0:
        return 0.0, 0.0
    lam = 1.0 / (2.0 * s)
    terms = int(terms or (lam + 20 * math.sqrt(lam) + 50))
    j = jnp.arange(terms, dtype=jnp.float64)
    logp = -lam + j * jnp.log(lam) - gammaln(j + 1.0)
    p = jnp.exp(logp)
    psi = digamma(d / 2.0 + j)
    mean_psi = jnp.sum(p * psi)
    mean = math.log(2.0 * s) + float(mean_psi)
    var = float(jnp.sum(p * polygamma(1, d / 2.0 + j)) + jnp.sum(p * (psi - mean_psi) ** 2))
    return mean, var


# --- Remark 6.2: one random layer --------------------------------------------------------

#: Entry laws, each standardised to mean 0 and variance 1: 0 Gaussian, 1 Rademacher,
#: 2 uniform on [-sqrt 3, sqrt 3].
ENTRY_LAWS = ("gaussian", "rademacher", "uniform")


def standard_entries(key: jax.Array, law, shape) -> jax.Array:
    """Independent entries of mean 0 and variance 1 with the law ``ENTRY_LAWS[law]``.

    `law` may be traced (0, 1 or 2 as a float): all three laws are drawn from `key` and one
    is kept, so that one compiled check serves every law."""
    kg, kr, ku = jax.random.split(key, 3)
    g = jax.random.normal(kg, shape, jnp.float64)
    r = jnp.where(jax.random.bernoulli(kr, 0.5, shape), 1.0, -1.0)
    u = jax.random.uniform(ku, shape, jnp.float64, -math.sqrt(3.0), math.sqrt(3.0))
    return jnp.select([law == 0, law == 1], [g, r], u)


def isometry_second_moment(profile, x_mean, x_factor) -> tuple[jax.Array, jax.Array]:
    """Exact ``(E||Wx||^2, E||x||^2)`` for W with independent zero-mean entries of variances
    `profile` (m x n), independent of ``x = x_mean + x_factor g``, g ~ N(0, I_n).

    ``E||Wx||^2 = sum_j (sum_i E W_ij^2) E x_j^2``: the column sums of the profile weigh the
    coordinates of x; ``E x_j^2 = x_mean_j^2 + (x_factor x_factor^T)_jj``.
    """
    ex2 = x_mean**2 + jnp.sum(x_factor**2, axis=1)
    return jnp.sum(jnp.sum(profile, axis=0) * ex2), jnp.sum(ex2)


# --- Balduzzi et al.: scaling of the residuals -------------------------------------------

#: Inputs per Monte Carlo draw of the Balduzzi network (the batch that batch normalisation
#: normalises over).
BN_BATCH = 8
VARIANTS = ("plain", "alpha", "beta-bn")


def balduzzi_forward(key, x_scale, alpha, beta, batch_norm, rectifier: str = "gate", perturb=None):
    """One draw of ``z_l = alpha_l (z_{l-1} + beta_l W_l D_l N(z_{l-1}))`` on a batch of inputs.

    Args:
      key: PRNG key for the inputs, weights and gates.
      x_scale: (N,) standard deviations of the input coordinates; the batch of
        `BN_BATCH` inputs is ``x_scale * g``, g ~ N(0, I).
      alpha, beta: (L,) rescaling factors per block.
      batch_norm: 0 or 1. N is the identity, or batch normalisation: each coordinate divided
        by its root mean square over the batch (no mean subtraction: every activation has mean
        zero at initialisation, and centring would multiply the variance by (B-1)/B).
      rectifier: ``"gate"`` (D_l diagonal of independent Bernoulli(1/2) gates, the model in
        which the formulas are exact) or ``"relu"`` (D_l = [N(z) > 0], a real rectifier).
      perturb: optional (L + 1, B, N) added to the input and to each block's output; the
        gradient with respect to it is the backpropagated gradient (zero by default).

    W_l has i.i.d. N(0, 2/N) entries (He initialisation), shared by the batch.
    Returns the (L + 1,) mean squares ``S_l = mean_{batch, i} z_l[i]^2`` (S_0 of the input)
    and the output z_L (B, N).
    """
    if rectifier not in ("gate", "relu"):
        raise ValueError(f"rectifier must be 'gate' or 'relu'; got {rectifier!r}")
    n, L = x_scale.shape[0], alpha.shape[0]
    kx, kl = jax.random.split(key)
    perturb = jnp.zeros((L + 1, BN_BATCH, n)) if perturb is None else perturb
    z0 = x_scale * jax.random.normal(kx, (BN_BATCH, n), jnp.float64) + perturb[0]

    def block(z, inputs):
        k, a, b, e = inputs
        kw, kd = jax.random.split(k)
        w = jnp.sqrt(2.0 / n) * jax.random.normal(kw, (n, n), jnp.float64)
        rms = jnp.sqrt(jnp.mean(z**2, axis=0, keepdims=True))
        u = jnp.where(batch_norm > 0, z / rms, z)
        gate = jax.random.bernoulli(kd, 0.5, z.shape) if rectifier == "gate" else u > 0
        z = a * (z + b * (gate * u) @ w.T) + e
        return z, jnp.mean(z**2)

    z, squares = jax.lax.scan(block, z0, (jax.random.split(kl, L), alpha, beta, perturb[1:]))
    return jnp.concatenate([jnp.mean(z0**2)[None], squares]), z


def balduzzi_chains(key, x_scale, alpha, beta, batch_norm, rectifier: str = "gate") -> jax.Array:
    """One draw of the two chains of factors whose products are the claimed quantities.

    Returns (2, L + 1):
      row 0 (forward): ``S_0, S_1/S_0, ..., S_L/S_{L-1}`` (product: S_L, the output variance);
      row 1 (backward): ``G_L, G_{L-1}/G_L, ..., G_0/G_1`` (product: G_0), where G_l is the
        mean square of the gradient of ``f = sum_b u_b . z_L[b]`` (u ~ N(0, I) independent)
        with respect to z_l, taken by autodiff.
    Without normalisation, every factor's mean given the earlier ones is constant in the
    gate model (alpha_l^2 (1 + beta_l^2) for a gain: the block's W_l and gates are independent
    of everything before it in the chain), as `verify.statistics.product_evidence` needs.
    """
    L, n = alpha.shape[0], x_scale.shape[0]
    kf, ku = jax.random.split(key)
    u = jax.random.normal(ku, (BN_BATCH, n), jnp.float64)

    def f(perturb):
        squares, z = balduzzi_forward(kf, x_scale, alpha, beta, batch_norm, rectifier, perturb)
        return jnp.sum(u * z), squares

    grads, squares = jax.grad(f, has_aux=True)(jnp.zeros((L + 1, BN_BATCH, n)))
    g = jnp.mean(grads**2, axis=(1, 2))  # G_0 .. G_L
    forward = jnp.concatenate([squares[:1], squares[1:] / squares[:-1]])
    backward = jnp.concatenate([g[-1:], (g[:-1] / g[1:])[::-1]])
    return jnp.stack([forward, backward])


def balduzzi_exact_variance(x_scale, alpha, beta, batch_norm) -> jax.Array:
    """Exact E[S_L] (the variance of an output coordinate) in the gate model.

    Without normalisation ``E S_l = alpha_l^2 (1 + beta_l^2) E S_{l-1}``; with it the branch
    input has mean square 1 exactly (batch RMS), so ``E S_l = alpha_l^2 (E S_{l-1} + beta_l^2)``.
    ``E S_0 = mean(x_scale^2)``. The gradient's E[G_0] is the first recursion from E[G_L] = 1.
    """

    def step(v, ab):
        a, b = ab
        return jnp.where(batch_norm > 0, a**2 * (v + b**2), a**2 * (1.0 + b**2) * v), None

    v, _ = jax.lax.scan(step, jnp.mean(x_scale**2), (alpha, beta))
    return v


def balduzzi_claimed(variant, blocks: int, beta):
    """The seed's value: plain 2^L (gradient variance, L = `blocks`), alpha 1, beta-bn
    beta^2 (L - 1) + 1 (L - 1 = `blocks`). `variant` is 0, 1 or 2 (`VARIANTS`)."""
    return jnp.select([variant == 0, variant == 1], [2.0**blocks, 1.0], beta**2 * blocks + 1.0)
