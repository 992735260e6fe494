"""Initialisation of residual networks: how the output norm and the variance scale with depth.

Statements about expectations over random weights, from lecture 5 section 5.2 (seed 000)
and lecture 6 Remark 6.2 (seed 001); listed in shared/CLAIMS.md, section "Initialisation".
Each is checked twice: exactly, by the closed form of the expectation, and by Monte Carlo
(`verify.statistics`) with a stated false-alarm rate (default 1e-6 per check).

The models.

* Linear residual network (seed 000, Example 5.1): ``y = (I + W^L) ... (I + W^1) x`` with
  ``W^l`` in R^{d x d}, entries i.i.d. N(0, sigma_l^2), independent across layers. One layer
  gives ``E[(I+W)^T (I+W)] = I + E[W^T W] = (1 + d sigma^2) I``, so
  ``E||y||^2 = prod_l (1 + d sigma_l^2) ||x||^2`` (tower property, layer by layer).
* Its layer gains ``G_l = ||z_l||^2 / ||z_{l-1}||^2`` (``z_l`` the output of layer l) are
  independent and identically distributed: W is rotation invariant, so ``(I+W) u`` for a
  unit vector u has the law of ``(I+W) e_1`` whatever u is; ``G_l / sigma^2`` is non-central
  chi-square with d degrees of freedom and non-centrality ``1 / sigma^2``. The Monte Carlo
  check of a product therefore goes through the gains (`verify.statistics.product_evidence`;
  the module docstring there says why the end-to-end product cannot be checked directly).
* Balduzzi et al.'s residual network (seed 000, "Scaling of the residuals"): see
  `BalduzziScaling` for the exact model encoded.

All sampled quantities are float64. The same ``mc_key`` gives the same estimate.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import digamma, gammaln, polygamma

from verify.claims.base import HOLDS, REFUTED, Claim, Evidence, all_of, compare, register
from verify.errors import InvalidInstanceError
from verify.statistics import FALSE_ALARM, expectation_evidence, monte_carlo_mean, product_evidence
from verify.tolerances import tolerance

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
    "linear_resnet_evidence",
    "matlab_simulation",
    "log_gain_moments",
    "isometry_second_moment",
    "ENTRY_LAWS",
    "BN_BATCH",
    "VARIANTS",
    "balduzzi_forward",
    "balduzzi_chains",
    "balduzzi_exact_variance",
    "balduzzi_claimed",
    "XavierLinearResnet",
    "ScalarResnet",
    "ResnetOneOverDL",
    "IsometryAsPrinted",
    "IsometryColumns",
    "BalduzziScaling",
]

#: Monte Carlo size per check: MC_BATCHES vmapped batches of MC_BATCH draws (8,192 draws).
#: With 8,192 draws a layer gain of the networks below has a relative standard error of
#: about 1%, so a claimed mean off by a factor 1.1 per layer is refuted at the default rate.
MC_BATCHES, MC_BATCH = 8, 1024


# --- bad input ---------------------------------------------------------------------------


def validate_depth(name: str, depth) -> int:
    """`depth` (the number of layers L) must be an integer >= 1."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise InvalidInstanceError(f"{name} (the depth L) must be an integer >= 1; got {depth!r}")
    return int(depth)


def validate_width(name: str, width) -> int:
    """`width` (the dimension d) must be an integer >= 1."""
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise InvalidInstanceError(f"{name} (the width d) must be an integer >= 1; got {width!r}")
    return int(width)


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


def validate_key(name: str, key) -> None:
    """`key` must be a raw PRNG key: two integers in [0, 2^32), stored as float64 (as the
    instances store every array) or uint32 (``jax.random.PRNGKey(seed)``)."""
    k = np.asarray(key)
    ok = k.shape == (2,) and (k.dtype == np.uint32 or (
        k.dtype == np.float64 and np.all(np.isfinite(k)) and np.all(k == np.floor(k)) and np.all((k >= 0) & (k < 2.0**32))
    ))
    if not ok:
        raise InvalidInstanceError(
            f"{name} must be a raw PRNG key (two integers in [0, 2^32), float64 or uint32, shape (2,)); "
            f"got {k.dtype} array of shape {k.shape}: {k.tolist()!r}"
        )


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


