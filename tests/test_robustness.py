"""Faults a user meets: corrupt images, Ctrl-C / SIGTERM mid-run, a file as --out, a foreign pickle."""
import json
import os
import pickle
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.fake_data import write_imagefolder
from ssl_course.checkpoint import load_checkpoint
from ssl_course.data import load_dataset
from ssl_course.data.real import BadImagesError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "ssl_course.cli", *args], capture_output=True, text=True, timeout=timeout)


def _corrupt(path):
    """Keep the JPEG header and cut the rest, as a interrupted copy leaves it."""
    path.write_bytes(path.read_bytes()[:300])


def _folder_with_bad_files(root, per_class, bad):
    write_imagefolder(root, per_class=per_class)
    paths = sorted((root / "train").rglob("*.JPEG"))
    for path in paths[1: 1 + bad]:
        _corrupt(path)
    return paths


def test_a_corrupt_jpeg_is_skipped_logged_once_and_counted(tmp_path, capsys):
    paths = _folder_with_bad_files(tmp_path, per_class=10, bad=1)
    ds = load_dataset("imagefolder", "train", root=tmp_path)
    ds.max_bad_share = 0.1
    bad_index = 1  # sorted: cat_0, cat_1, ...
    image, label = ds[bad_index]
    assert torch.equal(image, ds[bad_index + 1][0]) and label == ds[bad_index + 1][1]  # the next sample stands in
    for i in range(len(ds)):
        ds[i]
    assert list(ds.bad) == [str(paths[1])]
    err = capsys.readouterr().err
    assert err.count("skipped unreadable image") == 1 and str(paths[1]) in err  # once, with its path


def test_strict_images_makes_one_bad_file_an_error(tmp_path):
    paths = _folder_with_bad_files(tmp_path, per_class=10, bad=1)
    ds = load_dataset("imagefolder", "train", root=tmp_path)
    ds.strict = True
    ds[0]
    with pytest.raises(BadImagesError, match=f"unreadable image {paths[1]}"):
        ds[1]


def test_more_than_a_small_share_of_bad_files_stops_naming_the_first_ones(tmp_path):
    paths = _folder_with_bad_files(tmp_path, per_class=10, bad=3)
    ds = load_dataset("imagefolder", "train", root=tmp_path)
    ds.max_bad_share = 0.1  # 2 of 20 allowed
    with pytest.raises(BadImagesError, match="3 unreadable images") as info:
        for i in range(len(ds)):
            ds[i]
    assert str(paths[1]) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.slow
def test_training_on_a_folder_with_a_corrupt_jpeg_goes_on_and_strict_stops(tmp_path):
    """120 images, 1 bad (under the 1 % limit): the run finishes; with --strict-images it stops in one line."""
    paths = _folder_with_bad_files(tmp_path / "data", per_class=60, bad=1)
    write_imagefolder(tmp_path / "data", per_class=5, split="val")
    args = ["train", "--method", "simsiam", "--dataset", "imagefolder", "--data-dir", str(tmp_path / "data"),
            "--batch-size", "16", "--width", "8", "--epochs", "1", "--no-progress", "--json"]
    result = _cli(*args, "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["steps"] == 120 // 16
    assert f"skipped unreadable image {paths[1]}" in result.stderr
    strict = _cli(*args, "--out", str(tmp_path / "strict"), "--strict-images")
    assert strict.returncode == 2
    errors = [line for line in strict.stderr.splitlines() if line.startswith("ssl-course: error:")]
    assert len(errors) == 1 and str(paths[1]) in errors[0] and "Traceback" not in strict.stderr


SIGNAL_RUN = ["train", "--method", "simsiam", "--epochs", "3", "--batch-size", "64", "--width", "8",
              "--checkpoint-every", "1000", "--no-progress", "--json"]


def _interrupt(out, signum, code):
    """Start a run, let it log 8 steps, send ``signum``; return the step of the checkpoint it wrote."""
    proc = subprocess.Popen([sys.executable, "-m", "ssl_course.cli", *SIGNAL_RUN, "--out", str(out)],
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    metrics, deadline = out / "metrics.jsonl", time.time() + 120
    while time.time() < deadline and not (metrics.exists() and len(metrics.read_text().splitlines()) >= 8):
        time.sleep(0.1)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    step = load_checkpoint(out / "last.pt")["step"]  # no checkpoint was due before step 1000
    assert 8 <= step < 1000 and f"checkpoint at step {step}" in stderr
    assert len(stderr.strip().splitlines()) <= 2  # the CPU note and our line, no traceback
    assert len(metrics.read_text().splitlines()) == step
    return step


def test_sigterm_mid_step_finishes_the_step_then_checkpoints_it(tmp_path, monkeypatch):
    """In-process: SIGTERM arrives inside step 5's loss; the run saves at step 5 and says so (exit code 143)."""
    from ssl_course.methods.simsiam import SimSiam
    from ssl_course.train import TrainConfig, TrainingInterrupted, train

    calls, original = {"n": 0}, SimSiam.loss_fn

    def loss_then_signal(self, p, z):
        calls["n"] += 1
        if calls["n"] == 9:  # two loss terms per step: the first term of step 5
            os.kill(os.getpid(), signal.SIGTERM)
        return original(self, p, z)

    monkeypatch.setattr(SimSiam, "loss_fn", loss_then_signal)
    config = TrainConfig(method="simsiam", dataset="shapes", width=8, batch_size=32, train_subset=256, epochs=2,
                         proj_hidden_dim=64, proj_dim=32, progress=False, final_eval=False, log_every=2,
                         checkpoint_every=1000, out=str(tmp_path))
    with pytest.raises(TrainingInterrupted) as info:
        train(config)
    assert info.value.step == 5 and info.value.exit_code == 143 and "SIGTERM" in str(info.value)
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 5
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is gone after the run


@pytest.mark.slow
def test_ctrl_c_writes_a_checkpoint_at_the_current_step_and_resume_is_exact(tmp_path):
    out = tmp_path / "run"
    step = _interrupt(out, signal.SIGINT, 130)
    # the weights are compared, not scored: no final evaluation
    resumed = _cli(*SIGNAL_RUN, "--out", str(out), "--resume", "--max-steps", str(step + 4), "--no-final-eval")
    straight = _cli(*SIGNAL_RUN, "--out", str(tmp_path / "straight"), "--max-steps", str(step + 4), "--no-final-eval")
    assert resumed.returncode == 0 and straight.returncode == 0, resumed.stderr + straight.stderr
    a = load_checkpoint(out / "last.pt")["model"]
    b = load_checkpoint(tmp_path / "straight" / "last.pt")["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_out_naming_a_file_is_one_line_exit_2(tmp_path):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    result = _cli("train", "--method", "simsiam", "--max-steps", "1", "--out", str(existing))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is a file, not a folder" in lines[0]
    assert existing.read_text() == "keep me"  # nothing lost


def test_a_foreign_pickle_is_refused_with_just_our_line(tmp_path):
    path = tmp_path / "model.pkl"
    with open(path, "wb") as handle:
        pickle.dump({"weights": [1.0, 2.0], "loader": os.path.join}, handle, protocol=4)
    result = _cli("eval", "--checkpoint", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"ssl-course: error: {path} is not a readable checkpoint (it holds Python objects, not only tensors; "
        "such files are not loaded, for safety)"]
