"""Exceptions raised for bad input.

Every message names the argument, what was expected and what was found.
"""

__all__ = ["InvalidInstanceError", "UnknownClaimError", "RecordError"]


class InvalidInstanceError(ValueError):
    """An instance or parameter violates a hypothesis of the claim or has the wrong shape."""


class UnknownClaimError(KeyError):
    """No claim with this id is registered."""

    def __str__(self) -> str:  # KeyError quotes its argument; show the message as is.
        return str(self.args[0]) if self.args else ""


class RecordError(ValueError):
    """A result record file is malformed or cannot be reproduced."""