def linear_resnet_evidence(key, x, variances, claimed_ratio, false_alarm: float = FALSE_ALARM,
                           n_batches: int = MC_BATCHES, batch: int = MC_BATCH) -> Evidence:
    """Monte Carlo evidence for ``E||y||^2 / ||x||^2 = claimed_ratio`` (via the layer gains).

    Measured besides the product interval: the end-to-end mean of ||y||^2/||x||^2 from the
    same draws and its standard error (shown, not used in the verdict: it is heavy-tailed).
    """

    def draw(k):
        g = linear_resnet_gains(k, x, variances)
        return jnp.concatenate([g, jnp.prod(g)[None]])

    est = monte_carlo_mean(draw, key, n_batches, batch)
    gains = type(est)(mean=est.mean[:-1], variance=est.variance[:-1], samples=est.samples)
    return product_evidence(
        gains, claimed_ratio, false_alarm, name="ratio",
        end_to_end_mean=est.mean[-1], end_to_end_std_error=est.std_error[-1],
    )


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


# --- claims on the linear residual network -----------------------------------------------


def _key_of(instance) -> jax.Array:
    return jnp.asarray(instance["mc_key"]).astype(jnp.uint32)


def _new_key(key):
    """The instance's Monte Carlo key as float64 (exact: both words are below 2^32)."""
    return jnp.asarray(jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key).astype(jnp.float64)


def _validate_linear(instance) -> None:
    validate_key("mc_key", instance["mc_key"])
    x = np.asarray(instance["x"])
    if x.ndim != 1 or x.shape[0] < 1:
        raise InvalidInstanceError(f"x must be a vector of shape (d,) with d >= 1; got shape {x.shape}")
    if not np.any(x != 0):
        raise InvalidInstanceError("x must be non-zero (the claims are about ||y||^2 / ||x||^2); got x = 0")
    v = np.asarray(instance["variances"])
    if v.ndim != 1 or v.shape[0] < 1:
        raise InvalidInstanceError(f"variances must have shape (L,) with L >= 1 (the depth); got shape {v.shape}")
    validate_variance("variances", v)


def _validate_all_equal(name, values, value, label):
    """Every entry of `values` must equal `value` (to rounding): the statement's hypothesis."""
    if not np.allclose(np.asarray(values), value, rtol=1e-12, atol=0):
        raise InvalidInstanceError(f"{name} must all be {label} = {value!r}; got {np.asarray(values).tolist()}")


def _draw_x(key, d):
    kx, ks = jax.random.split(key)
    return jnp.exp(jax.random.uniform(ks, (), minval=-3.0, maxval=3.0)) * jax.random.normal(kx, (d,))


def _exact_identity(value, claimed, name):
    """The closed form against the claimed value: rounding only (identity tolerance).

    The margin is divided by the tolerance, so that it reads like the Monte Carlo margins
    (1 when exact, 0 at the edge): otherwise it would be at most 1e-10 and always be the
    smallest margin of the claim, hiding the Monte Carlo's in sweeps."""
    claimed = jnp.asarray(claimed, jnp.float64)
    rtol = tolerance("identity")
    ev = compare(value, claimed, "identity", rtol, scale=jnp.abs(claimed) + 1e-300, name=name)
    return Evidence(margin=ev.margin / rtol, conclusive=ev.conclusive, measured=ev.measured)


