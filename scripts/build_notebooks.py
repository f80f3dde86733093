"""Build the course notebooks from their reviewable sources and execute them.

    python scripts/build_notebooks.py              # every notebooks/py/NN_*.py -> notebooks/NN_*.ipynb, executed
    python scripts/build_notebooks.py 03 05        # only these
    python scripts/build_notebooks.py --set-repository https://github.com/me/my-fork   # re-point Colab, no re-run
    python scripts/build_notebooks.py --markdown-only        # copy text-only edits, keep the outputs

Every notebook's Colab badge and install cell are written from one setting, ``[project.urls]
Repository`` in ``pyproject.toml``. ``--set-repository`` changes that setting and rewrites the
badges and install cells of the sources and of the executed notebooks in place (their outputs
stay), so a fork opens and installs itself on Colab after one command and a push.

The sources are jupytext "percent" scripts (paired: ``jupytext --sync`` keeps both in step).
Execution uses the current interpreter's kernel, with progress bars off, as nbval will run them.
"""
from __future__ import annotations

import os
import re
import sys
import time
import tomllib
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SOURCES, NOTEBOOKS = ROOT / "notebooks" / "py", ROOT / "notebooks"


PYPROJECT = ROOT / "pyproject.toml"
BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*\)")
INSTALL_CELL = re.compile(r"# On Colab:.*?(?=\n\n# %%|\Z)", re.S)  # up to the next cell of a script, or the end
# The install cell: a clone, since the notebooks load the reference runs shipped in assets/.
INSTALL = """# On Colab: fetch the course (package and reference runs) and install it; nothing happens elsewhere
import os
import subprocess
import sys

REPOSITORY = "{url}"
if "google.colab" in sys.modules and not os.path.isdir("/content/ssl_course"):
    for command in (["git", "clone", "-q", "--depth", "1", REPOSITORY, "/content/ssl_course"],
                    [sys.executable, "-m", "pip", "install", "-q", "-e", "/content/ssl_course"]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:  # say why in one line, not with a traceback
            raise SystemExit(f"course install failed at {{command[:4]}}: {{(done.stderr.strip() or '?').splitlines()[-1]}}")
if "google.colab" in sys.modules:
    sys.path.insert(0, "/content/ssl_course")  # importable at once, without restarting the runtime"""


def repository_url() -> str:
    """The course's repository, from ``[project.urls] Repository`` in pyproject.toml."""
    return tomllib.loads(PYPROJECT.read_text())["project"]["urls"]["Repository"].rstrip("/")


def colab_badge(url: str, path: str) -> str:
    """The badge target that opens ``path`` (relative to the repository root) of ``url`` on Colab."""
    repo = url.removeprefix("https://github.com/")
    return f"(https://colab.research.google.com/github/{repo}/blob/main/{path})"


def point_at(text: str, url: str, notebook_path: str) -> str:
    """``text`` (a percent script, or a cell source) with its badge and install cell written from ``url``."""
    text = BADGE.sub(lambda _: colab_badge(url, notebook_path), text)
    return INSTALL_CELL.sub(lambda _: INSTALL.format(url=url), text)


def set_repository(url: str) -> None:
    """Write ``url`` into pyproject.toml, then into every source's and notebook's badge and install cell."""
    text = PYPROJECT.read_text()
    PYPROJECT.write_text(re.sub(r'(?m)^Repository = ".*"$', f'Repository = "{url}"', text, count=1))
    for source in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        path = f"notebooks/{source.stem}.ipynb"
        source.write_text(point_at(source.read_text(), url, path))
        target = NOTEBOOKS / (source.stem + ".ipynb")
        if target.exists():
            notebook = nbformat.read(target, as_version=4)
            for cell in notebook.cells[:2]:
                cell.source = point_at(cell.source, url, path)
            nbformat.write(notebook, target)


def copy_markdown(source: Path) -> bool:
    """Copy the markdown cells of ``source`` into its executed notebook; refuse if code changed."""
    script, target = jupytext.read(source), NOTEBOOKS / (source.stem + ".ipynb")
    notebook = nbformat.read(target, as_version=4)
    if [c.cell_type for c in script.cells] != [c.cell_type for c in notebook.cells] or any(
            a.source != b.source for a, b in zip(script.cells, notebook.cells) if a.cell_type == "code"):
        raise SystemExit(f"{source.name}: code or cell layout changed; rebuild it with scripts/build_notebooks.py")
    changed = False
    for new, cell in zip(script.cells, notebook.cells):
        if new.source != cell.source:
            cell.source, changed = new.source, True
    if changed:
        nbformat.write(notebook, target)
    return changed


def build(source: Path, execute: bool = True) -> Path:
    source.write_text(point_at(source.read_text(), repository_url(), f"notebooks/{source.stem}.ipynb"))
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
    if argv[:1] == ["--set-repository"]:
        if len(argv) != 2 or not argv[1].startswith("https://github.com/"):
            print("usage: build_notebooks.py --set-repository https://github.com/OWNER/NAME", file=sys.stderr)
            return 2
        set_repository(argv[1].rstrip("/"))
        print(f"notebooks now open and install from {argv[1]}; commit and push to publish")
        return 0
    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if argv[:1] == ["--markdown-only"]:
        for source in sources:
            if copy_markdown(source):
                print(f"{source.stem}.ipynb: text updated, outputs kept")
        return 0
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if argv:
        sources = [s for s in sources if any(s.name.startswith(prefix) for prefix in argv)]
    for source in sources:
        build(source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
