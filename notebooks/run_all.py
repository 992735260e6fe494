"""Execute the notebooks from their sources and store the outputs in the .ipynb files.

    python notebooks/run_all.py                         # every notebook
    python notebooks/run_all.py liu_shortcut yun_resnets   # some of them (names or paths)
    python notebooks/run_all.py --cell-timeout 600      # on a busy machine

Each notebook is a pair: ``<name>.py``, the jupytext percent-format source a person edits, and
``<name>.ipynb``, the same cells with their outputs, for reading (notebooks/jupytext.toml pairs
them). For each name this script reads the source, executes it top to bottom in a kernel that
runs this interpreter (the one with `verify` installed), with this folder as the working
directory, and writes the .ipynb: the source's cells, their outputs (figures as PNG at
`FIGURE_DPI`), the cell ids the .ipynb had, and fixed notebook metadata (no interpreter version,
no execution timestamps), so that a re-run changes only what the notebook computes. It stops
at the first notebook whose cell raises, leaving that .ipynb as it was.

tests/test_notebooks.py executes the sources with the same `execute` (on a copy of this folder).
"""

from __future__ import annotations

import argparse
import base64
import copy
import io
import pathlib
import sys
import time
import warnings

import jupytext
import nbformat
import numpy as np
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from jupytext.combine import combine_inputs_with_outputs
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from PIL import Image

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent
#: The .py files of this folder that are modules, not notebook sources.
MODULES = ("nbhelpers.py", "run_all.py")
#: Seconds a single cell may run: a generous multiple of the longest cell (a verdict sweep, most
#: of it XLA compilation), so that a slow or loaded machine does not fail a notebook.
CELL_TIMEOUT = 150
#: Runs of a notebook whose kernel stops replying (a cell timeout, a dead kernel) before giving up
#: (with a warning on the re-run); a cell that raises fails at once. Why: the Hardt & Ma
#: notebook's kernel was seen to stop in `verify.sweep` at 0% CPU. One such hang had both XLA
#: pool threads blocked in jaxlib's batched LAPACK kernels (`jax::ParallelBatchMap`), which
#: `verify.lapack_batches` now keeps off the pool; another had every pool thread parked and the
#: main thread in jax::BlockUntilReadyWithCancel, which that does not explain, so the re-run
#: stays as a backstop.
RUNS_WITHOUT_REPLY = 2
#: Resolution of the stored figures: enough to read the labels, small enough for the repository.
FIGURE_DPI = 80
#: Colours of a stored figure: matplotlib's PNGs are full-colour RGBA; a palette of 256 colours
#: (chosen to cover every colour present, so that a rare marker colour keeps its hue) takes about
#: a quarter of the bytes. It is used only where it moves no pixel's channel by more than
#: `PALETTE_ERROR` (of 255), invisible in a plot; otherwise the figure is stored in full colour.
FIGURE_COLOURS = 256
PALETTE_ERROR = 24
#: The notebook metadata every .ipynb carries (the kernel adds its Python version and more;
#: those are dropped so that the files do not change with the interpreter).
METADATA = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}}


class ThisInterpreterKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is ``sys.executable -m ipykernel_launcher``.

    The 'python3' kernelspec is looked up on Jupyter's data path, where a user-level or
    system-level spec could name another Python (one without `verify`). This manager
    ignores the search and starts the interpreter running this code."""

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python ({sys.executable})",
                language="python",
            )
        return self._kernel_spec


def sources(directory=NOTEBOOK_DIR):
    """The notebook sources of `directory`: its .py files but the `MODULES`, sorted."""
    return sorted(p for p in pathlib.Path(directory).glob("*.py") if p.name not in MODULES)


def execute(nb, cwd, timeout=CELL_TIMEOUT):
    """Execute a copy of `nb` top to bottom with the working directory `cwd`; return the copy.

    Raises nbclient's CellExecutionError (with the traceback) on the first cell that raises;
    runs the notebook again, with a warning, when the kernel stops replying (`RUNS_WITHOUT_REPLY`)
    or a cell runs longer than `timeout` seconds."""
    for run in range(1, RUNS_WITHOUT_REPLY + 1):
        out = copy.deepcopy(nb)
        client = NotebookClient(
            out,
            timeout=timeout,
            kernel_name="python3",
            kernel_manager_class=ThisInterpreterKernelManager,
            resources={"metadata": {"path": str(cwd)}},
            extra_arguments=[f"--InlineBackend.rc={{'figure.dpi': {FIGURE_DPI}}}"],
            record_timing=False,  # no execution timestamps in the cells' metadata
        )
        try:
            client.execute()
            return out
        except (CellTimeoutError, DeadKernelError) as exc:
            if run == RUNS_WITHOUT_REPLY:
                raise
            warnings.warn(f"the kernel did not reply ({type(exc).__name__}); running the notebook again")


def shrink_png(data):
    """A base64 PNG flattened on white and re-encoded with a palette of `FIGURE_COLOURS` colours
    where that stays within `PALETTE_ERROR`, in full colour otherwise (deterministic)."""
    image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    small = flat.quantize(colors=FIGURE_COLOURS, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    error = np.abs(np.asarray(small.convert("RGB"), np.int16) - np.asarray(flat, np.int16)).max()
    out = io.BytesIO()
    (small if error <= PALETTE_ERROR else flat).save(out, format="PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def coalesce_streams(outputs):
    """`outputs` with each run of consecutive stream outputs of one stream (stdout, stderr) joined
    into one: how a cell's printing is split into messages depends on timing, not on the cell."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            joined.append(output)
    return joined


def tidy(nb):
    """Fix the notebook metadata to `METADATA`, drop what an execution adds to the cells' metadata,
    join split printing (`coalesce_streams`) and store the figures with `shrink_png`."""
    nb.metadata = copy.deepcopy(METADATA)
    for cell in nb.cells:
        for key in ("execution", "ExecuteTime"):
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        cell.outputs = coalesce_streams(cell.outputs)
        for output in cell.outputs:
            if "image/png" in output.get("data", {}):
                output["data"]["image/png"] = shrink_png(output["data"]["image/png"])
    return nb


def run(source, timeout=CELL_TIMEOUT):
    """Execute the notebook source `source` (a path to <name>.py) and write <name>.ipynb; return the seconds taken."""
    target = source.with_suffix(".ipynb")
    nb = jupytext.read(source)
    if target.exists():  # keep the cell ids (and so the diffs) of the committed notebook
        nb = combine_inputs_with_outputs(nb, nbformat.read(target, as_version=4), fmt="py:percent")
    start = time.perf_counter()
    done = tidy(execute(nb, source.parent, timeout))
    seconds = time.perf_counter() - start
    nbformat.write(done, target)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (name or path; default: all)")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT, metavar="SECONDS",
                        help=f"seconds a cell may run before the kernel counts as hung (default {CELL_TIMEOUT}; "
                             "raise it on a busy machine)")
    args = parser.parse_args(argv)
    chosen = [NOTEBOOK_DIR / f"{pathlib.Path(n).stem}.py" for n in args.names] or sources()
    missing = [str(p) for p in chosen if not p.exists() or p.name in MODULES]
    if missing:
        parser.error(f"no notebook source {', '.join(missing)}; the sources are "
                     f"{', '.join(p.stem for p in sources())}")
    for source in chosen:
        print(f"{source.stem}: running ...", flush=True)
        print(f"{source.stem}: {run(source, args.cell_timeout):.0f} s, wrote {source.with_suffix('.ipynb').name}", flush=True)


if __name__ == "__main__":
    main()
