"""Hardt & Ma, Theorem 3.2: a ReLU residual network with O(n log n + r^2) parameters memorises n points.

Setting (paper section 3, Assumption 3.1; review seed 002, Theorem 3): n points
x_1, ..., x_n in R^d of unit norm ("without loss of generality we assume the data are
normalized", paper section 3), pairwise separated, ||x_i - x_j||^2 >= rho > 0 for i != j, and
labels y_i in {e_1, ..., e_r} (one-hot in R^r; here stored as class indices 0..r-1).

The network (paper section 3; the review's reading of the last block, see below)::

    h_0 = A_0 x                                   A_0 in R^{k x d}
    h_j = h_{j-1} + V_j ReLU(U_j h_{j-1} + s_j)    U_j, V_j in R^{k x k}, s_j in R^k, j = 1..l
    yhat = B ReLU(A h_l + b)                      A in R^{r x k}, B in R^{r x r}, b in R^r

with l = ceil(n / k) blocks: k d + l (2 k^2 + k) + (k r + r^2 + r) parameters
(`parameter_count_formula`), which is O(n log n + r^2) when k = O(log n) and d, r < n.

The construction (paper appendix B, Lemmas B.1 and B.2, proof of Theorem 3.2), as built here
by `construct_resnet` (pure jnp, jit- and vmap-able) and `build_memorising_resnet`:

1. A random first layer A_0 that keeps the points separated: z_i = A_0 x_i.
2. r random "surrogate label" vectors q_1..q_r in R^k (unit norm); point i is to be sent to
   v_i = q_{y_i}.
3. Points are taken in blocks of k (in the given order); block j has one ReLU unit per point
   i of the block: row i of U_j is z_i, its bias is -t_i, and column i of V_j is
   (v_i - z_i) / (||z_i||^2 - t_i). Unit i fires on z_i alone and on no other current hidden
   vector (the other z's and the q's already reached), so block j moves its k points to
   their q's and leaves every other point exactly where it is (Lemma B.1).
4. The last block has one unit per class: row c of A is q_c, b_c = -t'_c, B is diagonal
   with 1 / (||q_c||^2 - t'_c): it maps q_c to e_c exactly.

Where this encoding departs from the printed text, and why (each is a slip in the paper, not a
change of the theorem):

* Last block. The paper writes yhat = h_l + T_{A_{l+1}, B_{l+1}, s_{l+1}}(h_l) with
  A_{l+1} in R^{k x r}, B_{l+1} in R^{r x r}: the skip connection adds a vector of R^k to one
  of R^r, which is defined only when k = r. We encode the review's reading (seed 002:
  "yhat = T_{A_{l+1}, B_{l+1}, b_{l+1}}(h_l)", kr + r^2 + r parameters), a ReLU block
  without the skip. Lemma B.1 applied with alpha = q_c, beta = e_c then builds it.
* Thresholds. Lemma B.1 uses one threshold t = 1 - 2 rho' for every unit, justified by
  (B.1): "2<alpha_j, alpha_i> = ||alpha_i||^2 + ||alpha_j||^2 - ||alpha_i - alpha_j||^2 <=
  1 + rho' - 3 rho' <= 1 - 2 rho'". The left side is 2<.,.>, the right side is bounded by
  2 + 2 rho' - 3 rho', so the lemma's hypotheses only give <alpha_j, alpha_i> <= 1 - rho'/2,
  which exceeds 1 - 2 rho': under the printed hypotheses a unit can fire on a point outside
  S (two points of squared norm 1 + rho' at squared distance 3 rho' have inner product
  1 - rho'/2). A unit's own margin ||z_i||^2 - max_m <z_i, alpha_m> is what the proof needs
  to be positive; we set each unit's threshold halfway into its own margin,
  t_i = ||z_i||^2 - gamma_i / 2 (the bias s is a free vector of R^k in the architecture, so
  the parameter count is unchanged). When A_0 is an isometry all ||z_i|| = 1 and gamma_i >=
  rho / 2, the paper's single threshold with rho' replaced by the measured margin. The
  printed constants fail even then: the proof sets rho' = rho / 3, so the threshold is
  1 - 2 rho / 3, while the closest pair has <z_i, z_j> = 1 - rho / 2 > 1 - 2 rho / 3 when rho
  is the data's own separation (both units fire on the other point; it works only when the
  rho used is at most 3/4 of the separation). A unit test shows both failures.
* Parameter count. The paper counts 2k^2 per middle block and kr + r^2 for the last (no
  biases); the review counts 2k^2 + k and kr + r^2 + r. The biases are parameters of
  T_{U,V,s}, so the review's count is the one checked (the order is the same).
* First layer. The proof takes A_0 "with standard normal entries" and k = c log(n) / rho^2
  (Johnson-Lindenstrauss), which scales norms by sqrt(k) (it must be divided by sqrt(k))
  and mixes squared and unsquared distances. The proof uses only that A_0 keeps the points'
  norms and distances up to 1 +- rho/3. For k >= d we take A_0 with orthonormal columns
  (Q of the QR factorisation of a Gaussian k x d matrix): a random linear map that keeps them
  exactly, so the construction cannot fail and k only has to make the random q's distinct
  from the z's (any k >= 2 does so with probability 1; k ~ 4 log(n + r) keeps the margins of
  order 1). For k < d (the regime where k = O(log n) needs Johnson-Lindenstrauss) A_0 is
  Gaussian with entries of variance 1/k, as in the proof, and the construction works only
  when the draw keeps every point's margin positive; `construct_resnet` reports the margins.
* Separation. The review writes "for some small constant rho >= 0"; with rho = 0 two
  copies of one point may carry different labels, which no function memorises. The paper's
  Assumption 3.1 (rho > 0) is encoded; `validate_points` requires rho >= SEPARATION_FLOOR.
* Surrogate labels. The paper says "k > 4 log r" makes random unit q's pairwise correlated
  below 0.5; a union bound over r^2 / 2 pairs needs about 28 log r. Nothing in the proof
  needs 0.5: any margin 1 - max <q_a, q_c> > 0 (true with probability 1 for k >= 2) works.

References:
  [1] M. Hardt, T. Ma. Identity Matters in Deep Learning. ICLR 2017, arXiv:1611.04231v3:
      section 3 (Assumption 3.1, Theorem 3.2, equations (3.1)-(3.6), Lemma 3.3) and
      appendix B (Lemmas B.1, B.2, proof of Theorem 3.2).
  [2] G. Li. Identity Matters in Deep Learning (literature review, ELE538B, 2018), the
      seed ``shared/seeds/002_56c6572621e81ca1.txt``: section 3, Theorem 3 and the
      construction of the residual network N.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import raise_problems, validate_positive_int
from verify.claims.base import Claim, Evidence, MarginCase, all_of, compare, register
from verify.claims.hardt_ma.model import SEED_002
from verify.errors import InvalidInstanceError

__all__ = [
    "MemorisingResnet",
    "ConstructionMargins",
    "CountRow",
    "ResnetMemorises",
    "default_width",
    "number_of_blocks",
    "first_layer",
    "surrogate_labels",
    "draw_random_layers",
    "construct_resnet",
    "build_memorising_resnet",
    "apply_trunk",
    "apply_head",
    "apply_resnet",
    "parameter_count",
    "parameter_count_formula",
    "n_log_n_plus_r_squared",
    "validate_points",
    "parameter_count_table",
    "MEMORISATION_TOL",
    "UNIT_NORM_TOL",
    "SEPARATION_FLOOR",
    "WIDTH_PER_LOG",
]

#: k = max(d, ceil(WIDTH_PER_LOG * ln(n + r))) by default. The construction needs every q_c
#: away from the unit z_i and from the other q's; for a uniform unit q in R^k,
#: P(<z, q> > t) <= (1 - t^2)^((k - 1)/2), so over N <= (n + r)^2 pairs the largest inner
#: product is below t when t^2 >= 1 - N^(-2/(k-1)) ~ 1 - e^(-1) with this k: t ~ 0.8, margins
#: of order 0.2 or more.
WIDTH_PER_LOG = 4.0

#: ||x_i|| must be 1 within UNIT_NORM_TOL (the paper normalises the data). A float64
#: normalisation x / ||x|| leaves |1 - ||x||| of a few ulps; 1e-10 accepts data that went
#: through a decimal text format with 12+ digits and rejects data that was not normalised.
UNIT_NORM_TOL = 1e-10

#: Assumption 3.1 with rho > 0: the closest pair must have ||x_i - x_j||^2 >= SEPARATION_FLOOR.
#: A unit's margin is then >= rho / 2 (isometric A_0), and rounding errors of the
#: pre-activations (~k eps) are amplified by `conditioning` ~ 4 ||v - z|| / rho; at
#: rho = 1e-10 that is ~1e11, where conditioning * MEMORISATION_TOL nears 1/2, the limit below
#: which a wrong label can still be told from rounding in float64.
SEPARATION_FLOOR = 1e-10

#: max_i ||N(x_i) - e_{y_i}||_inf <= MEMORISATION_TOL * conditioning. A pre-activation is a
#: dot product of k terms of size <= 1 plus a bias: its rounding error is <= (k + 2) eps,
#: ~2e-14 for k = 100 (worst case; typically sqrt(k) eps). The construction multiplies it by
#: `conditioning` = (1 + max ||v_i - z_i|| / (gamma_i/2)) (1 + max 1/(gamma'_c/2)) (the
#: largest entries of V and B), and every unit that should not fire gives an exact 0.
#: 1e-12 is 50x the worst case at k = 100; a point sent to a wrong class or not moved has an
#: error of order 1, far above it while conditioning < 1/(2 MEMORISATION_TOL) (checked: else
#: the result is inconclusive).
MEMORISATION_TOL = 1e-12


# ------------------------------------------------------------------------- the network


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class MemorisingResnet:
    """The parameters of the residual network N of Theorem 3.2 (an immutable pytree).

    Attributes (l blocks of width k, input dimension d, r classes):
      a0: A_0, shape (k, d), the first (linear) layer h_0 = A_0 x.
      u: U_1..U_l, shape (l, k, k).
      v: V_1..V_l, shape (l, k, k); block j maps h -> h + V_j ReLU(U_j h + s_j).
      s: s_1..s_l, shape (l, k).
      a_out: A, shape (r, k), of the last block yhat = B ReLU(A h_l + b).
      b_out: B, shape (r, r).
      s_out: b, shape (r,).
    """

    a0: jax.Array
    u: jax.Array
    v: jax.Array
    s: jax.Array
    a_out: jax.Array
    b_out: jax.Array
    s_out: jax.Array

    @property
    def width(self) -> int:
        """k, the width of the hidden layers."""
        return int(self.a0.shape[0])

    @property
    def blocks(self) -> int:
        """l, the number of residual blocks."""
        return int(self.u.shape[0])


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class ConstructionMargins:
    """How safely the construction separates what it must (all jnp scalars).

    Attributes:
      hidden_gap: min_i gamma_i, gamma_i = ||z_i||^2 - max(<z_i, z_m> (m != i), <z_i, q_c>):
        unit i fires on z_i alone when gamma_i > 0 (Lemma B.1's hypothesis, for all pairs).
      final_gap: min_c gamma'_c, gamma'_c = ||q_c||^2 - max_{a != c} <q_c, q_a> (1 if r = 1).
      conditioning: (1 + max_i ||v_i - z_i|| / (gamma_i/2)) (1 + max_c 1 / (gamma'_c/2)),
        the largest factor by which the network can amplify a rounding error.
      min_sq_distance: the closest pair's ||x_i - x_j||^2 (rho of Assumption 3.1; inf if n = 1).
    """

    hidden_gap: jax.Array
    final_gap: jax.Array
    conditioning: jax.Array
    min_sq_distance: jax.Array


def default_width(n: int, d: int, r: int) -> int:
    """k = max(d, ceil(WIDTH_PER_LOG * ln(n + r))): O(log n) for d, r < n (see WIDTH_PER_LOG).

    k >= d makes `first_layer` an isometry (the construction then fails with probability 0);
    pass k < d
    to `build_memorising_resnet` for the Johnson-Lindenstrauss regime of the proof."""
    return max(int(d), 2, int(math.ceil(WIDTH_PER_LOG * math.log(n + r))))


def number_of_blocks(n: int, k: int) -> int:
    """l = ceil(n / k)."""
    return -(-int(n) // int(k))


def _first_layer_from(g: jax.Array) -> jax.Array:
    k, d = g.shape
    if k >= d:
        q, _ = jnp.linalg.qr(g)
        return q
    return g / jnp.sqrt(jnp.asarray(k, jnp.float64))


def _split_rows(flat, *shapes):
    """Consecutive pieces of the flat array `flat`, reshaped to `shapes`."""
    out, at = [], 0
    for shape in shapes:
        size = math.prod(shape)
        out.append(flat[at : at + size].reshape(shape))
        at += size
    return out


def _unit_rows(g: jax.Array) -> jax.Array:
    return g / jnp.linalg.norm(g, axis=1, keepdims=True)


def first_layer(key: jax.Array, k: int, d: int) -> jax.Array:
    """A random A_0 in R^{k x d} that keeps norms and distances (step 1 of the construction).

    k >= d: orthonormal columns (Q of a Gaussian k x d matrix), ||A_0 x|| = ||x|| exactly.
    k < d: i.i.d. N(0, 1/k) entries (Johnson-Lindenstrauss, as in the proof of Theorem 3.2)."""
    return _first_layer_from(jax.random.normal(key, (k, d), dtype=jnp.float64))


def surrogate_labels(key: jax.Array, r: int, k: int) -> jax.Array:
    """q_1..q_r, uniform random unit vectors of R^k, as rows of an (r, k) array."""
    return _unit_rows(jax.random.normal(key, (r, k), dtype=jnp.float64))


def _row_margins(rows: jax.Array, others: jax.Array, exclude_self: bool) -> jax.Array:
    """gamma_i = ||row_i||^2 - max_m <row_i, other_m> (other_i itself excluded if asked)."""
    sq = jnp.sum(rows * rows, axis=1)
    inner = rows @ others.T
    if exclude_self:
        inner = jnp.where(jnp.eye(rows.shape[0], others.shape[0], dtype=bool), -jnp.inf, inner)
    return sq - jnp.max(inner, axis=1, initial=-jnp.inf)


def construct_resnet(x: jax.Array, labels: jax.Array, a0: jax.Array, q: jax.Array):
    """Build the network of Theorem 3.2 for points `x` (n, d), `labels` (n,), A_0 and q's.

    Pure jnp with static shapes (l = ceil(n/k) blocks), so it traces under `jit` and `vmap`;
    no validation (use `build_memorising_resnet` or `validate_points` on the host).

    Args:
      x: the points x_i as rows, shape (n, d).
      labels: class indices y_i in [0, r), shape (n,) (any real or integer dtype).
      a0: A_0, shape (k, d) (see `first_layer`).
      q: the surrogate labels q_c as rows, shape (r, k) (see `surrogate_labels`).

    Returns:
      ``(network, margins)``: a `MemorisingResnet` and its `ConstructionMargins`. The
      network maps every x_i to e_{y_i} when both gaps are positive.
    """
    x = jnp.asarray(x, jnp.float64)
    n = x.shape[0]
    k = a0.shape[0]
    r = q.shape[0]
    l = number_of_blocks(n, k)
    y = jnp.asarray(labels).astype(jnp.int32)
    z = x @ a0.T  # h_0 of every point
    v = q[y]  # its target surrogate label
    # Lemma B.1 for every block at once: unit i must not fire on any other z (still
    # unmoved) nor on any q (points already moved); its margin against all of them.
    sq = jnp.sum(z * z, axis=1)
    gamma = jnp.minimum(_row_margins(z, z, True), sq - jnp.max(z @ q.T, axis=1))
    half = 0.5 * gamma
    pad = l * k - n
    u = jnp.concatenate([z, jnp.zeros((pad, k))]).reshape(l, k, k)
    # Padding units: zero row and bias -1, so they never fire; zero column in V.
    s = jnp.concatenate([-(sq - half), -jnp.ones(pad)]).reshape(l, k)
    cols = (v - z) / half[:, None]
    vmat = jnp.concatenate([cols, jnp.zeros((pad, k))]).reshape(l, k, k).transpose(0, 2, 1)
    # Last block (Lemma B.1 with alpha = q_c, beta = e_c, no skip connection).
    if r > 1:
        gamma_f = _row_margins(q, q, True)
    else:
        gamma_f = jnp.sum(q * q, axis=1)  # one class: the only unit may fire from 0 up
    half_f = 0.5 * gamma_f
    a_out = q
    s_out = -(jnp.sum(q * q, axis=1) - half_f)
    b_out = jnp.diag(1.0 / half_f)
    net = MemorisingResnet(a0=a0, u=u, v=vmat, s=s, a_out=a_out, b_out=b_out, s_out=s_out)
    if n > 1:
        gram = jnp.sum(x * x, axis=1)[:, None] + jnp.sum(x * x, axis=1)[None, :] - 2.0 * x @ x.T
        i, j = jnp.divmod(jnp.argmin(jnp.where(jnp.eye(n, dtype=bool), jnp.inf, gram)), n)
        rho = jnp.sum((x[i] - x[j]) ** 2)  # the closest pair, recomputed without cancellation
    else:
        rho = jnp.asarray(jnp.inf)
    amp_hidden = jnp.max(jnp.linalg.norm(v - z, axis=1) / half)
    amp_final = jnp.max(1.0 / half_f)
    margins = ConstructionMargins(
        hidden_gap=jnp.min(gamma),
        final_gap=jnp.min(gamma_f),
        conditioning=(1.0 + amp_hidden) * (1.0 + amp_final),
        min_sq_distance=rho,
    )
    return net, margins


def apply_trunk(params: MemorisingResnet, x: jax.Array) -> jax.Array:
    """h_l for one point x (shape (d,)): the first layer and the l residual blocks."""
    h0 = params.a0 @ x

    def block(h, w):
        u, v, s = w
        return h + v @ jax.nn.relu(u @ h + s), None

    h, _ = jax.lax.scan(block, h0, (params.u, params.v, params.s))
    return h


def apply_head(params: MemorisingResnet, h: jax.Array) -> jax.Array:
    """The last block yhat = B ReLU(A h_l + b) for one hidden vector h_l (shape (k,))."""
    return params.b_out @ jax.nn.relu(params.a_out @ h + params.s_out)


def apply_resnet(params: MemorisingResnet, x: jax.Array) -> jax.Array:
    """N(x) in R^r for one point x (shape (d,)); pure jnp, `jax.vmap` it over points."""
    return apply_head(params, apply_trunk(params, x))


def parameter_count(params: MemorisingResnet) -> int:
    """The number of real parameters of the network (entries of all its arrays)."""
    return sum(math.prod(leaf.shape) for leaf in jax.tree_util.tree_leaves(params))


def parameter_count_formula(n: int, d: int, r: int, k: int) -> int:
    """k d + l (2 k^2 + k) + (k r + r^2 + r) with l = ceil(n / k) (review, section 3)."""
    l = number_of_blocks(n, k)
    return k * d + l * (2 * k * k + k) + (k * r + r * r + r)


def n_log_n_plus_r_squared(n: int, r: int) -> float:
    """n ln n + r^2, the bound of Theorem 3.2 up to its (unstated) constant."""
    return n * math.log(n) + r * r


# ------------------------------------------------------------------------- validation


def validate_points(x, labels, r) -> None:
    """Raise InvalidInstanceError unless (x, labels, r) meet the hypotheses of Theorem 3.2.

    Checks, gathering every violation into one message: r an integer >= 1; x a finite
    (n, d) array with n >= 1, d >= 1; every ||x_i|| = 1 within UNIT_NORM_TOL; the closest
    pair has ||x_i - x_j||^2 >= SEPARATION_FLOOR (Assumption 3.1); labels of shape (n,),
    integer-valued, in [0, r).
    """
    r = validate_positive_int("r", r)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise InvalidInstanceError(
            f"x must be an (n, d) array of n >= 1 points as rows; got shape {x.shape}"
        )
    problems = []
    if not np.all(np.isfinite(x)):
        problems.append(f"x must be finite; found {int(np.size(x) - np.isfinite(x).sum())} NaN or inf entries")
    else:
        norms = np.linalg.norm(x, axis=1)
        worst = int(np.argmax(np.abs(norms - 1.0)))
        if abs(norms[worst] - 1.0) > UNIT_NORM_TOL:
            problems.append(
                f"x must hold unit-norm points (||x_i|| = 1 within {UNIT_NORM_TOL:g}); "
                f"||x_{worst}|| = {norms[worst]:.12g}"
            )
        elif x.shape[0] > 1:
            sq = np.sum(x * x, axis=1)
            dist = sq[:, None] + sq[None, :] - 2.0 * x @ x.T
            np.fill_diagonal(dist, np.inf)
            i, j = np.unravel_index(int(np.argmin(dist)), dist.shape)
            # The Gram form finds the pair; its distance is recomputed without cancellation.
            closest = float(np.sum((x[i] - x[j]) ** 2))
            if closest < SEPARATION_FLOOR:
                problems.append(
                    f"x must hold separated points (Assumption 3.1: ||x_i - x_j||^2 >= rho with "
                    f"rho >= {SEPARATION_FLOOR:g}); closest pair ({min(i, j)}, {max(i, j)}) has "
                    f"||x_i - x_j||^2 = {closest:.3g}"
                )
    lab = np.asarray(labels)
    if lab.shape != (x.shape[0],):
        problems.append(f"labels must have shape ({x.shape[0]},) to match x; got {lab.shape}")
    elif lab.dtype.kind not in "iuf":
        problems.append(f"labels must be integers in [0, {r}); got dtype {lab.dtype}")
    elif not np.all(np.isfinite(lab)):
        problems.append(f"labels must be integers in [0, {r}); found NaN or inf")
    elif np.any(lab != np.round(lab)):
        bad = lab[lab != np.round(lab)][0]
        problems.append(f"labels must be integers in [0, {r}); found {float(bad):g}")
    elif np.any((lab < 0) | (lab >= r)):
        bad = lab[(lab < 0) | (lab >= r)][0]
        problems.append(f"labels must be integers in [0, {r}) (r = {r} classes); found {float(bad):g}")
    raise_problems(problems)


@functools.lru_cache(maxsize=None)
def _jitted_construct():
    return jax.jit(construct_resnet)


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def draw_random_layers(key, k, d, r):
    """The random parts of the construction, A_0 (k, d) and q_1..q_r (r, k), from one key.

    Distributed as `first_layer` and `surrogate_labels` draw them, from a single Gaussian
    draw (jitted, k, d, r static): each PRNG call compiles separately, and that compilation
    dominates the time of small builds."""
    ga, gq = _split_rows(jax.random.normal(key, (k * d + r * k,), dtype=jnp.float64), (k, d), (r, k))
    return _first_layer_from(ga), _unit_rows(gq)


@jax.jit
def _apply_all(params, x):
    return jax.vmap(apply_resnet, in_axes=(None, 0))(params, x)


def build_memorising_resnet(x, labels, r, key, k=None, with_margins=False):
    """Validate the data on the host, then build the network of Theorem 3.2 that memorises it.

    Args:
      x: n unit-norm, separated points in R^d as rows, shape (n, d).
      labels: their classes y_i in [0, r), shape (n,).
      r: the number of classes (>= 1).
      key: a JAX PRNG key for A_0 and q_1..q_r.
      k: the width (default `default_width(n, d, r)`); k < d uses a Gaussian A_0.

      with_margins: also return the `ConstructionMargins`.

    Returns:
      The `MemorisingResnet` (and its margins if asked); `apply_resnet(net, x[i])` is
      e_{labels[i]} to float64 precision.

    Example:
      >>> x = jnp.eye(3)  # three unit points, ||x_i - x_j||^2 = 2
      >>> net = build_memorising_resnet(x, [2, 0, 2], 3, jax.random.PRNGKey(0))
      >>> out = jax.vmap(lambda p: apply_resnet(net, p))(x)
      >>> bool(jnp.max(jnp.abs(out - jnp.eye(3)[jnp.array([2, 0, 2])])) < 1e-12)
      True
      >>> parameter_count(net) == parameter_count_formula(3, 3, 3, net.width)
      True
    """
    validate_points(x, labels, r)
    x = jnp.asarray(x, jnp.float64)
    n, d = x.shape
    k = default_width(n, d, r) if k is None else validate_positive_int("k", k)
    a0, q = draw_random_layers(key, k, d, int(r))
    net, margins = _jitted_construct()(x, jnp.asarray(labels), a0, q)
    return (net, margins) if with_margins else net


# ------------------------------------------------------------------------- the claim


def _instance(key, n, d, r, k):
    """x, labels, A_0, q from two draws of the PRNG (each draw compiles separately; few are fast).

    x: half uniform on the sphere, half near-copies of those at log-uniform distances
    1e-2..1 (so the separation rho ranges over decades, down to ~1e-7); labels uniform."""
    kg, ku = jax.random.split(key)
    g = jax.random.normal(kg, (2 * n * d + k * d + r * k,), dtype=jnp.float64)
    base, noise, ga, gq = _split_rows(g, (n, d), (n, d), (k, d), (r, k))
    u = jax.random.uniform(ku, (3, n), dtype=jnp.float64)
    base = _unit_rows(base)
    parent = jnp.minimum(jnp.floor(u[0] * max(n // 2, 1)), max(n // 2, 1) - 1).astype(jnp.int32)
    delta = jnp.exp(jnp.log(1e-2) * (1.0 - u[1]))[:, None]
    near = _unit_rows(base[parent] + delta * noise / jnp.sqrt(d))
    x = jnp.where((jnp.arange(n) >= n // 2)[:, None], near, base)
    labels = jnp.minimum(jnp.floor(u[2] * r), r - 1)
    return {"x": x, "labels": labels, "A0": _first_layer_from(ga), "q": _unit_rows(gq)}


# One compilation per shape instead of one per operation when called outside `jit`.
_instance_jitted = jax.jit(_instance, static_argnums=(1, 2, 3, 4))


@register
class ResnetMemorises(Claim):
    """A ReLU residual network with O(n log n + r^2) parameters maps each of n points to its label.

    Setting: n points x_1..x_n in R^d with ||x_i|| = 1 (the paper normalises the data) and
    ||x_i - x_j||^2 >= rho > 0 for i != j (Assumption 3.1; rho >= SEPARATION_FLOOR here);
    arbitrary labels y_i in {e_1..e_r}. Network: h_0 = A_0 x (A_0 in R^{k x d}), l = ceil(n/k)
    blocks h_j = h_{j-1} + V_j ReLU(U_j h_{j-1} + s_j) (U_j, V_j in R^{k x k}, s_j in R^k), and
    yhat = B ReLU(A h_l + b) (A in R^{r x k}, B in R^{r x r}, b in R^r; the review's reading
    of the last block, the paper's is dimensionally inconsistent for k != r: see the module
    docstring), with k = `default_width(n, d, r)` = max(d, ceil(4 ln(n + r))).

    Claim ([1] Theorem 3.2, [2] Theorem 3; an existence claim): the network N built by the
    proof satisfies N(x_i) = e_{y_i} for every i (identity), and has
    k d + l (2k^2 + k) + k r + r^2 + r parameters (identity), which is O(n log n + r^2). The
    O(.) has no stated constant, so no upper bound is checked: the count and its ratio to
    n ln n + r^2 are reported (`parameter_count_table` shows the ratio stays bounded in n).

    Check: build the proof's network from the instance's A_0 and q's (`construct_resnet`,
    with each unit's threshold halfway into its own margin), apply it to every point and
    require max_i ||N(x_i) - e_{y_i}||_inf <= MEMORISATION_TOL * conditioning (the largest
    amplification of a rounding error by the network; the error grows like 1 / rho for
    close points), and that `parameter_count` equals the formula exactly.
    Inconclusive when a margin of the construction is <= 0 (a failed random draw of A_0 or
    q, which says nothing about existence; probability 0 for the isometric A_0 used when
    k >= d) or when conditioning * MEMORISATION_TOL >= 1/2 (a wrong label could not be told
    from rounding).
    Instances: x half uniform on the sphere, half near-copies at distances 1e-2..1 (rho
    down to ~1e-7); labels uniform in [0, r); A_0 and q as the proof draws them.

    Margin: the smaller of 1 - error / (MEMORISATION_TOL * conditioning) (1 when every point
    lands exactly on its label) and, for the count, 1 - 2 |count - formula| (1 when equal,
    -1 off by one parameter).

    References: [1] M. Hardt, T. Ma, Identity Matters in Deep Learning, arXiv:1611.04231v3,
    Theorem 3.2, Lemma 3.3, Lemmas B.1 and B.2. [2] Review, seed 002
    (`shared/seeds/002_56c6572621e81ca1.txt`), section 3, Theorem 3.
    """

    id = "hardt-ma/expressivity"
    source = f"Hardt & Ma, Theorem 3.2; review Theorem 3 ({SEED_002})"
    statement = (
        "For n unit-norm points x_i in R^d with ||x_i - x_j||^2 >= rho > 0 and arbitrary labels "
        "in r classes (one-hot e_j), the residual network h_0 = A_0 x, h_j = h_{j-1} + "
        "V_j ReLU(U_j h_{j-1} + s_j) (j = 1..ceil(n/k), width k = O(log n)), "
        "yhat = B ReLU(A h_l + b) built by the proof maps every x_i to its label exactly and has "
        "kd + l(2k^2 + k) + kr + r^2 + r = O(n log n + r^2) parameters. Reading encoded: the "
        "last block without skip connection (the review's; the paper's skip adds R^k to R^r)."
    )
    kind = "existence"
    params = ({"n": 16, "d": 4, "r": 3}, {"n": 64, "d": 8, "r": 5}, {"n": 100, "d": 3, "r": 10})

    def generate(self, key, n=16, d=4, r=3):
        return _instance_jitted(key, n, d, r, default_width(n, d, r))

    def validate(self, instance):
        super().validate(instance)
        for name in ("x", "labels", "A0", "q"):
            if name not in instance:
                raise InvalidInstanceError(
                    f"instance must hold arrays x, labels, A0 and q; {name} is missing"
                )
        q = np.asarray(instance["q"])
        if q.ndim != 2 or q.shape[0] < 1:
            raise InvalidInstanceError(f"q must have shape (r, k) with r >= 1; got {q.shape}")
        validate_points(instance["x"], instance["labels"], q.shape[0])
        d = np.shape(instance["x"])[1]
        a0 = np.asarray(instance["A0"])
        if a0.shape != (q.shape[1], d):
            raise InvalidInstanceError(
                f"A0 must have shape (k, d) = ({q.shape[1]}, {d}) to match q {q.shape} and "
                f"x {np.shape(instance['x'])}; got {a0.shape}"
            )

    def check(self, instance):
        x, a0, q = instance["x"], instance["A0"], instance["q"]
        labels = instance["labels"].astype(jnp.int32)
        n, d = x.shape
        r, k = q.shape
        net, m = construct_resnet(x, labels, a0, q)
        hidden = jax.vmap(lambda p: apply_trunk(net, p))(x)
        out = jax.vmap(lambda h: apply_head(net, h))(hidden)
        err = jnp.max(jnp.abs(out - jax.nn.one_hot(labels, r, dtype=jnp.float64)))
        count = parameter_count(net)
        formula = parameter_count_formula(n, d, r, k)
        bound = n_log_n_plus_r_squared(n, r)
        memorises = compare(err, 0.0, "identity", MEMORISATION_TOL, m.conditioning, name="max_label_error")
        # Integers: a tolerance of 1/2 reads 1 when equal and -1 when off by one.
        counted = compare(count, formula, "identity", 0.5, 1.0, name="parameter_count")
        ev = all_of(
            memorises,
            counted,
            max_surrogate_error=jnp.max(jnp.abs(hidden - q[labels])),
            n_log_n_plus_r2=bound,
            count_ratio=count / bound,
            k=k,
            l=net.blocks,
            hidden_gap=m.hidden_gap,
            final_gap=m.final_gap,
            conditioning=m.conditioning,
            min_sq_distance=m.min_sq_distance,
        )
        conclusive = (
            (m.hidden_gap > 0) & (m.final_gap > 0) & (m.conditioning * MEMORISATION_TOL < 0.5)
        )
        return Evidence(margin=ev.margin, conclusive=ev.conclusive & conclusive, measured=ev.measured)

    def margin_cases(self):
        # x_1 = e_1, x_2 = e_2 with labels 0, 1, A_0 = I, q_c = -e_c: every pre-activation,
        # threshold and column of V is a small dyadic number, so N(x_i) = e_{y_i} exactly and
        # the count equals the formula: both parts read 1.
        inst = {"x": jnp.eye(2), "labels": jnp.array([0.0, 1.0]), "A0": jnp.eye(2), "q": -jnp.eye(2)}
        return (MarginCase("n = d = k = r = 2, dyadic construction: exact memorisation", inst, 1.0, 1e-9),)


# ------------------------------------------------------------------------- the table


@dataclasses.dataclass(frozen=True)
class CountRow:
    """One row of `parameter_count_table`."""

    n: int
    d: int
    r: int
    k: int
    l: int
    count: int
    n_log_n_plus_r2: float
    ratio: float
    max_label_error: float
    min_sq_distance: float
    conditioning: float
    seconds: float


def parameter_count_table(ns=(16, 64, 256, 1000, 2000), d=8, r=10, seed=0) -> tuple[CountRow, ...]:
    """Build the network for n random points (d, r fixed) and measure its size and accuracy.

    For each n: points as the claim generates them (key ``fold_in(PRNGKey(seed), n)``),
    k = `default_width(n, d, r)`, l = ceil(n/k); returns the parameter count, the ratio
    count / (n ln n + r^2) (Theorem 3.2 says it is bounded in n), the largest
    ||N(x_i) - e_{y_i}||_inf with the separation rho and the conditioning that explain it
    (the generator's near-copies push rho to ~1e-7), and the time to generate, build and
    apply (compilation included).
    """
    rows = []
    generate = jax.jit(ResnetMemorises().generate, static_argnames=("n", "d", "r"))
    for n in ns:
        start = time.perf_counter()
        inst = generate(jax.random.fold_in(jax.random.PRNGKey(seed), n), n=n, d=d, r=r)
        net, margins = _jitted_construct()(inst["x"], inst["labels"], inst["A0"], inst["q"])
        out = _apply_all(net, inst["x"])
        target = jax.nn.one_hot(inst["labels"].astype(jnp.int32), r, dtype=jnp.float64)
        err = float(jnp.max(jnp.abs(out - target)))
        count = parameter_count(net)
        bound = n_log_n_plus_r_squared(n, r)
        rows.append(
            CountRow(
                n=int(n), d=int(d), r=int(r), k=net.width, l=net.blocks, count=count,
                n_log_n_plus_r2=bound, ratio=count / bound, max_label_error=err,
                min_sq_distance=float(margins.min_sq_distance),
                conditioning=float(margins.conditioning), seconds=time.perf_counter() - start,
            )
        )
    return tuple(rows)
