"""The course notebooks: structure, exercises, sources in sync, and the student version's checks bite.

nbval executes the solution notebooks themselves (``pytest --nbval-lax``, see the README).
"""
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from ssl_course.cli import main
from ssl_course.student import BEGIN, END, SolutionMarkerError, strip_solutions, student_notebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
NAMES = [p.stem for p in PATHS]


def load(path):
    return nbformat.read(path, as_version=4)


def test_nine_notebooks_in_sequence():
    assert [name[:2] for name in NAMES] == [f"{i:02d}" for i in range(9)]


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_notebook_structure(path):
    nb = load(path)
    text = "\n".join(c.source for c in nb.cells)
    assert "colab-badge.svg" in nb.cells[0].source and "**Time**" in nb.cells[0].source
    assert "google.colab" in text and "setup(seed=" in text
    # a FULL switch only where a GPU run differs (not in 00, the theory notebooks 04/05)
    assert ("\nFULL = False" in text) == (path.stem[:2] not in ("00", "04", "05"))
    assert "## Summary" in text and "**References**" in text
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "commit the notebooks executed"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_source_script_is_in_sync(path):
    script = jupytext.read(NOTEBOOKS / "py" / (path.stem + ".py"))
    assert [c.source for c in script.cells] == [c.source for c in load(path).cells], \
        f"{path.name} differs from py/{path.stem}.py: rebuild with scripts/build_notebooks.py"


@pytest.mark.parametrize("path", [p for p in PATHS if "01" <= p.stem[:2] <= "07"], ids=lambda p: p.stem)
def test_at_least_two_exercises_each_followed_by_its_check(path):
    cells = load(path).cells
    solutions = [i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("solution")]
    assert sum("import check_" in cells[i + 1].source for i in solutions) >= 2
    for i in solutions:
        assert "### BEGIN SOLUTION" in cells[i].source and "### END SOLUTION" in cells[i].source
        check = cells[i + 1]
        assert check.metadata["nbgrader"]["grade"]
        assert "from ssl_course.exercises import check_" in check.source or "judge_prediction(" in check.source


def test_strip_solutions_keeps_indentation_and_rejects_unbalanced_markers():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n\nprint(1)"
    assert strip_solutions(source) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(1)"
    with pytest.raises(SolutionMarkerError):
        strip_solutions("### BEGIN SOLUTION\nx = 1")


def test_student_notebooks_have_no_solutions_and_no_outputs(tmp_path):
    assert main(["student-version", "--notebooks", str(NOTEBOOKS), "--out", str(tmp_path)]) == 0
    for path in PATHS:
        nb = load(tmp_path / path.name)
        text = "\n".join(c.source for c in nb.cells)
        assert "### BEGIN SOLUTION" not in text
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert all("raise NotImplementedError()" in c.source for c in solutions)


