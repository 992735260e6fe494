"""What the bench scripts share (imported as a sibling module): the header line that says
where a run was made, a best-of-N timer, and the plain-text table they print."""

import datetime
import os
import platform
import time

import jax
import jaxlib

import verify
from verify.tables import text_table


def print_header() -> None:
    """One line: date, versions of verify, jax and jaxlib, the backend, Python, usable CPUs."""
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}  verify {verify.__version__}  jax {jax.__version__} "
          f"(jaxlib {jaxlib.__version__}, {jax.default_backend()})  python {platform.python_version()}  "
          f"CPUs {len(os.sched_getaffinity(0))}")


def best_time(fn, repeat: int):
    """(seconds, output): the fastest of `repeat` calls of `fn` (output blocked on), and its output."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - t0)
    return best, out


def print_table(header: list[str], rows: list[list[str]], left: int = 1) -> None:
    """Print `rows` under `header` (`verify.tables.text_table`); the first `left` columns
    left-aligned, the rest right-aligned."""
    print(text_table(header, rows, right=range(left, len(header))))
