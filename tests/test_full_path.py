"""The GPU path, run on the CPU: every FULL entry point end to end, the recipe shrunk by one setting.

``SSL_COURSE_TRIAL=1`` keeps each FULL (and ImageNet) recipe's model, data and code path and only
stops it after a few steps of a small batch (``ssl_course.presets.TRIAL``). The data is a small
CIFAR-10 in its real on-disk format, where the FULL preset looks for it (``data/`` of the working
folder), and a small ImageFolder of JPEGs for the ImageNet script.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from fake_data import write_cifar10, write_imagefolder
from ssl_course.checkpoint import load_checkpoint
from ssl_course.cli import main
from ssl_course.presets import TRIAL, TRIAL_ENV

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FULL_NOTEBOOKS = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
                        if "\nFULL = False" in "\n".join(c.source for c in nbformat.read(p, as_version=4).cells))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A working folder whose data/ holds CIFAR-10 as the FULL preset expects it: 160 training, 32 test images."""
    root = tmp_path_factory.mktemp("full")
    write_cifar10(root / "data", n_per_batch=32)
    return root


@pytest.fixture
def trial(workdir, monkeypatch):
    monkeypatch.setenv(TRIAL_ENV, "1")
    monkeypatch.chdir(workdir)
    return workdir


def test_six_notebooks_have_a_full_switch():
    assert [p.stem[:2] for p in FULL_NOTEBOOKS] == ["01", "02", "03", "06", "07", "08"]


def test_every_notebook_runs_end_to_end_with_full_true(trial):
    """The six notebooks as a learner gets them, ``FULL = True`` set, run one after another in one kernel
    (``%reset -f`` between them) from a folder whose data/ holds the small CIFAR-10: no cell may fail,
    and each notebook's runs go through the FULL preset (run_config's "FULL:" line)."""
    combined, segments = nbformat.v4.new_notebook(), []
    for path in FULL_NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        switch = next(c for c in nb.cells if c.cell_type == "code" and "\nFULL = False" in "\n" + c.source)
        switch.source = switch.source.replace("FULL = False", "FULL = True", 1)
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        start = len(combined.cells)
        combined.cells += [c for c in nb.cells if c.cell_type == "code"]
        segments.append((path.stem, start, len(combined.cells)))
    client = NotebookClient(combined, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(trial)}})
    client.execute()
    for name, start, end in segments:
        cells = combined.cells[start:end]
        errors = [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(cells) for o in c.outputs if o.output_type == "error"]
        assert errors == [], f"{name} with FULL = True: {errors[0]}"
        text = "".join(o.get("text", "") for c in cells for o in c.outputs if o.output_type == "stream")
        assert "FULL: " in text, f"{name}: no run went through the FULL preset"


def test_cli_full_trains_resumes_and_evaluates(trial, capsys):
    out = trial / "runs" / "cli"
    assert main(["train", "--method", "simsiam", "--full", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["dataset"] == "cifar10" and summary["steps"] == TRIAL["max_steps"]
    assert 0 <= summary["knn"] <= 1 and -1 <= summary["loss"] <= 1
    checkpoint = load_checkpoint(out / "last.pt")
    assert checkpoint["config"]["backbone"] == "resnet18" and checkpoint["config"]["batch_size"] == TRIAL["batch_size"]
    # the trial's checkpoint, resumed for one more step (max_steps is a runtime field)
    assert main(["train", "--method", "simsiam", "--full", "--out", str(out), "--resume", "--max-steps", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["steps"] == 3
    assert main(["eval", "--checkpoint", str(out / "last.pt"), "--data-dir", str(trial / "data"), "--json"]) == 0
    assert 0 <= json.loads(capsys.readouterr().out.strip().splitlines()[-1])["knn"] <= 1


def test_reference_runs_full_train_the_study_and_the_comparisons(trial):
    refs = trial / "refs"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "reference_runs.py"), "--full", "--seeds", "0",
                           "--runs", "simsiam", "byol", "data-w16-n128", "stream-w16-continual", "--out", str(refs)],
                          capture_output=True, text=True, timeout=600, cwd=trial, env={**os.environ, TRIAL_ENV: "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("simsiam", "byol", "data-w16-n128", "stream-w16-continual"):
        summary = json.loads((refs / f"{name}-s0" / "summary.json").read_text())
        assert summary["config"]["dataset"] == "cifar10" and summary["config"]["backbone"] == "resnet18", name
        assert summary["steps"] == TRIAL["max_steps"] and 0 <= summary["knn"] <= 1, name
    assert json.loads((refs / "data-w16-n128-s0" / "summary.json").read_text())["config"]["train_subset"] == 128


def test_imagenet_script_runs_its_own_recipe_under_torchrun(tmp_path):
    """The ImageNet preset as it is (ResNet-50, 224-px views, SimSiam's ImageNet heads), two gloo ranks."""
    from test_imagenet_script import free_port

    write_imagefolder(tmp_path, per_class=8, size=48, split="train")
    write_imagefolder(tmp_path, per_class=2, size=48, split="val", seed=1)
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
               f"--master_port={free_port()}", str(ROOT / "scripts" / "train_imagenet.py"), "--data", str(tmp_path),
               "--method", "simsiam", "--device", "cpu", "--workers", "0", "--out", str(tmp_path / "run"), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env={**os.environ, TRIAL_ENV: "1", "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["steps"] == TRIAL["max_steps"] and summary["dataset"] == "imagefolder" and 0 <= summary["knn"] <= 1
    assert load_checkpoint(tmp_path / "run" / "last.pt")["config"]["backbone"] == "resnet50"
