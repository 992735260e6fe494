"""Template for a new claim: copy this file, rename, fill in. (It is the README's example.)

Run it with ``verify check --import path/to/your_claim.py user/rayleigh-quotient``.
"""

import jax
import jax.numpy as jnp

from verify import Claim, MarginCase, compare, register


@register
class RayleighQuotientBound(Claim):
    """x^T A x <= lambda_max(A) ||x||^2 for every symmetric A (an upper bound, tight).

    Setting: A in R^{n x n} symmetric, x in R^n.
    Claim: x^T A x <= lambda_max(A) ||x||^2 (upper bound; equality at a top eigenvector).
    Check: both sides at random A, x, compared with rtol 1e-12 of |lambda_max| ||x||^2
    (eigvalsh's backward error is ~n eps ||A||).
    Margin: 1 - (x^T A x - lambda_max ||x||^2) / (1e-12 |lambda_max| ||x||^2): 1 at equality,
    0 when the bound is exceeded by the tolerance.
    References: [1] Horn & Johnson, Matrix Analysis, Theorem 4.2.2 (not from shared/seeds).
    """

    id = "user/rayleigh-quotient"
    source = "Horn & Johnson, Matrix Analysis, Theorem 4.2.2"
    statement = "For symmetric A and any x: x^T A x <= lambda_max(A) ||x||^2."
    params = ({"n": 3}, {"n": 8})  # shapes from a small set: jit compiles once per entry

    def generate(self, key, n=3):
        ka, kx = jax.random.split(key)
        b = jax.random.normal(ka, (n, n))
        return {"A": (b + b.T) / 2, "x": jax.random.normal(kx, (n,))}

    def check(self, instance):
        a, x = instance["A"], instance["x"]
        bound = jnp.linalg.eigvalsh(a)[-1] * (x @ x)
        return compare(x @ a @ x, bound, "upper", 1e-12, scale=jnp.abs(bound) + 1e-300)

    def margin_cases(self):  # optional: instances whose margin is known, which document it
        tight = {"A": jnp.diag(jnp.array([2.0, 1.0, 0.0])), "x": jnp.array([1.0, 0.0, 0.0])}
        return (MarginCase("x a top eigenvector: equality, margin 1", tight, expected=1.0),)
