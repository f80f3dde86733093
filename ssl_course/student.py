"""Student notebooks: the solutions cut out, the outputs cleared.

Every solution sits between nbgrader's markers in a cell with ``nbgrader.solution = true``::

    ### BEGIN SOLUTION
    ...
    ### END SOLUTION

``make_student_version`` replaces each such block with ``# YOUR CODE HERE`` and
``raise NotImplementedError()`` at the block's indentation, exactly what nbgrader's
``generate_assignment`` step writes, so instructors can use either tool. The check cells
that follow each exercise stay; in a student notebook the first one fails until the learner
writes the function.

    >>> strip_solutions("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION")
    'def f():\\n    # YOUR CODE HERE\\n    raise NotImplementedError()'
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_BLOCK = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*$", re.M | re.S)


_BADGE_PATH = re.compile(r"/blob/main/student/[^)]*\.ipynb\)")  # the header's "exercises" badge


class SolutionMarkerError(ValueError):
    """A cell has unbalanced solution markers."""


def strip_solutions(source: str) -> str:
    """Replace every marked solution block of one cell's source."""
    if source.count(BEGIN) != source.count(END):
        raise SolutionMarkerError(f"unbalanced solution markers in a cell starting {source[:60]!r}")
    return _BLOCK.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()", source)


def student_notebook(notebook: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """A copy with solutions stripped and outputs cleared; also the number of exercises found."""
    notebook = nbformat.from_dict(notebook)
    exercises = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if BEGIN in cell.source:
            cell.source = strip_solutions(cell.source)
            exercises += 1
        cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    return notebook, exercises


def make_student_version(source_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write the student version of every ``NN_*.ipynb`` in ``source_dir`` to ``out_dir``."""
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    notebooks = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no course notebooks (NN_*.ipynb) in {source_dir}")
    if out_dir.resolve() == source_dir.resolve():
        raise ValueError("the output folder must differ from the notebooks' folder (the solutions would be lost)")
    out_dir.mkdir(parents=True, exist_ok=True)
    # the "exercises" badge opens this copy: out_dir as published beside notebooks/ in the repository
    published = out_dir.as_posix() if not out_dir.is_absolute() else out_dir.name
    written = []
    for path in notebooks:
        notebook, _ = student_notebook(nbformat.read(path, as_version=4))
        if notebook.cells and notebook.cells[0].cell_type == "markdown":
            notebook.cells[0].source = _BADGE_PATH.sub(f"/blob/main/{published}/{path.name})", notebook.cells[0].source)
        target = out_dir / path.name
        nbformat.write(notebook, target)
        written.append(target)
    return written