def test_student_version_refuses_bad_folders(tmp_path, capsys):
    assert main(["student-version", "--notebooks", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no course notebooks" in capsys.readouterr().err
    assert main(["student-version", "--notebooks", str(NOTEBOOKS), "--out", str(NOTEBOOKS)]) == 2


@pytest.mark.slow
def test_each_student_notebook_fails_at_its_first_exercise_check():
    """The seven student notebooks, each cut after its first graded check, run one after another
    in one kernel (a kernel per notebook would add ~5 s of start-up and imports each): every one
    runs cleanly up to that check, which fails with our "not implemented yet" line."""
    combined, segments = nbformat.v4.new_notebook(), []
    for path in [p for p in PATHS if "01" <= p.stem[:2] <= "07"]:
        nb, exercises = student_notebook(load(path))
        assert exercises >= 2, path.stem
        first_check = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade"))
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))  # no name leaks from the notebook before
        start = len(combined.cells)
        combined.cells += nb.cells[: first_check + 1]
        segments.append((path.stem, start, start + first_check))
    client = NotebookClient(combined, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    errors = {i: "".join(o.get("evalue", "") for o in c.get("outputs", []) if o.output_type == "error")
              for i, c in enumerate(combined.cells) if c.cell_type == "code"}
    for name, start, check in segments:
        assert [i for i in range(start, check) if errors.get(i)] == [], f"{name}: a cell before the first check failed"
        assert "not implemented yet" in errors[check], f"{name}: the first check did not fail: {errors[check]!r}"


def _build_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS.parent / "scripts" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_results_pages_claims_are_the_ones_the_executed_notebooks_print():
    build = _build_script()
    text = build.RESULTS.read_text()
    table = text[text.index(build.CLAIMS_START) + len(build.CLAIMS_START):text.index(build.CLAIMS_END)].strip()
    assert table == build.claims_table(), "docs/results.md's claims are stale: python scripts/build_notebooks.py --claims"
    assert table.count("\n| 0") >= 50 and "| False |" not in table


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_badge_and_install_cell_come_from_the_one_repository_setting(path):
    import tomllib

    url = tomllib.loads((NOTEBOOKS.parent / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    repo = url.removeprefix("https://github.com/")
    cells = load(path).cells
    assert f"(https://colab.research.google.com/github/{repo}/blob/main/notebooks/{path.name})" in cells[0].source
    assert f'REPOSITORY = "{url}"' in cells[1].source and "pip" in cells[1].source
    assert cells[1].source == _build_script().INSTALL.format(url=url)


def test_set_repository_repoints_sources_and_notebooks(tmp_path, monkeypatch):
    import shutil

    build = _build_script()
    (tmp_path / "notebooks" / "py").mkdir(parents=True)
    shutil.copy(NOTEBOOKS.parent / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(NOTEBOOKS / "py" / "00_setup_and_data.py", tmp_path / "notebooks" / "py")
    shutil.copy(PATHS[0], tmp_path / "notebooks")
    monkeypatch.setattr(build, "PYPROJECT", tmp_path / "pyproject.toml")
    monkeypatch.setattr(build, "SOURCES", tmp_path / "notebooks" / "py")
    monkeypatch.setattr(build, "NOTEBOOKS", tmp_path / "notebooks")
    assert build.main(["--set-repository", "https://github.com/teacher/fork"]) == 0
    assert build.repository_url() == "https://github.com/teacher/fork"
    script = (tmp_path / "notebooks" / "py" / "00_setup_and_data.py").read_text()
    notebook = load(tmp_path / "notebooks" / PATHS[0].name)
    for text in (script, notebook.cells[0].source + notebook.cells[1].source):
        assert "github/teacher/fork/blob/main/notebooks/00_setup_and_data.ipynb" in text
        assert 'REPOSITORY = "https://github.com/teacher/fork"' in text and "ssl-course/ssl_course" not in text
    assert [c.get("outputs") for c in notebook.cells] == [c.get("outputs") for c in load(PATHS[0]).cells]
    assert build.main(["--set-repository", "not-a-url"]) == 2


def test_student_badges_open_the_student_copies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["student-version", "--notebooks", str(NOTEBOOKS), "--out", "student"]) == 0
    for path in PATHS:
        assert f"/blob/main/student/{path.name})" in load(tmp_path / "student" / path.name).cells[0].source


# A decimal number in a notebook's text is one of its printed or coded numbers (as printed, or rounded from
# one), unless the sentence marks it as quoted from a paper with "(paper)" after it.
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\d.]*\d)")
PAPER_MARK = re.compile(r"\(paper[^)]*\)")
SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n\|")


def _decimals(text: str) -> list[tuple[str, int]]:
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are addresses, not claims
    return [(m.group(), m.end()) for m in DECIMAL.finditer(text)], text


def unsupported_numbers(notebook) -> list[str]:
    """The decimal numbers of ``notebook``'s markdown found neither in its code nor in its printed outputs."""
    printed = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            printed.append(cell.source)
            for output in cell.get("outputs", []):
                printed.append(output.get("text", "") if isinstance(output.get("text", ""), str) else "".join(output["text"]))
                printed.append(output.get("data", {}).get("text/plain", ""))
    known = [float(n) for n in DECIMAL.findall("\n".join(printed))]
    missing = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        found, text = _decimals(cell.source)
        for number, end in found:
            rest = text[end:]
            stop = SENTENCE_END.search(rest)
            if PAPER_MARK.search(rest[: stop.start() if stop else len(rest)]):
                continue
            places = len(number.split(".")[1])
            if not any(abs(round(value, places) - float(number)) < 10 ** -(places + 3) for value in known):
                missing.append(f"cell {index}: {number}")
    return missing


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_every_decimal_in_the_text_is_printed_or_marked_as_the_papers(path):
    assert unsupported_numbers(load(path)) == [], f"{path.name}: numbers in the text that no output or code shows"


def test_the_number_check_sees_a_number_no_output_shows():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(0.618)", outputs=[nbformat.v4.new_output("stream", text="kNN 0.618\n")]),
        nbformat.v4.new_markdown_cell("kNN 0.62 (rounded), 0.6180 too; BYOL 92.58 on CIFAR-10 (paper). Then 0.71."),
    ])
    assert unsupported_numbers(notebook) == ["cell 1: 0.71"]


