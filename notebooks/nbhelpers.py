"""What the notebooks in this folder share: the sweep cache, the closing verdict table, point-type labels.

Each notebook imports it as a plain module (`from nbhelpers import ...`): a notebook's kernel
runs with this folder as its working directory. Only presentation lives here; the mathematics
a notebook checks stays in the notebook and in `verify`.
"""

from __future__ import annotations

import time

import numpy as np
from IPython.display import Markdown, display

from verify import get_claim, sweep
from verify.landscape import PointType
from verify.search import instance_params

__all__ = ["MARGIN_SCALE", "SweepCache", "TYPE_COLOURS", "type_name", "verdict_table"]

#: One colour per point type of `verify.landscape.classify`, for scatter plots of classified points.
TYPE_COLOURS = {PointType.NOT_CRITICAL: "lightgray", PointType.LOCAL_MINIMUM: "tab:green",
                PointType.STRICT_SADDLE: "tab:red", PointType.DEGENERATE_SADDLE: "tab:orange",
                PointType.DEGENERATE_UNDECIDED: "tab:purple", PointType.INCONCLUSIVE: "black"}


#: What a margin means, printed under every verdict table (the scale of `verify.claims.base`).
MARGIN_SCALE = ("*Smallest margin*: the smallest over the instances of 1 - violation / tolerance: **1** = the two "
                "sides agree exactly, **0** = the edge (the discrepancy is one tolerance), **negative** = violated "
                "(-k: by k + 1 tolerances), **above 1** = slack (m: m - 1 tolerances of slack). Each claim's docstring "
                "says what its margin measures (its `Margin:` line).")


def type_name(t):
    """The name of a point type given as a `PointType` or as its integer code (e.g. read from an array)."""
    return PointType(int(t)).name


class SweepCache:
    """``cache(claim_id)`` is ``verify.sweep(get_claim(claim_id), n, seed=seed)``, run once per claim and kept.

    A notebook shows a claim's sweep where it discusses the claim (`show`) and tabulates every
    sweep at the end (`verdict_table`); both read the same run. The sweep is the one of
    ``verify check <claim_id> --n <n> --seed <seed>``.
    """

    def __init__(self, n, seed):
        self.n, self.seed = n, seed
        self.results = {}

    def __call__(self, claim_id):
        if claim_id not in self.results:
            self.results[claim_id] = sweep(get_claim(claim_id), self.n, seed=self.seed)
        return self.results[claim_id]

    def show(self, claim_id, keys=None):
        """Print the sweep's verdict, counts, smallest margin (and where), then its measured numbers
        (those named in `keys`, in the sweep's order; all of them when `keys` is None)."""
        r, claim = self(claim_id), get_claim(claim_id)
        print(f"{claim_id}: verdict {r.verdict!r} (the toolkit expects {claim.expected!r}); counts {r.counts}; "
              f"smallest margin {r.smallest_margin:.3g} at instance {r.worst_index} {instance_params(claim, r.worst_index)} "
              f"({r.seconds:.1f} s, compilation included)")
        names = [k for k in r.measured if keys is None or k in keys]
        width = max(map(len, names), default=0)
        for k in names:
            v = np.asarray(r.measured[k], np.float64)
            print(f"    {k:{width}s}", f"{float(v):.6g}" if v.ndim == 0 else np.array2string(v, precision=4))


def verdict_table(ids, swept, started):
    """Display the verdict table of the claims `ids` (swept by the `SweepCache` `swept`), with a line
    saying what its margins mean, print the claims whose verdict is not the expected one and the
    notebook's run time since `started` (a `time.perf_counter()` reading); then fail (AssertionError)
    if any verdict is not the expected one, so that executing the notebook checks its verdicts.

    The smallest margin is the sweep's, on the one scale of `verify.claims.base` (`MARGIN_SCALE`)."""
    lines = ["| claim | source | verdict | expected | holds / refuted / inconclusive | smallest margin |",
             "|---|---|---|---|---|---|"]
    for cid in ids:
        res, claim = swept(cid), get_claim(cid)
        k = res.counts
        lines.append(f"| `{cid}` | {claim.source.rsplit(' (', 1)[0]} | **{res.verdict}** | {claim.expected} | "
                     f"{k['holds']} / {k['refuted']} / {k['inconclusive']} | {res.smallest_margin:.3g} |")
    display(Markdown("\n".join(lines) + "\n\n" + MARGIN_SCALE))
    mismatch = [cid for cid in ids if swept(cid).verdict != get_claim(cid).expected]
    print("verdicts that differ from the expected ones:", mismatch or "none")
    print(f"notebook run time: {time.perf_counter() - started:.0f} s")
    assert not mismatch, mismatch