@register
class XavierLinearResnet(Claim):
    """Xavier initialisation makes the output of a linear residual network explode with depth.

    Setting: ``y = (I + W^L) ... (I + W^1) x``, x in R^d non-zero, L >= 1, every entry of
    every W^l i.i.d. N(0, 1/d) (Xavier), independent across layers.

    Claim (identity): ``E||y||^2 = 2^L ||x||^2``.

    Check: (a) exactly, ``E[(I+W)^T (I+W)] = (1 + d/d) I = 2 I`` and the tower property give
    ``prod_l (1 + d sigma_l^2) = 2^L`` (identity tolerance: rounding only); (b) by Monte Carlo,
    the product of the mean layer gains (8,192 networks per instance) has an interval that
    contains 2^L, at false-alarm rate 1e-6 (`verify.statistics.product_evidence`; the gains
    are i.i.d. as the module docstring says). The end-to-end mean is reported alongside.
    The seed's MATLAB simulation is `matlab_simulation` (see the notebook).

    References: lecture 5 (ResNet initialisation), section 5.2, Example 5.1, shared/seeds/000_45be778ffb0540d2.txt.
    """

    id = "init/xavier-linear-resnet"
    source = "Lecture 5, section 5.2, Example 5.1 (shared/seeds/000_45be778ffb0540d2.txt)"
    statement = "y = (I+W^L)...(I+W^1)x with W_ij ~ N(0, 1/d): E||y||^2 = 2^L ||x||^2 (the norm explodes with depth)."
    kind = "statistical"
    params = ({"d": 1, "L": 3}, {"d": 4, "L": 10}, {"d": 10, "L": 6})

    def generate(self, key, d=4, L=10):
        kx, km = jax.random.split(key)
        return {"x": _draw_x(kx, d), "variances": jnp.full((L,), 1.0 / d), "mc_key": _new_key(km)}

    def validate(self, instance):
        super().validate(instance)
        _validate_linear(instance)
        d = np.shape(instance["x"])[0]
        _validate_all_equal("variances", instance["variances"], 1.0 / d, "1/d (Xavier)")

    def check(self, instance):
        x, v = instance["x"], instance["variances"]
        claimed = 2.0 ** v.shape[0]
        exact = _exact_identity(jnp.prod(expected_gain(x.shape[0], v)), claimed, "exact_ratio")
        mc = linear_resnet_evidence(_key_of(instance), x, v, claimed)
        return all_of(exact, mc)


@register
class ScalarResnet(Claim):
    """Width one: ``E[y^2] = (1 + c)^L x^2``, so c = 1/L keeps the output O(x^2).

    Setting: ``y = (1 + w^L) ... (1 + w^1) x``, x != 0 real, L >= 1, w^l i.i.d. N(0, c), c >= 0.

    Claim (identity, then upper bound): ``E[y^2] = (1 + c)^L x^2``; with c = 1/L,
    ``(1 + 1/L)^L <= e``, so ``E[y^2] <= e x^2`` at every depth.

    Check: (a) exactly, ``E(1+w)^2 = 1 + c`` per layer, product over layers (rounding only),
    and ``(1 + 1/L)^L <= e``; (b) by Monte Carlo through the layer gains ``(1 + w^l)^2``
    (independent), false-alarm rate 1e-6. Half the instances take c = 1/L, the others c
    log-uniform in [1e-3, 2] (where the end-to-end product is very heavy-tailed).

    References: lecture 5, section 5.2, Example 5.1 (case d = 1), shared/seeds/000_45be778ffb0540d2.txt.
    """

    id = "init/scalar-resnet"
    source = "Lecture 5, section 5.2, Example 5.1, case d = 1 (shared/seeds/000_45be778ffb0540d2.txt)"
    statement = "d = 1, w^l ~ N(0, c): E[y^2] = (1+c)^L x^2; c = 1/L keeps E[y^2] <= e x^2 at every depth L."
    kind = "statistical"
    params = ({"L": 1}, {"L": 4}, {"L": 10}, {"L": 50})

    def generate(self, key, L=10):
        kx, kc, kb, km = jax.random.split(key, 4)
        c = jnp.where(jax.random.bernoulli(kb), 1.0 / L, jnp.exp(jax.random.uniform(kc, (), minval=math.log(1e-3), maxval=math.log(2.0))))
        return {"x": _draw_x(kx, 1), "variances": jnp.full((L,), c), "mc_key": _new_key(km)}

    def validate(self, instance):
        super().validate(instance)
        _validate_linear(instance)
        if np.shape(instance["x"]) != (1,):
            raise InvalidInstanceError(f"x must have shape (1,) (width one); got shape {np.shape(instance['x'])}")
        v = np.asarray(instance["variances"])
        if np.ptp(v) != 0:
            raise InvalidInstanceError(f"variances must all equal c (one variance for every layer); got {v.tolist()}")

    def check(self, instance):
        x, v = instance["x"], instance["variances"]
        L = v.shape[0]
        claimed = (1.0 + v[0]) ** L
        exact = _exact_identity(jnp.prod(expected_gain(1, v)), claimed, "exact_ratio")
        bounded = compare((1.0 + 1.0 / L) ** L, jnp.e, "upper", 0.0, scale=jnp.e, name="one_over_L_ratio")
        mc = linear_resnet_evidence(_key_of(instance), x, v, claimed)
        return all_of(exact, bounded, mc, c=v[0])