def test_every_time_shown_comes_from_the_one_timing_file():
    build = _build_script()
    timings = build.load_timings()
    assert sorted(timings) == [name[:2] for name in NAMES]
    for path in PATHS:
        number = path.name[:2]
        expected = build.header_time(timings[number])
        assert expected in load(path).cells[0].source, f"{path.name}: header time is not {expected!r}"
        assert expected in (NOTEBOOKS / "py" / (path.stem + ".py")).read_text()
    for page in (NOTEBOOKS.parent / "README.md", NOTEBOOKS / "README.md", NOTEBOOKS.parent / "INSTRUCTORS.md"):
        text = page.read_text()
        assert build.with_times(text, timings) == text, f"{page}: times differ from notebooks/timings.json"
    for page in ("README.md", "INSTRUCTORS.md"):  # the course's total is written there, not by hand
        assert build.ALL_NINE.search((NOTEBOOKS.parent / page).read_text()), page
    assert sum(timings.values()) <= 600, "the course must re-execute in <= 10 minutes on 2 cores"


def test_every_stored_figure_is_at_least_500_px_wide():
    import base64
    import struct

    narrow = []
    for path in PATHS:
        for index, cell in enumerate(load(path).cells):
            for output in cell.get("outputs", []):
                png = output.get("data", {}).get("image/png")
                if png:
                    width = struct.unpack(">I", base64.b64decode(png)[16:20])[0]  # the IHDR chunk's width
                    if width < 500:
                        narrow.append(f"{path.name} cell {index}: {width} px")
    assert narrow == []


def test_no_text_in_the_course_figures_is_set_under_9_pt():
    sources = list((NOTEBOOKS.parent / "ssl_course").rglob("*.py")) + list((NOTEBOOKS / "py").glob("*.py"))
    small = [f"{p.name}: {m.group()}" for p in sources for m in re.finditer(r"fontsize=([0-8])\b", p.read_text())]
    assert small == []


def test_the_committed_student_notebooks_are_the_current_cut(tmp_path, monkeypatch):
    committed = NOTEBOOKS.parent / "student"
    monkeypatch.chdir(tmp_path)
    assert main(["student-version", "--notebooks", str(NOTEBOOKS), "--out", "student"]) == 0
    for path in PATHS:
        fresh = [(c.cell_type, c.source) for c in load(tmp_path / "student" / path.name).cells]
        assert fresh == [(c.cell_type, c.source) for c in load(committed / path.name).cells], \
            f"student/{path.name} is out of date: run ssl-course student-version --out student"


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_each_header_opens_the_exercises_and_the_solutions_on_colab(path):
    header = load(path).cells[0].source
    assert f"/blob/main/student/{path.name}) the exercises" in header
    assert f"/blob/main/notebooks/{path.name}) with solutions" in header


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_plumbing_is_tagged_for_the_site_and_no_test_directive_is_in_the_code(path):
    cells = load(path).cells
    code = [c for c in cells if c.cell_type == "code"]
    assert not any("NBVAL" in c.source for c in code), "test directives go in cell tags (nbval-check-output)"
    assert "remove-cell" in cells[1].metadata.get("tags", []), "the Colab install cell"
    setup_cell = next(c for c in code if "setup(seed=" in c.source)
    shown = path.stem.startswith("00")  # 00's set-up cell is its lesson: the environment report
    assert ("remove-cell" in setup_cell.metadata.get("tags", [])) != shown


