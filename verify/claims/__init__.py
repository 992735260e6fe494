"""Built-in claims, one module per source; importing this package registers them all."""

from verify.claims import hardt_ma, initialisation, matrix_factorisation  # noqa: F401
from verify.claims import overparam  # noqa: F401
from verify.claims import representation  # noqa: F401

__all__ = ["hardt_ma", "initialisation", "matrix_factorisation"]
