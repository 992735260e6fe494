"""What the notebook builders share: collect markdown and code cells, write the notebook.

The notebooks are written without outputs, to keep the repository small and the diffs
readable; tests/test_notebooks.py executes them. Edit the cells in the builders
(`_build_*.py`), not in the .ipynb files.
"""

import pathlib

import nbformat as nbf


#: The closing cell of every notebook: the verdict table of the claims in `ids` (swept with
#: the notebook's own `swept(claim_id)`), failing the notebook if a verdict is not the
#: expected one. A builder puts the line that defines `ids` in front of it.
VERDICT_TABLE = r"""
lines = ["| claim | source | verdict | expected | holds / refuted / inconclusive | smallest margin |",
         "|---|---|---|---|---|---|"]
for cid in ids:
    res, claim = swept(cid), get_claim(cid)
    k = res.counts
    lines.append(f"| `{cid}` | {claim.source.rsplit(' (', 1)[0]} | **{res.verdict}** | {claim.expected} | "
                 f"{k['holds']} / {k['refuted']} / {k['inconclusive']} | {res.smallest_margin:.3g} |")
display(Markdown("\n".join(lines)))
mismatch = [cid for cid in ids if swept(cid).verdict != get_claim(cid).expected]
print("verdicts that differ from the expected ones:", mismatch or "none")
print(f"notebook run time: {time.perf_counter() - T0:.0f} s")
assert not mismatch, mismatch
""".lstrip("\n")


#: The sweep cache every notebook uses: ``swept(claim_id)`` is ``verify.sweep(claim,
#: N_SWEEP, seed=SWEEP_SEED)``, run once per claim and reused (the verdict table at the end
#: reads it), and ``show_sweep(claim_id, keys=None)`` prints its verdict, counts, smallest
#: margin and measured numbers (those named in `keys`, or all). A builder splices it into its
#: first code cell, after the imports (numpy as np, get_claim, sweep) and after the line that
#: sets N_SWEEP and SWEEP_SEED.
SWEPT = r"""
from verify.search import instance_params

SWEEPS = {}


def swept(claim_id):
    # verify.sweep(claim, n=N_SWEEP, seed=SWEEP_SEED), run once per claim and reused by the table at the end.
    if claim_id not in SWEEPS:
        SWEEPS[claim_id] = sweep(get_claim(claim_id), N_SWEEP, seed=SWEEP_SEED)
    return SWEEPS[claim_id]


def show_sweep(claim_id, keys=None):
    r, claim = swept(claim_id), get_claim(claim_id)
    print(f"{claim_id}: verdict {r.verdict!r} (the toolkit expects {claim.expected!r}); counts {r.counts}; "
          f"smallest margin {r.smallest_margin:.3g} at instance {r.worst_index} {instance_params(claim, r.worst_index)} "
          f"({r.seconds:.1f} s, compilation included)")
    names = [k for k in r.measured if keys is None or k in keys]
    width = max(map(len, names), default=0)
    for k in names:
        v = np.asarray(r.measured[k], np.float64)
        print(f"    {k:{width}s}", f"{float(v):.6g}" if v.ndim == 0 else np.array2string(v, precision=4))
""".lstrip("\n")


class Cells:
    """An ordered list of cells, added with `md` and `code`, written by `write`."""

    def __init__(self):
        self.cells = []

    def md(self, text):
        self.cells.append(nbf.v4.new_markdown_cell(text.strip()))

    def code(self, text):
        self.cells.append(nbf.v4.new_code_cell(text.strip()))

    def write(self, path):
        nb = nbf.v4.new_notebook()
        # Ids from the cell's position, so that rebuilding gives the same file (and clean diffs).
        for i, cell in enumerate(self.cells):
            cell["id"] = f"cell-{i:03d}"
        nb["cells"] = self.cells
        nb["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb["metadata"]["language_info"] = {"name": "python"}
        nbf.write(nb, pathlib.Path(path))
        print("wrote", path)