@register
class ResnetOneOverDL(Claim):
    """Scaling the entries by 1/(dL) keeps the output norm O(||x||) at every depth.

    Setting: the linear residual network above, x in R^d non-zero, L >= 1, entries of W^l
    i.i.d. N(0, 1/(d L)).

    Claim (identities, then an upper bound): ``E[(I+W)^T (I+W)] = (1 + 1/L) I`` and
    ``E||y||^2 = (1 + 1/L)^L ||x||^2 <= e ||x||^2``.

    Check: (a) exactly, ``E W^T W = d/(dL) I`` (rounding only) and ``(1+1/L)^L <= e``; (b) by
    Monte Carlo, the d x d matrix ``E[(I+W)^T (I+W)]`` entrywise (normal intervals, Bonferroni
    over the d^2 entries) and the product of the layer gains, each at rate 1e-6.
    The seed writes ``E(I+W)^2 = I + E W^2``; read literally (W times W, not W^T W) that is
    ``(1 + 1/(dL)) I``, not ``(1 + 1/L) I``: what the proof needs, and what is encoded, is
    ``E[(I+W)^T (I+W)]`` (the notebook shows both).

    References: lecture 5, section 5.2, proof outline after Example 5.1, shared/seeds/000_45be778ffb0540d2.txt.
    """

    id = "init/resnet-1-over-dL"
    source = "Lecture 5, section 5.2, proof outline after Example 5.1 (shared/seeds/000_45be778ffb0540d2.txt)"
    statement = "W_ij ~ N(0, 1/(dL)): E[(I+W)^T(I+W)] = (1+1/L) I and E||y||^2 = (1+1/L)^L ||x||^2 <= e ||x||^2."
    kind = "statistical"
    params = ({"d": 1, "L": 2}, {"d": 4, "L": 10}, {"d": 10, "L": 5})

    def generate(self, key, d=4, L=10):
        kx, km = jax.random.split(key)
        return {"x": _draw_x(kx, d), "variances": jnp.full((L,), 1.0 / (d * L)), "mc_key": _new_key(km)}

    def validate(self, instance):
        super().validate(instance)
        _validate_linear(instance)
        d, L = np.shape(instance["x"])[0], np.shape(instance["variances"])[0]
        _validate_all_equal("variances", instance["variances"], 1.0 / (d * L), "1/(dL)")

    def check(self, instance):
        x, v = instance["x"], instance["variances"]
        d, L = x.shape[0], v.shape[0]
        claimed_gain, claimed = 1.0 + 1.0 / L, (1.0 + 1.0 / L) ** L
        exact = _exact_identity(expected_gain(d, v[0]), claimed_gain, "exact_gain")
        bounded = compare(claimed, jnp.e, "upper", 0.0, scale=jnp.e, name="ratio_bound")

        def one_layer(k):
            w = jnp.sqrt(v[0]) * jax.random.normal(k, (d, d), jnp.float64)
            a = jnp.eye(d) + w
            return a.T @ a

        k1, k2 = jax.random.split(_key_of(instance))
        second_moment = monte_carlo_mean(one_layer, k1, MC_BATCHES, MC_BATCH)
        matrix = expectation_evidence(second_moment, claimed_gain * jnp.eye(d), name="second_moment")
        mc = linear_resnet_evidence(k2, x, v, claimed)
        return all_of(exact, bounded, matrix, mc)


