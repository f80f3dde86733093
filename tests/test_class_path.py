"""The class path, with nbgrader itself: ``generate_assignment`` from the course's notebook, then three
submissions autograded as a class would be: the solutions (full marks), the blank release (zero) and
the solutions with one wrong answer, a wrong prediction (partial marks: a wrong prediction prints to
stderr, which nbgrader scores zero, and the notebook goes on).

Notebooks 01 and 03 are graded: the CI budget holds them executed three times each. (07's autograde of the
wrong submission hangs under pytest, though the same nbgrader command run by hand grades it: not yet found.)"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GRADED = {"01_contrastive_learning": ("predict_temperature", 'prediction = "rise"', 'prediction = "fall"'),
          "03_simsiam": ("predict_spread", 'prediction = "SimSiam"', 'prediction = "no predictor"')}

pytestmark = pytest.mark.slow


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    # nbgrader runs its database migrations with the `alembic` command of its own environment
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    # the log goes to a file, not a pipe: the kernels nbgrader starts inherit its output streams
    with open(course / "nbgrader.log", "w+") as log:
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course, env=env,
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=900)
        log.seek(0)
        assert done.returncode == 0, log.read()[-3000:]
    return done


@pytest.mark.parametrize("name", sorted(GRADED))
def test_nbgrader_generates_the_student_copy_and_grades_full_zero_and_partial(tmp_path, name):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    (course / "source" / "ps").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "ssl_course"\n'
                                              "c.ExecutePreprocessor.timeout = 600\n")
    shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", course / "source" / "ps")
    _nbgrader(course, "generate_assignment", "ps")
    release = nbformat.read(course / "release" / "ps" / f"{name}.ipynb", as_version=4)
    # the committed student copy is what nbgrader releases
    student = nbformat.read(ROOT / "student" / f"{name}.ipynb", as_version=4)
    assert [c.source for c in release.cells] == [c.source for c in student.cells]

    solutions = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    wrong = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    grade_id, right, wrong_answer = GRADED[name]
    cell = next(c for c in wrong.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    assert right in cell.source
    cell.source = cell.source.replace(right, wrong_answer)
    for student_id, notebook in (("solutions", solutions), ("blank", release), ("wrong", wrong)):
        folder = course / "submitted" / student_id / "ps"
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{name}.ipynb")
    _nbgrader(course, "autograde", "ps")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {student_id: gradebook.find_submission_notebook(name, "ps", student_id)
                  for student_id in ("solutions", "blank", "wrong")}
        full = scores["solutions"].max_score
        lost = {s: sorted(g.name for g in nb.grades if g.score != g.max_score) for s, nb in scores.items()}
        assert full >= 4 and scores["solutions"].score == full, lost["solutions"]
        assert scores["blank"].score == 0, lost["blank"]
        assert lost["wrong"] == [f"judge_{grade_id}"] and scores["wrong"].score == full - 1