def test_each_student_prediction_cell_says_what_to_write():
    """A "predict, then run" cell in the student copy names the variable and the choices the judge accepts."""
    import re

    found = 0
    for path in sorted((NOTEBOOKS.parent / "student").glob("0*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("predict_"):
                found += 1
                assert re.match(r'# your prediction, one of (".+?", )*".+?" or ".+?": prediction = "\.\.\."\n', cell.source), path.name
    assert found == 8


# A sentence that compares or states a trend ("BYOL beats random init", "the rank falls") stands beside a
# `claim` that prints the measured condition: a claim cell within CLAIM_WINDOW cells of its markdown cell.
# Questions and what is quoted from a paper (marked "(paper)", as for numbers) are not the course's results.
COMPARATIVE = re.compile(r"\b(than|higher|lower|beats?|beating|falls?|falling|rises?|rising|widens|widening|narrows|narrowing|"
                         r"catch(?:es)? up|caught up|collapses|collapsed|collapsing|outperforms?|better|worse|exceeds?|ahead|"
                         r"overtakes?)\b", re.I)
SENTENCE = re.compile(r"(?<=[.!;:?])\s+(?=[A-Z*(\"`])|\n\s*\n|\n(?=\s*[*#|-] )")
CLAIM_WINDOW = 2


def _sentences(markdown: str) -> list[str]:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # a link: its words, not its address
    text = re.sub(r"\$[^$]*\$|`[^`]*`", "", text)  # formulas and code name things, they do not compare results
    return [" ".join(s.split()) for s in SENTENCE.split(text) if s.strip()]


def unclaimed_comparisons(notebook) -> list[str]:
    """The comparative sentences of ``notebook``'s markdown with no claim cell near them."""
    cells, missing = notebook.cells, []
    for index, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        near = cells[max(0, index - CLAIM_WINDOW): index + CLAIM_WINDOW + 1]
        if any(c.cell_type == "code" and "claim(" in c.source and "nbval-check-output" in c.metadata.get("tags", [])
               for c in near):
            continue
        for sentence in _sentences(cell.source):
            word = COMPARATIVE.search(sentence)
            if word and not sentence.endswith("?") and not PAPER_MARK.search(sentence):
                missing.append(f"cell {index} ({word.group()}): {sentence[:120]}")
    return missing


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_every_comparative_sentence_stands_beside_a_claim(path):
    assert unclaimed_comparisons(load(path)) == [], f"{path.name}: comparisons of results with no claim beside them"


def test_the_comparison_check_finds_a_trend_no_claim_measures():
    claim = nbformat.v4.new_code_cell('claim("BYOL beats random init", True, "0.6 vs 0.3")')
    claim.metadata["tags"] = ["nbval-check-output"]
    far = [nbformat.v4.new_markdown_cell("Plain words.") for _ in range(3)]
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("BYOL beats random init. Does the loss rise as T grows?"), claim, *far,
        nbformat.v4.new_markdown_cell("Without the predictor the rank falls. SimCLR leads on CIFAR-10 (paper)."
                                      " BYOL 92.58 is higher than SimSiam's 91.4 (paper, Table 2)."),
    ])
    assert unclaimed_comparisons(notebook) == ["cell 5 (falls): Without the predictor the rank falls."]


