"""Build the course notebooks from their reviewable sources and execute them.

    python scripts/build_notebooks.py              # every notebooks/py/NN_*.py -> notebooks/NN_*.ipynb, executed
    python scripts/build_notebooks.py 03 05        # only these
    python scripts/build_notebooks.py --set-repository https://github.com/me/my-fork   # re-point Colab, no re-run
    python scripts/build_notebooks.py --markdown-only        # copy text and tag edits, keep the outputs
    python scripts/build_notebooks.py --timings              # rewrite the time tables from notebooks/timings.json

Every notebook's Colab badge and install cell are written from one setting, ``[project.urls]
Repository`` in ``pyproject.toml``. ``--set-repository`` changes that setting and rewrites the
badges and install cells of the sources and of the executed notebooks in place (their outputs
stay), so a fork opens and installs itself on Colab after one command and a push.

The sources are jupytext "percent" scripts (paired: ``jupytext --sync`` keeps both in step).
Execution uses the current interpreter's kernel, with progress bars off, as nbval will run them.
Each execution's wall time is stored once, in ``notebooks/timings.json``; every notebook's "**Time**"
header, the README's course table and ``notebooks/README.md``'s table are written from it.
"""
from __future__ import annotations

import json
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
TIMINGS = NOTEBOOKS / "timings.json"
HEADER_TIME = re.compile(r"\*\*Time\*\*: [^(*]*?\(\d+ s measured\)")
README_ROW = re.compile(r"^\| (\d\d) [^|]+ \|.*\| (\d+) s \|$")  # the README's course table: time last
ALL_NINE = re.compile(r"[\d½.]+ min for all nine(?: on 2 cores)?(?:, measured [\d-]+)?")
NOTEBOOKS_ROW = re.compile(r"^(\| (\d\d) [^|]+ \| )(\d+) s( \|.*)$")  # notebooks/README.md: time second


PYPROJECT = ROOT / "pyproject.toml"
BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*?/blob/main/(notebooks|student)/[^)/]*\.ipynb\)")
# Every notebook's header opens it on Colab twice: the exercises (the committed student version) and with solutions.
BADGES = ("Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
          "(https://colab.research.google.com/github/{repo}/blob/main/student/{name}) the exercises · "
          "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
          "(https://colab.research.google.com/github/{repo}/blob/main/notebooks/{name}) with solutions")
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
    """``text`` (a percent script, or a cell source) with its badges and install cell written from ``url``:
    each badge keeps its folder (``notebooks/`` with solutions, ``student/`` the exercises)."""
    name = notebook_path.rsplit("/", 1)[-1]
    text = BADGE.sub(lambda m: colab_badge(url, f"{m.group(1)}/{name}"), text)
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
    """Copy the markdown cells and every cell's tags of ``source`` into its executed notebook; refuse if code
    changed."""
    script, target = jupytext.read(source), NOTEBOOKS / (source.stem + ".ipynb")
    notebook = nbformat.read(target, as_version=4)
    if [c.cell_type for c in script.cells] != [c.cell_type for c in notebook.cells] or any(
            a.source != b.source for a, b in zip(script.cells, notebook.cells) if a.cell_type == "code"):
        raise SystemExit(f"{source.name}: code or cell layout changed; rebuild it with scripts/build_notebooks.py")
    changed = False
    for new, cell in zip(script.cells, notebook.cells):
        if new.source != cell.source:
            cell.source, changed = new.source, True
        tags = new.metadata.get("tags", [])
        if tags != cell.metadata.get("tags", []):
            if tags:
                cell.metadata["tags"] = tags
            else:
                cell.metadata.pop("tags", None)
            changed = True
    if changed:
        nbformat.write(notebook, target)
    return changed


def load_timings() -> dict[str, int]:
    """Seconds each notebook took when last executed, by its two-digit number."""
    return json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}


def in_words(seconds: int) -> str:
    """A notebook's run time as a reader plans with it."""
    if seconds < 30:
        return "under half a minute"
    if seconds < 60:
        return "under a minute"
    if seconds < 90:
        return "about a minute"
    return f"about {round(seconds / 60)} minutes"


def header_time(seconds: int) -> str:
    return f"**Time**: {in_words(seconds)} ({seconds} s measured)"


def with_times(text: str, timings: dict[str, int], number: str | None = None) -> str:
    """``text`` (a notebook header, the README or notebooks/README.md) with its times written from ``timings``."""
    if number is not None:
        return HEADER_TIME.sub(lambda _: header_time(timings[number]), text) if number in timings else text
    text = ALL_NINE.sub(f"{sum(timings.values()) / 60:.1f} min for all nine on 2 cores", text)
    lines = []
    for line in text.splitlines():
        if (row := README_ROW.match(line)) and row.group(1) in timings:
            line = line[: row.start(2)] + str(timings[row.group(1)]) + line[row.end(2):]
        elif (row := NOTEBOOKS_ROW.match(line)) and row.group(2) in timings:
            line = f"{row.group(1)}{timings[row.group(2)]} s{row.group(4)}"
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def write_timings(timings: dict[str, int]) -> None:
    """Store ``timings`` and write them into every place that shows them."""
    TIMINGS.write_text(json.dumps(dict(sorted(timings.items())), indent=1) + "\n")
    for page in (ROOT / "README.md", NOTEBOOKS / "README.md", ROOT / "INSTRUCTORS.md"):
        page.write_text(with_times(page.read_text(), timings))
    for source in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        number = source.name[:2]
        source.write_text(with_times(source.read_text(), timings, number))
        target = NOTEBOOKS / (source.stem + ".ipynb")
        if target.exists():
            notebook = nbformat.read(target, as_version=4)
            header = notebook.cells[0]
            new = with_times(header.source, timings, number)
            if new != header.source:
                header.source = new
                nbformat.write(notebook, target)


def build(source: Path, execute: bool = True) -> Path:
    source.write_text(point_at(source.read_text(), repository_url(), f"notebooks/{source.stem}.ipynb"))
    notebook = jupytext.read(source)
    notebook.metadata["jupytext"] = {"formats": "ipynb,py//py:percent"}
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    target = NOTEBOOKS / (source.stem + ".ipynb")
    if execute:
        started = time.perf_counter()
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        seconds = round(time.perf_counter() - started)
        print(f"{target.name}: executed in {seconds} s")
    nbformat.write(notebook, target)
    if execute:
        write_timings({**load_timings(), source.name[:2]: seconds})
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
    if argv[:1] == ["--timings"]:
        write_timings(load_timings())
        return 0
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
