"""Helpers for testing code built on `verify`: toy claims and temporary registration.

The toy claims are cheap pointwise statements (a few microseconds a check) for exercising
the machinery around claims — the sweep, records, the command line, plug-ins — without the
cost of a real theorem. They are NOT registered on import: register them for the duration
of a test with `registered`, so that `verify check --all` and the conformance suite never
see them::

    from verify.testing import ToyFalse, ToyIdentity, registered

    with registered(ToyIdentity, ToyFalse) as claims:
        result = verify.sweep(claims["test/toy-false"], 8)

The shared pytest settings of this repository's tests (Hypothesis profiles, the XLA flag,
freeing compiled programs between modules) are in `verify.testing.pytest_plugin`, which
``pyproject.toml`` loads for every pytest run.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import jax
import jax.numpy as jnp

from verify.claims.base import HOLDS, REFUTED, Claim, MarginCase, _REGISTRY, compare, register

__all__ = ["ToyIdentity", "ToyFalse", "ToySurprise", "registered"]

#: The toys compare numbers computed in one or two float64 operations: 1e-12 is far above
#: their rounding (a few ulps) and far below any real discrepancy.
TOY_RTOL = 1e-12


class ToyIdentity(Claim):
    """sum(x * x) equals the dot product x . x (an identity; holds).

    Margin: 1 - |sum(x*x) - x.x| / (1e-12 max(|x.x|, 1)).
    """

    id = "test/toy-identity"
    source = "verify.testing (toy identity)"
    statement = "For every vector x, sum_i x_i * x_i = x . x."
    kind = "pointwise"
    params = ({"dim": 2}, {"dim": 3})

    def generate(self, key, dim):
        return {"x": jax.random.normal(key, (dim,))}

    def check(self, instance):
        x = instance["x"]
        rhs = jnp.dot(x, x)
        return compare(jnp.sum(x * x), rhs, "identity", TOY_RTOL, scale=jnp.maximum(jnp.abs(rhs), 1.0))

    def margin_cases(self):
        return (MarginCase("x = (1, 2): both sides are 5 exactly", {"x": jnp.asarray([1.0, 2.0])}, 1.0, 0.0),)


class ToyFalse(Claim):
    """Every entry of a uniform vector is <= 0.5 (false: expected to be refuted).

    Margin: 1 - (max_i x_i - 0.5) / 1e-12 (measured: "measured" = max_i x_i).
    """

    id = "test/toy-false"
    source = "verify.testing (toy false statement)"
    statement = "For x uniform on [0, 1]^d, max_i x_i <= 0.5."
    kind = "pointwise"
    expected = REFUTED
    params = ({"dim": 2}, {"dim": 3})

    def generate(self, key, dim):
        return {"x": jax.random.uniform(key, (dim,))}

    def check(self, instance):
        return compare(jnp.max(instance["x"]), 0.5, "upper", TOY_RTOL)

    def margin_cases(self):
        return (MarginCase("max x = 0.5: the bound attained", {"x": jnp.asarray([0.5, 0.25])}, 1.0, 0.0),)


class ToySurprise(ToyFalse):
    """The same false statement as `ToyFalse`, but (wrongly) expected to hold."""

    id = "test/toy-surprise"
    source = "verify.testing (toy false statement expected to hold)"
    expected = HOLDS


@contextlib.contextmanager
def registered(*classes: type[Claim]) -> Iterator[dict[str, Claim]]:
    """Register `classes` for the duration of the block; yields the claims by id.

    Ids that were registered before the block are left as they were; the others are
    removed afterwards, also when the block raises."""
    before = set(_REGISTRY)
    for cls in classes:
        register(cls)
    try:
        yield {cls.id: _REGISTRY[cls.id] for cls in classes}
    finally:
        for cls in classes:
            if cls.id not in before:
                _REGISTRY.pop(cls.id, None)