# --- Remark 6.2: isometry of one random layer --------------------------------------------

#: Entry laws, each standardised to mean 0 and variance 1: 0 Gaussian, 1 Rademacher,
#: 2 uniform on [-sqrt 3, sqrt 3].
ENTRY_LAWS = ("gaussian", "rademacher", "uniform")


def _standard_entries(key, law, shape):
    kg, kr, ku = jax.random.split(key, 3)  # all three are drawn (law is traced); one is kept
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


class _Isometry(Claim):
    kind = "statistical"
    params = ({"m": 2, "n": 1}, {"m": 1, "n": 2}, {"m": 2, "n": 2}, {"m": 3, "n": 5}, {"m": 8, "n": 8})
    #: which sums of the variance profile the hypothesis sets to 1: 1 = rows, 0 = columns.
    normalised_axis = 1

    def generate(self, key, m=2, n=2):
        kp, kz, kl, km, ka, kk = jax.random.split(key, 6)
        raw = jax.random.exponential(kp, (m, n)) * jax.random.bernoulli(kz, 0.7, (m, n))
        raw = raw.at[..., 0].add(1e-3) if self.normalised_axis == 1 else raw.at[0].add(1e-3)
        profile = raw / jnp.sum(raw, axis=self.normalised_axis, keepdims=True)
        return {
            "profile": profile,
            "law": jax.random.randint(kl, (), 0, len(ENTRY_LAWS)).astype(jnp.float64),
            "x_mean": jax.random.normal(km, (n,)),
            "x_factor": jax.random.normal(ka, (n, n)) / math.sqrt(n),
            "mc_key": _new_key(kk),
        }

    def validate(self, instance):
        super().validate(instance)
        validate_key("mc_key", instance["mc_key"])
        p = np.asarray(instance["profile"], dtype=np.float64)
        if p.ndim != 2 or min(p.shape) < 1:
            raise InvalidInstanceError(f"profile must be an m x n matrix with m, n >= 1; got shape {p.shape}")
        validate_variance("profile", p)
        sums = p.sum(axis=self.normalised_axis)
        which = "row sums (sum_j E W_ij^2)" if self.normalised_axis == 1 else "column sums (sum_i E W_ij^2)"
        if not np.allclose(sums, 1.0, rtol=0, atol=1e-12):
            raise InvalidInstanceError(f"profile's {which} must all be 1; got {sums.tolist()}")
        n = p.shape[1]
        if np.shape(instance["x_mean"]) != (n,) or np.shape(instance["x_factor"]) != (n, n):
            raise InvalidInstanceError(
                f"x_mean and x_factor must have shapes ({n},) and ({n}, {n}); got {np.shape(instance['x_mean'])} and {np.shape(instance['x_factor'])}"
            )
        if float(instance["law"]) not in range(len(ENTRY_LAWS)):
            raise InvalidInstanceError(f"law must be 0, 1 or 2 ({', '.join(ENTRY_LAWS)}); got {float(instance['law'])!r}")

    def check(self, instance):
        p, law = instance["profile"], instance["law"]
        mean, factor = instance["x_mean"], instance["x_factor"]
        m, n = p.shape
        lhs, rhs = isometry_second_moment(p, mean, factor)
        exact = _exact_identity(lhs, rhs, "exact_second_moment")

        def draw(k):
            kw, kx = jax.random.split(k)
            w = jnp.sqrt(p) * _standard_entries(kw, law, (m, n))
            x = mean + factor @ jax.random.normal(kx, (n,), jnp.float64)
            wx = w @ x
            return wx @ wx - x @ x

        est = monte_carlo_mean(draw, _key_of(instance), MC_BATCHES, MC_BATCH)
        # a draw of ||Wx||^2 - ||x||^2 carries rounding of a few ulps of its terms: with
        # Rademacher entries and unit column sums it is zero in exact arithmetic.
        mc = expectation_evidence(est, 0.0, name="difference", resolution=tolerance("identity") * rhs, E_x_squared=rhs)
        return all_of(exact, mc)


