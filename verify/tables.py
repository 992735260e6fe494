"""Plain-text tables, as ``verify`` prints them (and the bench scripts too).

Library code returns the text; the CLI and scripts print it."""

from __future__ import annotations

from typing import Sequence

__all__ = ["text_table"]


def text_table(header: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[int] = ()) -> str:
    """`rows` under `header`, columns padded to their widest cell and separated by two
    spaces, a line of dashes under the header; the columns whose indices are in `right`
    right-aligned (numbers), the others left-aligned. Trailing spaces are dropped."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    right = set(right)

    def line(cells):
        out = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(out).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *[line(r) for r in rows]])
