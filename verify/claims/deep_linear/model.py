"""The deep linear network of `verify.claims.deep_linear`: the loss, its closed forms (the
least-squares map, f*, Kawaguchi's constructed critical points), the symmetry, the problem's
scales, and `validate_data` (Kawaguchi's hypotheses on X, Y). The mathematics is in the
package docstring; the claims are in `verify.claims.deep_linear.claims`.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from verify.claims._common import raise_problems
from verify.errors import InvalidInstanceError
from verify.landscape import Classification, classify, hessian
from verify.tolerances import TOLERANCES

__all__ = [
    "LeastSquares",
    "layer_shapes",
    "n_parameters",
    "unflatten_layers",
    "flatten_layers",
    "end_to_end",
    "network_loss",
    "least_squares",
    "optimal_loss",
    "kawaguchi_point",
    "escape_direction",
    "loss_along_line",
    "balance_layers",
    "ball_descent",
    "orbit_tangents",
    "problem_scales",
    "classify_point",
    "middle_sigma_p",
    "rescale_layers",
    "validate_data",
    "BALL_STEPS",
]

#: Steps of `ball_descent` (saddle-free Newton inside a ball): enough to reach the descent
#: at the depth-4 points where the sphere test sees none, with room for rejected steps
#: while the damping adapts.
BALL_STEPS = 60


# ------------------------------------------------------------------------ the network


def layer_shapes(dims: Sequence[int]) -> list[tuple[int, int]]:
    """Shapes (d_k, d_{k-1}) of W_1 .. W_L for ``dims = (d_0, ..., d_L)``."""
    return [(int(dims[k + 1]), int(dims[k])) for k in range(len(dims) - 1)]


def n_parameters(dims: Sequence[int]) -> int:
    """Number of weights, sum_k d_k d_{k-1}."""
    return sum(a * b for a, b in layer_shapes(dims))


def unflatten_layers(x: jax.Array, dims: Sequence[int]) -> list[jax.Array]:
    """[W_1, ..., W_L] from the flat vector x (W_1 first, each row-major)."""
    layers, start = [], 0
    for a, b in layer_shapes(dims):
        layers.append(x[start : start + a * b].reshape(a, b))
        start += a * b
    return layers


def flatten_layers(layers: Sequence[jax.Array]) -> jax.Array:
    """The flat vector of [W_1, ..., W_L] (inverse of `unflatten_layers`)."""
    return jnp.concatenate([jnp.ravel(w) for w in layers])


def end_to_end(layers: Sequence[jax.Array]) -> jax.Array:
    """The end-to-end map W_L ... W_1 (d_y x d_x)."""
    product = layers[0]
    for w in layers[1:]:
        product = w @ product
    return product


def network_loss(x: jax.Array, X: jax.Array, Y: jax.Array, dims: Sequence[int]) -> jax.Array:
    """f(W) = 1/2 ||W_L ... W_1 X - Y||_F^2 at the flat weights x (Kawaguchi's L-bar)."""
    return 0.5 * jnp.sum((end_to_end(unflatten_layers(x, dims)) @ X - Y) ** 2)


# ------------------------------------------------------------------- closed forms


class LeastSquares(NamedTuple):
    """The least-squares map W_ls (d_y x d_x), the residual ||Y - W_ls X||_F^2, and the
    eigen-decomposition of Sigma in decreasing order (eigenvectors in columns)."""

    w: jax.Array
    residual: jax.Array
    eigenvalues: jax.Array
    eigenvectors: jax.Array


def least_squares(X: jax.Array, Y: jax.Array) -> LeastSquares:
    """W_ls = Y X^T (X X^T)^{-1} (by lstsq, not the normal equations), the residual
    ||Y - W_ls X||_F^2, and Sigma = (W_ls X)(W_ls X)^T = Y X^T (X X^T)^{-1} X Y^T's
    eigenvalues and eigenvectors, largest first."""
    w = jnp.linalg.lstsq(X.T, Y.T)[0].T
    fit = w @ X
    residual = jnp.sum((Y - fit) ** 2)
    lam, u = jnp.linalg.eigh(fit @ fit.T)
    return LeastSquares(w, residual, lam[::-1], u[:, ::-1])


def _ranks(dims: Sequence[int]) -> tuple[int, int]:
    """(p, q): the smallest width and the largest rank of the end-to-end map."""
    p = min(dims[1:-1])
    return p, min(p, dims[-1])


def optimal_loss(X: jax.Array, Y: jax.Array, dims: Sequence[int]) -> jax.Array:
    """f* = 1/2 (||Y - W_ls X||_F^2 + sum_{i > q} lambda_i(Sigma)), q = min(p, d_y): the
    global minimum of `network_loss` (Eckart-Young on the whitened regression; package
    docstring). Identity, computed without the cancellation of ||Y||^2 - sum_{i<=q}."""
    ls = least_squares(X, Y)
    _, q = _ranks(dims)
    return 0.5 * (ls.residual + jnp.sum(ls.eigenvalues[q:]))


def kawaguchi_point(X: jax.Array, Y: jax.Array, dims: Sequence[int], r: int) -> jax.Array:
    """The balanced critical point whose end-to-end map is U_r U_r^T W_ls (package docstring).

    With U_r^T W_ls = P S Q^T (SVD, r x d_x), s = S^{1/L}: W_1 = [s Q^T; 0],
    W_k = diag(s, 0) for 1 < k < L, W_L = [U_r P s, 0]; hidden units r+1.. are exactly zero.
    r = q is a global minimum; r < q a saddle (strict for depth 2, without negative
    curvature for depth >= 3). `r` is a Python int, 0 <= r <= q; r = 0 is the origin.
    """
    return _kawaguchi_point(least_squares(X, Y), dims, r)


def _kawaguchi_point(ls: LeastSquares, dims: Sequence[int], r: int) -> jax.Array:
    _, q = _ranks(dims)
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or not 0 <= r <= q:
        raise ValueError(f"r must be an integer in [0, q] = [0, {q}] for dims {tuple(dims)}; got {r!r}")
    L = len(dims) - 1
    layers = [jnp.zeros(shape) for shape in layer_shapes(dims)]
    if r == 0:
        return flatten_layers(layers)
    u_r = ls.eigenvectors[:, :r]
    p_, s_, qt = jnp.linalg.svd(u_r.T @ ls.w, full_matrices=False)
    root = s_ ** (1.0 / L)
    layers[0] = layers[0].at[:r].set(root[:, None] * qt)
    for k in range(1, L - 1):
        layers[k] = layers[k].at[:r, :r].set(jnp.diag(root))
    layers[-1] = layers[-1].at[:, :r].set((u_r @ p_) * root[None, :])
    return flatten_layers(layers)


def escape_direction(X: jax.Array, Y: jax.Array, dims: Sequence[int], r: int) -> jax.Array:
    """A unit direction v at ``kawaguchi_point(X, Y, dims, r)``, r < q, along which the loss
    falls like -t^L: it switches on hidden unit r+1 in every layer (row r+1 of W_1 along
    W_ls^T u_{r+1}, entry (r+1, r+1) of the middle layers, column r+1 of W_L along u_{r+1}).

    The unused and used units do not mix in the product, so exactly
    f(x + t v) = f(x) - c t^L + O(t^{2L}), c = lambda_{r+1} ||W_ls^T u_{r+1}||^{-1} / ||v_0||^L > 0
    (v_0 the direction before normalisation): third-order descent for depth 3, fourth-order
    for depth 4; for depth 2 it is a direction of negative curvature.
    """
    _, q = _ranks(dims)
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or not 0 <= r < q:
        raise ValueError(f"r must be an integer in [0, q) = [0, {q}) for dims {tuple(dims)}; got {r!r}")
    ls = least_squares(X, Y)
    u = ls.eigenvectors[:, r]
    a = ls.w.T @ u
    a = a / jnp.linalg.norm(a)
    layers = [jnp.zeros(shape) for shape in layer_shapes(dims)]
    layers[0] = layers[0].at[r].set(a)
    for k in range(1, len(layers) - 1):
        layers[k] = layers[k].at[r, r].set(1.0)
    layers[-1] = layers[-1].at[:, r].set(u)
    v = flatten_layers(layers)
    return v / jnp.linalg.norm(v)


def loss_along_line(
    X: jax.Array, Y: jax.Array, dims: Sequence[int], x: jax.Array, v: jax.Array, ts: jax.Array
) -> jax.Array:
    """f(x + t v) for every t in `ts` (vectorised): the loss on a line through x, for plots."""
    return jax.vmap(lambda t: network_loss(x + t * v, X, Y, dims))(jnp.asarray(ts, jnp.float64))


def rescale_layers(x: jax.Array, dims: Sequence[int], i: int, j: int, c) -> jax.Array:
    """W_i -> c W_i and W_j -> W_j / c (1-based layer indices, i != j): the end-to-end map,
    hence the loss, is unchanged; the point moves along a (non-isometric) symmetry."""
    if i == j:
        raise ValueError(f"i and j must be different layers; got i = j = {i}")
    layers = unflatten_layers(x, dims)
    layers[i - 1] = c * layers[i - 1]
    layers[j - 1] = layers[j - 1] / c
    return flatten_layers(layers)


def balance_layers(x: jax.Array, dims: Sequence[int], floor) -> jax.Array:
    """Move x along the scaling symmetry W_k -> c_k W_k, prod_k c_k = 1, to equal layer norms.

    c_k = g / n_k with n_k = max(||W_k||_F, floor) and g = (prod_k n_k)^{1/L}, so the product of
    the c_k is exactly 1 and the end-to-end map and the loss do not change; layers with
    norm above `floor` come out with norm g. The type of a critical point (critical, local
    minimum, saddle, the inertia of the Hessian) is invariant under this diffeomorphism, but
    the classifier's relative tolerances are not: at a point with two huge layers whose
    product vanishes and two zero layers (which the finder can reach at depth 4), the
    spheres of the higher-order test, scaled by ||x||, are too large to see descent, while
    at the balanced point they are not."""
    layers = unflatten_layers(x, dims)
    norms = jnp.stack([jnp.maximum(jnp.linalg.norm(w), floor) for w in layers])
    g = jnp.exp(jnp.mean(jnp.log(norms)))
    return flatten_layers([w * (g / nk) for w, nk in zip(layers, norms)])


def ball_descent(loss, x: jax.Array, radius, direction: jax.Array, steps: int = BALL_STEPS) -> jax.Array:
    """The lowest loss found inside the ball ||x' - x|| <= radius, minus loss(x).

    Saddle-free Newton steps (as `verify.landscape.find_local_minimum`, damping adapted the
    same way) from x + radius/100 * direction/||direction||, each step at most radius/4 long
    and projected back into the ball; a step is taken only if it lowers the loss. A
    negative value is a point of lower loss within `radius` of x: x is not a minimum of the
    loss on that ball. It complements the sphere test of `verify.landscape.classify`, which
    samples straight rays and misses descent that needs a curved path (found at depth 4:
    critical points of rank-deficient layers in a twisted gauge, from which saddle-free
    Newton started 1e-6 away escapes to the global minimum, but no ray descends).
    """
    x = jnp.asarray(x, jnp.float64)
    tiny = jnp.finfo(jnp.float64).tiny

    def project(v):
        norm = jnp.linalg.norm(v)
        return jnp.where(norm > radius, v * (radius / jnp.where(norm > 0, norm, 1.0)), v)

    def body(_, state):
        v, fv, theta = state
        g = jax.grad(loss)(x + v)
        lam, vecs = jnp.linalg.eigh(hessian(loss, x + v))
        step = -vecs @ ((vecs.T @ g) / (jnp.abs(lam) + theta * jnp.linalg.norm(g) + tiny))
        length = jnp.linalg.norm(step)
        step = jnp.where(length > radius / 4, step * (radius / 4 / jnp.where(length > 0, length, 1.0)), step)
        cand = project(v + step)
        fc = loss(x + cand)
        better = jnp.isfinite(fc) & (fc < fv)
        theta = jnp.where(better, jnp.maximum(theta / 4.0, 1e-12), jnp.minimum(theta * 4.0, 1e12))
        return jnp.where(better, cand, v), jnp.where(better, fc, fv), theta

    v0 = 1e-2 * radius * direction / jnp.linalg.norm(direction)
    _, fv, _ = jax.lax.fori_loop(0, steps, body, (v0, loss(x + v0), jnp.asarray(1.0)))
    return fv - loss(x)


def orbit_tangents(x: jax.Array, dims: Sequence[int]) -> jax.Array:
    """Tangents of the orbit of (W_k, W_{k+1}) -> (T W_k, W_{k+1} T^{-1}), T in GL(d_k), at
    every hidden layer k: an ``(n, sum_k d_k^2)`` matrix with columns
    (xi W_k, -W_{k+1} xi) for the elementary matrices xi = E_ab."""
    layers = unflatten_layers(x, dims)
    shapes = layer_shapes(dims)
    offsets = np.cumsum([0] + [a * b for a, b in shapes])
    n = int(offsets[-1])
    blocks = []
    for k in range(1, len(dims) - 1):
        d = dims[k]
        w_in, w_out = layers[k - 1], layers[k]  # W_k (d x d_{k-1}) and W_{k+1} (d_{k+1} x d)
        eye = jnp.eye(d)
        # (E_ab W_k)[i, j] = delta_ia W_k[b, j];  (-W_{k+1} E_ab)[i, j] = -W_{k+1}[i, a] delta_jb
        t_in = jnp.einsum("ia,bj->abij", eye, w_in).reshape(d * d, -1)
        t_out = -jnp.einsum("ia,jb->abij", w_out, eye).reshape(d * d, -1)
        cols = jnp.zeros((d * d, n))
        cols = cols.at[:, offsets[k - 1] : offsets[k]].set(t_in)
        cols = cols.at[:, offsets[k] : offsets[k + 1]].set(t_out)
        blocks.append(cols)
    return jnp.concatenate(blocks, axis=0).T


def problem_scales(X: jax.Array, Y: jax.Array, dims: Sequence[int]):
    """``(curvature_floor, loss_floor, length_scale)`` for `verify.landscape.classify`.

    With s = ||W_ls||_2^{1/L} the size of one layer of a balanced solution:
    curvature ||X||_2^2 s^{2(L-1)} (the Hessian of f in one layer when the others have size
    s), loss 1/2 ||Y||_F^2 = f(0), length the norm of the balanced global minimum
    ``kawaguchi_point(q)``. Under X -> a X, Y -> b Y and W_k -> (b/a)^{1/L} W_k all three
    scale like the quantities they are compared with, so verdicts are scale-invariant.
    """
    return _problem_scales(least_squares(X, Y), X, Y, dims)


def _problem_scales(ls: LeastSquares, X, Y, dims):
    L = len(dims) - 1
    _, q = _ranks(dims)
    s_w = jnp.linalg.norm(ls.w, 2)
    curvature = jnp.linalg.norm(X, 2) ** 2 * s_w ** (2.0 * (L - 1) / L)
    length = jnp.linalg.norm(_kawaguchi_point(ls, dims, q))
    return curvature, 0.5 * jnp.sum(Y**2), length


def classify_point(X: jax.Array, Y: jax.Array, dims: Sequence[int], x: jax.Array) -> Classification:
    """`verify.landscape.classify` at x with this problem's scales and symmetry tangents."""
    curvature, loss_floor, length = problem_scales(X, Y, dims)
    return classify(
        lambda v: network_loss(v, X, Y, dims), x,
        symmetry_tangents=lambda v: orbit_tangents(v, dims),
        curvature_floor=curvature, loss_floor=loss_floor, length_scale=length,
    )


def middle_sigma_p(x: jax.Array, dims: Sequence[int]) -> jax.Array:
    """sigma_p of the middle product W_H ... W_2 (Theorem 2.3 (iv)'s hypothesis is that its
    rank is p); 1 for depth 2, where the product is empty (the identity of size d_1 = p)."""
    layers = unflatten_layers(x, dims)
    if len(layers) == 2:
        return jnp.asarray(1.0)
    p, _ = _ranks(dims)
    return jnp.linalg.svd(end_to_end(layers[1:-1]), compute_uv=False)[p - 1]


# ---------------------------------------------------------------------- validation


def validate_data(X, Y) -> None:
    """Raise InvalidInstanceError unless X, Y meet Kawaguchi's hypotheses ([2] Theorem 2.3),
    naming every hypothesis they break.

    The hypotheses and their numerical form (tolerances in `verify.tolerances`):

    * d_y <= d_x (exact);
    * X X^T of full rank d_x: m >= d_x examples, and sigma_min(X) >= ``full_rank`` *
      sigma_max(X);
    * X Y^T of full rank d_y: its d_y-th singular value >= ``full_rank`` times its largest;
    * Sigma = Y X^T (X X^T)^{-1} X Y^T with d_y distinct eigenvalues: every gap
      lambda_i - lambda_{i+1}, i < d_y, is at least ``eigengap`` * lambda_1. The same bound
      is asked of lambda_{d_y} itself (the gap to lambda_{d_y + 1} = 0). In exact arithmetic
      that is no further hypothesis (the two ranks make Sigma positive definite), but in
      floating point it is a narrowing: data whose X Y^T passes ``full_rank`` can still have
      lambda_{d_y} / lambda_1 below ``eigengap``, and is rejected. The reason: the critical
      point of rank q - 1 lies lambda_q / 2 above f*, and its negative curvature (depth 2) is
      proportional to lambda_q; both must stand clear of the loss and curvature tolerances
      for a check to tell that saddle from a global minimum.

    Sigma is tested only when the other three hold (otherwise it is undefined or its
    failure is a consequence of theirs).
    """
    X, Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
    if X.ndim != 2:
        raise InvalidInstanceError(f"X must be a matrix of shape (d_x, m); got shape {X.shape}")
    if Y.ndim != 2 or Y.shape[1] != X.shape[1]:
        raise InvalidInstanceError(
            f"Y must have shape (d_y, {X.shape[1]}) to match X of shape {X.shape}; got {Y.shape}"
        )
    d_x, m = X.shape
    d_y = Y.shape[0]
    tol = TOLERANCES["full_rank"]
    problems = []
    if d_y > d_x:
        problems.append(f"d_y <= d_x is a hypothesis of Kawaguchi's Theorem 2.3; got d_y = {d_y}, d_x = {d_x}")
    if m < d_x:
        problems.append(f"X X^T must be of full rank d_x = {d_x}, which needs m >= d_x examples; got m = {m}")
    else:
        s_x = np.linalg.svd(X, compute_uv=False)
        if not s_x[0] > 0 or s_x[-1] < tol * s_x[0]:
            ratio = s_x[-1] / s_x[0] if s_x[0] > 0 else 0.0
            problems.append(
                f"X X^T must be of full rank {d_x} (Kawaguchi Theorem 2.3); sigma_min(X) / sigma_max(X) "
                f"is {ratio:.3g} (at least {tol:g} needed)"
            )
    if d_y <= d_x:
        s_xy = np.linalg.svd(X @ Y.T, compute_uv=False)
        if not s_xy[0] > 0 or s_xy[d_y - 1] < tol * s_xy[0]:
            ratio = s_xy[d_y - 1] / s_xy[0] if s_xy[0] > 0 else 0.0
            problems.append(
                f"X Y^T must be of full rank {d_y} (Kawaguchi Theorem 2.3); its smallest singular "
                f"value over its largest is {ratio:.3g} (at least {tol:g} needed)"
            )
    if not problems:
        problems += _sigma_problems(X, Y, d_y)
    raise_problems(problems)


def _sigma_problems(X, Y, d_y) -> list[str]:
    """Sigma's eigenvalues distinct (and clear of 0), as `validate_data` describes."""
    w = np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T
    fit = w @ X
    lam = np.linalg.eigvalsh(fit @ fit.T)[::-1]
    gaps = -np.diff(np.append(lam, 0.0))
    worst = int(np.argmin(gaps))
    need = TOLERANCES["eigengap"]
    if gaps[worst] >= need * lam[0]:
        return []
    if worst == d_y - 1:
        return [
            f"Sigma = Y X^T (X X^T)^-1 X Y^T is numerically singular: lambda_{d_y} = {lam[-1]:.6g} is "
            f"{lam[-1] / lam[0]:.3g} of lambda_1, at least {need:g} needed (X X^T and X Y^T of full rank "
            f"make Sigma positive definite; its smallest eigenvalue must stand clear of 0 for the check "
            f"to tell the saddles from the global minimum)"
        ]
    return [
        f"Sigma = Y X^T (X X^T)^-1 X Y^T must have {d_y} distinct eigenvalues (Kawaguchi Theorem 2.3); "
        f"lambda_{worst + 1} = {lam[worst]:.6g} and lambda_{worst + 2} = {lam[worst + 1]:.6g} differ by "
        f"{gaps[worst] / lam[0]:.3g} of lambda_1, at least {need:g} needed"
    ]