@register
class IsometryAsPrinted(_Isometry):
    """Remark 6.2 as printed: zero-mean independent entries with unit *row* sums of variances
    preserve the expected squared norm. False unless the column sums are 1 too.

    Setting: W in R^{m x n} with independent entries, E W_ij = 0, ``sum_j E W_ij^2 = 1`` for
    every row i; x random in R^n independent of W (here Gaussian with arbitrary mean and
    covariance); entries Gaussian, Rademacher or uniform with a variance profile drawn at
    random (some entries identically zero).

    Claim (identity): ``E||Wx||^2 = E||x||^2``.

    What is true: ``E||Wx||^2 = sum_j c_j E x_j^2`` with column sums ``c_j = sum_i E W_ij^2``.
    The row condition is ``E[W W^T] = I``, which the remark says "suffices"; the norm needs
    ``E[W^T W] = I`` (`IsometryColumns`). A 2 x 1 W with two unit-variance entries has row sums
    1 and ``E||Wx||^2 = 2 x^2``. Expected verdict: refuted, with that counterexample.

    Check: (a) exactly, the formula above against E||x||^2 (identity tolerance); (b) by Monte
    Carlo, the mean of ``||Wx||^2 - ||x||^2`` (8,192 draws, normal interval, rate 1e-6, plus
    the identity tolerance times E||x||^2 for rounding) against 0. The verdict is the worse
    of the two.

    References: lecture 6, Remark 6.2, shared/seeds/001_749c64abaf8f8510.txt.
    """

    id = "init/isometry"
    source = "Lecture 6, Remark 6.2 (shared/seeds/001_749c64abaf8f8510.txt)"
    statement = "W independent of x, independent zero-mean entries, sum_j E W_ij^2 = 1 for every row i => E||Wx||^2 = E||x||^2 (as printed)."
    expected = REFUTED
    normalised_axis = 1


@register
class IsometryColumns(_Isometry):
    """Remark 6.2 corrected: unit *column* sums of variances (``E[W^T W] = I``) preserve E||x||^2.

    Setting: W in R^{m x n} with independent zero-mean entries, ``sum_i E W_ij^2 = 1`` for
    every column j; x random in R^n independent of W (Gaussian, any mean and covariance);
    entries Gaussian, Rademacher or uniform with a random variance profile.

    Claim (identity): ``E||Wx||^2 = E||x||^2``. Proof: ``E||Wx||^2 = sum_j c_j E x_j^2`` with all
    c_j = 1 (cross terms vanish by independence and zero mean).

    Check: as for `IsometryAsPrinted`: exact formula and Monte Carlo at rate 1e-6.

    References: lecture 6, Remark 6.2 (corrected hypothesis), shared/seeds/001_749c64abaf8f8510.txt.
    """

    id = "init/isometry-columns"
    source = "Lecture 6, Remark 6.2, with the column condition (shared/seeds/001_749c64abaf8f8510.txt)"
    statement = "W independent of x, independent zero-mean entries, sum_i E W_ij^2 = 1 for every column j (E W^T W = I) => E||Wx||^2 = E||x||^2."
    expected = HOLDS
    normalised_axis = 0


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
    of everything before it in the chain), as `product_evidence` needs.
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


