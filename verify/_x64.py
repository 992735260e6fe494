"""Every check in this package runs in float64; importing `verify` turns it on."""

import jax

jax.config.update("jax_enable_x64", True)