def test_the_readmes_partial_collapse_numbers_are_printed_by_notebook_07():
    readme = (NOTEBOOKS.parent / "README.md").read_text()
    paragraph = readme[readme.index("**Partial collapse**"):].split("\n\n")[0]
    notebook = load(NOTEBOOKS / "07_dimensional_collapse.ipynb")
    notebook.cells = [c for c in notebook.cells if c.cell_type == "code"] + [nbformat.v4.new_markdown_cell(paragraph)]
    assert len(DECIMAL.findall(paragraph)) >= 5
    assert unsupported_numbers(notebook) == [], "README numbers that notebook 07 does not print"


def test_the_instructors_table_lists_every_exercise_of_its_notebook():
    page = (NOTEBOOKS.parent / "INSTRUCTORS.md").read_text()
    total, warmups = 0, 0
    for path in PATHS[1:8]:
        row = next(line for line in page.splitlines() if line.startswith(f"| {path.name[:2]} "))
        exercises = [c.metadata["nbgrader"]["grade_id"] for c in load(path).cells
                     if c.metadata.get("nbgrader", {}).get("solution")
                     and not c.metadata["nbgrader"]["grade_id"].startswith("predict_")]
        total += len(exercises)
        for grade_id in exercises:
            named = grade_id.replace("simsiam_by_hand", "simsiam_by_hand`")
            assert f"`{named}" in row, f"INSTRUCTORS.md's row {path.name[:2]} misses the exercise {grade_id}"
        for cell in load(path).cells:  # an exercise the text marks as a warm-up is marked in the table too
            found = re.search(r"\*\*Exercise (\d)\*\* \(a warm-up", cell.source) if cell.cell_type == "markdown" else None
            if found:
                assert int(found.group(1)) <= len(exercises)
                assert f"`{exercises[int(found.group(1)) - 1]}` (warm-up" in row, (path.name, found.group(0))
                assert found.group(1) == "1", f"{path.name}: a warm-up is a notebook's first exercise, at most one"
                warmups += 1
        assert row.count("(warm-up") <= 1, f"INSTRUCTORS.md's row {path.name[:2]} marks more than one warm-up"
    assert f"({total} in all)" in page
    assert f"{['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'][warmups]} in all" in page


def _fill_blanks(student_source: str, source: str) -> str:
    """The student cell with each ``# YOUR CODE HERE`` blank replaced by the source cell's solution block."""
    blocks = re.findall(rf"^[ \t]*{re.escape(BEGIN)}[^\n]*\n(.*?)\n^[ \t]*{re.escape(END)}[^\n]*$", source, re.M | re.S)
    pieces = re.split(r"^[ \t]*# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)$", student_source, flags=re.M)
    assert len(pieces) == len(blocks) + 1, "a blank in the student copy without its solution block, or the reverse"
    return "".join(piece + block for piece, block in zip(pieces, blocks + [""]))


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_each_student_copy_with_its_solutions_filled_in_is_the_notebook_nbval_runs(path):
    """Filled in, the committed student copy's code is the solutions notebook's, cell for cell, less the
    solution markers: the README's test command, which runs every notebook top to bottom, runs it."""
    student, source = load(NOTEBOOKS.parent / "student" / path.name), load(path)
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in source.cells]
    drop_markers = lambda text: re.sub(rf"^[ \t]*({re.escape(BEGIN)}|{re.escape(END)})[^\n]*\n?", "", text, flags=re.M).rstrip("\n")
    filled = 0
    for student_cell, source_cell in zip(student.cells, source.cells):
        if student_cell.cell_type != "code":
            continue
        if "# YOUR CODE HERE" in student_cell.source:
            filled += 1
        assert drop_markers(_fill_blanks(student_cell.source, source_cell.source)) == drop_markers(source_cell.source), \
            f"student/{path.name}: a code cell differs from the notebook's once filled in:\n{student_cell.source[:300]}"
    assert filled == sum(BEGIN in c.source for c in source.cells if c.cell_type == "code")
