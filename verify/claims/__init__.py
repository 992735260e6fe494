"""Built-in claims, one module per source; importing this package registers them all."""

# One import a line, so that adding a module is a one-line change.
from verify.claims import hardt_ma  # noqa: F401
from verify.claims import initialisation  # noqa: F401
from verify.claims import matrix_factorisation  # noqa: F401
from verify.claims import auer  # noqa: F401
from verify.claims import overparam  # noqa: F401
from verify.claims import representation  # noqa: F401
from verify.claims import deep_linear  # noqa: F401
from verify.claims import liu  # noqa: F401
from verify.claims import yun  # noqa: F401

from verify.claims import base as _base  # noqa: E402

#: The modules whose claims ``import verify`` registers: records of their claims need no
#: ``--import``, and ``verify check --jobs`` worker processes have them without one.
#: Parent packages count too (a paper package re-exports its claims).
BUILT_IN_MODULES = frozenset(
    ".".join(parts[:k])
    for parts in (type(c).__module__.split(".") for c in _base.registry().values())
    for k in range(3, len(parts) + 1)
)
