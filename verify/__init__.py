"""verify: check theorems about neural-network loss landscapes numerically.

Every check runs in float64 (importing this package enables ``jax_enable_x64``). On jaxlib
older than 0.11.2, importing it also makes batched CPU linear algebra run its batch in chunks
on the calling thread, which avoids a deadlock in those jaxlib versions
(`verify.lapack_batches`; ``VERIFY_LAPACK_WORKAROUND=0`` switches it off).

Public API::

    from verify import Claim, Evidence, register, get_claim, registry, sweep
    from verify import compare, tolerance_margin, flag_margin, min_over, all_of, MarginCase
    import verify.landscape as landscape   # instruments

Built-in claims live in `verify.claims`, one module per source.
"""

from verify import _x64  # noqa: F401  (must come first: float64 everywhere)
from verify import lapack_batches as _lapack_batches
from verify.claims import base as _base
from verify.claims.base import (
    HOLDS,
    INCONCLUSIVE,
    REFUTED,
    Claim,
    Evidence,
    MarginCase,
    all_of,
    compare,
    flag_margin,
    get_claim,
    min_over,
    register,
    registry,
    tolerance_margin,
    validate_finite,
    verdict,
)
from verify.errors import InvalidInstanceError, RecordError, UnknownClaimError
from verify.search import SweepResult, make_instance, sweep

_lapack_batches.apply()  # works around a jaxlib 0.10 deadlock; a no-op where not needed
from verify import claims as _claims  # noqa: F401  (registers the built-in claims)

__version__ = "0.4.0"

__all__ = [
    "Claim",
    "Evidence",
    "HOLDS",
    "INCONCLUSIVE",
    "InvalidInstanceError",
    "MarginCase",
    "REFUTED",
    "RecordError",
    "SweepResult",
    "UnknownClaimError",
    "all_of",
    "compare",
    "flag_margin",
    "get_claim",
    "make_instance",
    "min_over",
    "register",
    "registry",
    "sweep",
    "tolerance_margin",
    "validate_finite",
    "verdict",
]
del _base
