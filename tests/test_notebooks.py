"""The notebooks: every source has its .ipynb and the two hold the same cells; every notebook executes.

Each notebook in notebooks/ is a pair (notebooks/README.md): ``<name>.py``, the jupytext
percent-format source a person edits, and ``<name>.ipynb``, the same cells with their outputs.
The execution test runs each source top to bottom with notebooks/run_all.py's `execute` (a
kernel running *this* interpreter, the one that has `verify` installed), on a copy of
notebooks/ so that the suite writes nothing there, and fails on the first cell that raises.
"""

from __future__ import annotations

import importlib.util
import pathlib
import shutil
import sys

import jupytext
import nbformat
import pytest

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def _load_run_all():
    # notebooks/ is not a package: load its runner by path.
    spec = importlib.util.spec_from_file_location("notebooks_run_all", NOTEBOOK_DIR / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_all = _load_run_all()
SOURCES = run_all.sources()
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NAMES = [p.stem for p in SOURCES]
#: How to bring a .ipynb back in line with its source (the source is what a person edits).
#: `--sync` copies the cells of the newer file of the pair into the other; `--update --to ipynb`
#: copies the source's into the .ipynb whatever the dates.
FIX = ("run `jupytext --sync notebooks/{name}.py` (or, to take the .py's cells whichever file is newer, "
       "`jupytext --update --to ipynb notebooks/{name}.py`), then `python notebooks/run_all.py {name}` "
       "to refresh its outputs")


def test_there_are_notebooks():
    assert SOURCES, f"{NOTEBOOK_DIR} holds no notebook source (<name>.py): the notebook tests would check nothing"


def test_every_source_has_a_notebook_and_every_notebook_a_source():
    sources, notebooks = {p.stem for p in SOURCES}, {p.stem for p in NOTEBOOKS}
    problems = [f"notebooks/{n}.py has no notebooks/{n}.ipynb: run `jupytext --sync notebooks/{n}.py`"
                for n in sorted(sources - notebooks)]
    problems += [f"notebooks/{n}.ipynb has no source notebooks/{n}.py: run `jupytext --sync notebooks/{n}.ipynb` "
                 "to write it (the .py is the file to edit), or delete the .ipynb"
                 for n in sorted(notebooks - sources)]
    assert not problems, "\n".join(problems)


def test_sources_are_percent_format_notebooks():
    # A .py here is a notebook source unless run_all.MODULES names it: each starts with a cell marker.
    wrong = [p.name for p in SOURCES if not p.read_text().startswith("# %%")]
    assert not wrong, (f"{wrong} do not start with a `# %%` cell marker: a notebook source is a jupytext "
                       f"percent-format file; a helper module belongs in MODULES of notebooks/run_all.py")


def _cells(nb):
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def _first_difference(a, b):
    # (line number from 1, line of a, line of b) of the first line where two cell sources differ.
    la, lb = a.splitlines(), b.splitlines()
    j = next((j for j, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
    return j + 1, la[j] if j < len(la) else "<end of cell>", lb[j] if j < len(lb) else "<end of cell>"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_cells_equal_its_source(name):
    source = _cells(jupytext.read(NOTEBOOK_DIR / f"{name}.py"))
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.exists():
        pytest.fail(f"notebooks/{name}.ipynb is missing: {FIX.format(name=name)}")
    stored = _cells(nbformat.read(path, as_version=4))
    for i, (a, b) in enumerate(zip(source, stored)):
        if a != b:
            kind = a[0] if a[0] == b[0] else f"{b[0]} in the .ipynb, {a[0]} in the source"
            line, in_source, in_notebook = _first_difference(a[1], b[1])
            pytest.fail(f"notebooks/{name}.ipynb differs from its source notebooks/{name}.py at cell {i} ({kind}), "
                        f"line {line}: source {in_source!r}, notebook {in_notebook!r}; {FIX.format(name=name)}")
    assert len(source) == len(stored), (
        f"notebooks/{name}.ipynb has {len(stored)} cells, its source notebooks/{name}.py {len(source)}; "
        f"{FIX.format(name=name)}")


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_notebook_metadata_is_fixed(name):
    # No interpreter version, no execution timestamps: a re-run changes only what the notebook computes.
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    stamped = [i for i, cell in enumerate(nb.cells) if {"execution", "ExecuteTime"} & set(cell.metadata)]
    assert nb.metadata == run_all.METADATA and not stamped, (
        f"notebooks/{name}.ipynb: notebook metadata {dict(nb.metadata)} (expected {run_all.METADATA}), "
        f"execution timestamps in cells {stamped}; `python notebooks/run_all.py {name}` writes it cleanly")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name, tmp_path):
    # Run on a copy of notebooks/ (sources and helper modules, not the .ipynb): what a notebook or
    # its imports write (__pycache__, files) lands in tmp_path.
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, folder, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", ".ipynb_checkpoints"))
    nb = jupytext.read(folder / f"{name}.py")
    # A last cell that reports the kernel's interpreter, to check it is this one.
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    done = run_all.execute(nb, folder)  # raises CellExecutionError (with the traceback) on any error
    errors = [o for c in done.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
    printed = "".join(o.get("text", "") for o in done.cells[-1].outputs).strip()
    assert printed == sys.executable, f"kernel ran {printed!r}, expected {sys.executable!r}"