@register
class BalduzziScaling(Claim):
    """Scaling of the residuals (Balduzzi et al. 2017, as summarised in lecture 5).

    The encoded model (the seed leaves it loose; we follow the paper's section 4):
    a batch of B = 8 inputs z_0 = g, g ~ N(0, I_N); blocks l = 1..L,

        z_l = alpha_l (z_{l-1} + beta_l W_l D_l N(z_{l-1})),

    W_l with i.i.d. N(0, 2/N) entries (He initialisation for rectifiers), D_l the rectifier
    written as independent Bernoulli(1/2) gates (the mean-field assumption under which the
    formulas are exact: each rectifier is active with probability 1/2 independently of the
    weights and of the other units; with real rectifiers at finite width they are not exact,
    and the notebook measures by how much: within 3% with BN at width 4, but +130% for the
    plain 2^L at width 4 and +8.6% at width 64 after 10 blocks), and N the identity or batch
    normalisation placed on the residual branch, before the rectifier (x_l = x_{l-1} +
    beta W relu(BN(x_{l-1})), the paper's form; BN divides each coordinate by its root mean
    square over the batch). The seed writes relu(z^{l-1}) in the update of z^{l+1}; we read
    it as the same-block activation, as in the paper. "Var(z[i])" is E[z_L[i]^2] (all
    activations have mean zero), averaged over the batch and the N coordinates; "the
    variance of the gradient" is the same for the gradient of ``sum_b u_b . z_L[b]``
    (u ~ N(0, I)) with respect to z_0, by autodiff.

    Claims (identities), one per variant:
      plain (alpha = beta = 1, no BN, L blocks): gradient variance 2^L;
      alpha (alpha = 1/sqrt 2, beta = 1, no BN, L blocks): Var(z_L[i]) = 1;
      beta-bn (alpha = 1, BN, L - 1 blocks): Var = beta^2 (L - 1) + 1, which is 2 for
        beta = 1 / sqrt(L - 1) (half the instances; the others beta in [0.1, 1]).

    Check: (a) exactly, the variance recursion (`balduzzi_exact_variance`) against the
    seed's value (rounding only); (b) by Monte Carlo (8,192 draws of the batch), at rate
    1e-6: without BN through the chain of layer gains (`balduzzi_chains`,
    `verify.statistics.product_evidence`), with BN directly (S_L is a sum of light-tailed
    increments) with the normal interval.

    References: lecture 5, section 5.2, "Scaling of the residuals", shared/seeds/000_45be778ffb0540d2.txt; Balduzzi et al.,
    "The Shattered Gradients Problem", ICML 2017 (arXiv 1702.08591), section 4.
    """

    id = "init/balduzzi-scaling"
    source = "Lecture 5, section 5.2, 'Scaling of the residuals' (shared/seeds/000_45be778ffb0540d2.txt); Balduzzi et al. 2017, section 4"
    statement = (
        "z_l = alpha (z_{l-1} + beta W_l relu(N(z_{l-1}))), He init: alpha = beta = 1 gives gradient variance 2^L; "
        "alpha = 1/sqrt 2 gives Var = 1; BN and beta give Var = beta^2 (L-1) + 1 (= 2 at beta = 1/sqrt(L-1))."
    )
    kind = "statistical"
    params = (
        {"variant": "plain", "N": 4, "blocks": 3},
        {"variant": "alpha", "N": 4, "blocks": 6},
        {"variant": "beta-bn", "N": 4, "blocks": 4},
        {"variant": "plain", "N": 8, "blocks": 10},
        {"variant": "alpha", "N": 8, "blocks": 10},
        {"variant": "beta-bn", "N": 8, "blocks": 9},
    )  # wider networks cost N^2 random draws per block; the notebook runs N = 64

    def generate(self, key, variant="plain", N=8, blocks=4):
        if variant not in VARIANTS:
            raise InvalidInstanceError(f"variant must be one of {VARIANTS}; got {variant!r}")
        kb, kc, km = jax.random.split(key, 3)
        ones = jnp.ones((blocks,))
        if variant == "plain":
            alpha, beta = ones, ones
        elif variant == "alpha":
            alpha, beta = ones / math.sqrt(2.0), ones
        else:
            b = jnp.where(jax.random.bernoulli(kc), 1.0 / math.sqrt(blocks), jax.random.uniform(kb, (), minval=0.1, maxval=1.0))
            alpha, beta = ones, b * ones
        return {
            "x_scale": jnp.ones((N,)),
            "alpha": alpha,
            "beta": beta,
            "batch_norm": jnp.asarray(1.0 if variant == "beta-bn" else 0.0),
            "variant": jnp.asarray(float(VARIANTS.index(variant))),
            "mc_key": _new_key(km),
        }

    def validate(self, instance):
        super().validate(instance)
        validate_key("mc_key", instance["mc_key"])
        for name in ("alpha", "beta"):
            validate_scale(name, instance[name])
            if np.ndim(instance[name]) != 1 or np.shape(instance[name])[0] < 1:
                raise InvalidInstanceError(f"{name} must have shape (L,) with L >= 1 (one factor per block); got shape {np.shape(instance[name])}")
        if np.shape(instance["alpha"]) != np.shape(instance["beta"]):
            raise InvalidInstanceError(f"alpha and beta must have the same shape; got {np.shape(instance['alpha'])} and {np.shape(instance['beta'])}")
        xs = np.asarray(instance["x_scale"], dtype=np.float64)
        if xs.ndim != 1 or xs.shape[0] < 1:
            raise InvalidInstanceError(f"x_scale must have shape (N,) with N >= 1 (the width); got shape {xs.shape}")
        validate_scale("x_scale", xs)
        variant = float(instance["variant"])
        if variant not in (0.0, 1.0, 2.0):
            raise InvalidInstanceError(f"variant must be 0 (plain), 1 (alpha) or 2 (beta-bn); got {variant!r}")
        name = VARIANTS[int(variant)]
        a, b = np.asarray(instance["alpha"]), np.asarray(instance["beta"])
        want = {"plain": (1.0, 1.0, 0.0), "alpha": (1 / math.sqrt(2.0), 1.0, 0.0)}.get(name, (1.0, None, 1.0))
        ok = np.allclose(a, want[0], rtol=1e-12, atol=0) and float(instance["batch_norm"]) == want[2]
        ok = ok and (np.allclose(b, want[1], rtol=1e-12, atol=0) if want[1] is not None else np.ptp(b) == 0)
        if not ok or not np.allclose(xs, 1.0, rtol=1e-12, atol=0):
            raise InvalidInstanceError(
                f"the {name} statement needs alpha = {want[0]:.6g}, "
                + (f"beta = {want[1]:.6g}" if want[1] is not None else "one beta for every block")
                + f", batch_norm = {want[2]:g} and unit-variance inputs (x_scale = 1); got alpha = {a.tolist()}, "
                f"beta = {b.tolist()}, batch_norm = {float(instance['batch_norm'])}, x_scale = {xs.tolist()}"
            )

    def check(self, instance):
        xs, alpha, beta = instance["x_scale"], instance["alpha"], instance["beta"]
        bn, variant = instance["batch_norm"], instance["variant"]
        blocks = alpha.shape[0]
        claimed = balduzzi_claimed(variant, blocks, beta[0])
        exact_value = balduzzi_exact_variance(xs, alpha, beta, bn)
        exact = _exact_identity(exact_value, claimed, "exact_variance")

        def draw(k):
            chains = balduzzi_chains(k, xs, alpha, beta, bn)
            return jnp.concatenate([chains.ravel(), jnp.prod(chains[0])[None]])  # last: S_L

        est = monte_carlo_mean(draw, _key_of(instance), MC_BATCHES, MC_BATCH)
        n = blocks + 1
        part = lambda sl: type(est)(mean=est.mean[sl], variance=est.variance[sl], samples=est.samples)
        forward, backward, direct_est = part(slice(0, n)), part(slice(n, 2 * n)), part(2 * n)
        chain = jax.tree_util.tree_map(lambda f, b: jnp.where(variant == 0, b, f), forward, backward)
        prod = product_evidence(chain, claimed, name="variance")
        direct = expectation_evidence(direct_est, claimed, name="variance")
        half = direct.measured["variance_half_width"]
        margin = jnp.where(bn > 0, direct.margin, prod.margin)
        mc = Evidence(
            margin=margin,
            conclusive=jnp.asarray(True),
            measured={
                "variance": jnp.where(bn > 0, direct_est.mean, prod.measured["variance"]),
                "variance_claimed": claimed,
                "variance_lower": jnp.where(bn > 0, direct_est.mean - half, prod.measured["variance_lower"]),
                "variance_upper": jnp.where(bn > 0, direct_est.mean + half, prod.measured["variance_upper"]),
                "samples": est.samples,
                "false_alarm": jnp.asarray(FALSE_ALARM),
            },
        )
        return all_of(exact, mc, variant=variant, beta=beta[0])
