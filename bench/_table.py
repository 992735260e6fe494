"""The plain-text table the bench scripts print (imported as a sibling module)."""


def print_table(header: list[str], rows: list[list[str]], left: int = 1) -> None:
    """Print `rows` under `header`; the first `left` columns left-aligned, the rest right."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))
