"""Survey a landscape: search for critical points from many starts and classify each.

A landscape claim ("every SOSP is global", "the critical points are exactly ...") is
checked by *finding* critical points from many starts with the saddle-seeking finder
(`find_critical_points`), classifying each (`classify`), and testing the conclusion at
every point found. Points where the finder did not converge (NOT_CRITICAL) are counted
and reported, not checked; a point that is neither clearly critical nor clearly not
(INCONCLUSIVE) makes an instance inconclusive.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from verify.landscape.classify import PointType, classify
from verify.landscape.critical import find_critical_point, find_critical_points, find_local_minimum

__all__ = ["search_and_classify", "type_counts"]


def search_and_classify(loss: Callable, starts: jax.Array, steps: int = 200, **classify_kwargs):
    """Search from every row of `starts` and classify where the search stopped.

    Even-numbered starts go to the saddle-seeking Levenberg-Marquardt finder, odd-numbered
    ones to the saddle-free Newton minimiser (the first alone mostly finds the more
    numerous saddles). Returns ``(points, classifications)`` in the order of the starts."""
    starts = jnp.asarray(starts, jnp.float64)
    saddle_seeking = find_critical_points(loss, starts[0::2], steps).x
    # Saddle-free Newton stops once f no longer decreases in floating point (a few ulps of
    # f above the minimum, where ||g|| can still be ~1e-9); a short Levenberg-Marquardt
    # polish, which watches ||g||^2 instead, takes it to the critical point.
    descending = jax.vmap(
        lambda s: find_critical_point(loss, find_local_minimum(loss, s, steps).x, steps // 4).x
    )(starts[1::2])
    points = jnp.zeros_like(starts).at[0::2].set(saddle_seeking).at[1::2].set(descending)
    classes = jax.vmap(lambda x: classify(loss, x, **classify_kwargs))(points)
    return points, classes


def type_counts(classes) -> dict[str, jax.Array]:
    """How many points of each `PointType`, as float64 numbers for Evidence.measured."""
    t = classes.point_type
    return {f"n_{p.name.lower()}": jnp.sum(t == p).astype(jnp.float64) for p in PointType}
