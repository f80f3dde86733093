"""Build the course notebooks from their reviewable sources and execute them.

    python scripts/build_notebooks.py              # every notebooks/py/NN_*.py -> notebooks/NN_*.ipynb, executed
    python scripts/build_notebooks.py 03 05        # only these

The sources are jupytext "percent" scripts (paired: ``jupytext --sync`` keeps both in step).
Execution uses the current interpreter's kernel, with progress bars off, as nbval will run them.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SOURCES, NOTEBOOKS = ROOT / "notebooks" / "py", ROOT / "notebooks"


def build(source: Path, execute: bool = True) -> Path:
    notebook = jupytext.read(source)
    notebook.metadata["jupytext"] = {"formats": "ipynb,py//py:percent"}
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    target = NOTEBOOKS / (source.stem + ".ipynb")
    if execute:
        started = time.perf_counter()
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        print(f"{target.name}: executed in {time.perf_counter() - started:.0f} s")
    nbformat.write(notebook, target)
    return target


def main(argv: list[str]) -> int:
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if argv:
        sources = [s for s in sources if any(s.name.startswith(prefix) for prefix in argv)]
    for source in sources:
        build(source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
