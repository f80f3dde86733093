"""The training loop: exact resume, crash safety, divergence, and the CLI's user errors."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from ssl_course.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ssl_course.cli import main
from ssl_course.train import TrainConfig, TrainingDiverged, lr_at, train

TINY = dict(dataset="shapes", width=8, batch_size=32, train_subset=256, epochs=2, proj_hidden_dim=64,
            proj_dim=32, progress=False, final_eval=False, log_every=2)


@pytest.mark.parametrize("method", ["simsiam", "byol"])
def test_resume_is_exact(tmp_path, method):
    k = 6
    straight = train(TrainConfig(method=method, out=str(tmp_path / "a"), max_steps=2 * k, **TINY))
    train(TrainConfig(method=method, out=str(tmp_path / "b"), max_steps=k, **TINY))
    resumed = train(TrainConfig(method=method, out=str(tmp_path / "b"), max_steps=2 * k, **TINY), resume=True)
    assert resumed.steps == straight.steps == 2 * k
    a, b = straight.method.state_dict(), resumed.method.state_dict()
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    rows = [json.loads(line) for line in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 2 * k + 1))


def test_lr_schedule_warmup_and_cosine():
    assert lr_at(0, 100, 10, 1.0) == pytest.approx(0.1)
    assert lr_at(9, 100, 10, 1.0) == pytest.approx(1.0)
    assert lr_at(55, 100, 10, 1.0) == pytest.approx(0.5)
    assert lr_at(100, 100, 10, 1.0) == pytest.approx(0.0, abs=1e-12)


def test_checkpoint_is_atomic_and_safe(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint({"step": 1}, path)
    assert load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # no temporary left behind
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(path)
    torch.save({"weights": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="not an ssl_course checkpoint"):
        load_checkpoint(path)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    from ssl_course.methods.simsiam import SimSiam

    calls = {"n": 0}
    original = SimSiam.loss_fn

    def poisoned(self, p, z):
        calls["n"] += 1
        loss = original(self, p, z)
        return loss * float("nan") if calls["n"] > 10 else loss  # two loss terms per step: NaN from step 6

    monkeypatch.setattr(SimSiam, "loss_fn", poisoned)
    with pytest.raises(TrainingDiverged, match="at step 5.*last good checkpoint"):
        train(TrainConfig(method="simsiam", out=str(tmp_path), checkpoint_every=2, **TINY))
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 4


def test_existing_run_is_not_overwritten(tmp_path):
    train(TrainConfig(method="simclr", out=str(tmp_path), max_steps=1, **TINY))
    with pytest.raises(ValueError, match="already holds a run"):
        train(TrainConfig(method="simclr", out=str(tmp_path), max_steps=1, **TINY))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "ssl_course.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, expected", [
    (["train", "--method", "moco"], "invalid choice: 'moco'"),
    (["train", "--method", "simsiam", "--dataset", "mnist"], "invalid choice: 'mnist'"),
    (["train", "--method", "simsiam", "--batch-size", "1"], "BatchNorm"),
    (["train", "--method", "simsiam", "--dataset", "cifar10", "--data-dir", "/nonexistent"], "cifar-10-batches-py"),
    (["eval", "--checkpoint", "/nonexistent/last.pt"], "no checkpoint at"),
    (["train", "--method", "byol", "--no-stop-grad"], "switch the EMA off"),
    (["train", "--method", "simsiam", "--device", "cpu", "--gpu-aug"], "--gpu-aug needs a CUDA GPU"),
])
def test_cli_user_errors_exit_2_with_one_line(args, expected, capsys):
    assert main(args) == 2  # in-process: the subprocess plumbing is tested once, below
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if not line.startswith("note: training on the CPU")]
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in err


@pytest.mark.slow
def test_cli_user_error_in_a_subprocess_is_one_line_exit_2():
    result = _cli("train", "--method", "moco")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1
    assert lines[0].startswith("ssl-course: error: argument --method: invalid choice: 'moco'")


@pytest.mark.slow
def test_cli_train_json_then_eval(tmp_path):
    out = tmp_path / "run"
    result = _cli("train", "--method", "simclr", "--epochs", "1", "--max-steps", "3", "--batch-size", "64",
                  "--width", "8", "--out", str(out), "--json", "--no-progress", "--no-baseline")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"knn", "loss", "std_of_normalized", "effective_rank", "steps", "seconds"} <= summary.keys()
    assert summary["steps"] == 3 and 0.0 <= summary["knn"] <= 1.0
    result = _cli("eval", "--checkpoint", str(out / "last.pt"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["knn"] == pytest.approx(summary["knn"]) and 0.0 <= report["linear_probe"] <= 1.0


@pytest.mark.slow
def test_kill_9_mid_training_then_resume(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--method", "simsiam", "--epochs", "3", "--batch-size", "64", "--width", "8",
            "--checkpoint-every", "5", "--out", str(out), "--no-progress", "--json"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ssl_course.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "last.pt").exists():
        time.sleep(0.2)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = load_checkpoint(out / "last.pt")["step"]
    assert 5 <= killed_at < 3 * (10_000 // 64) and killed_at % 5 == 0
    result = _cli(*args, "--resume", "--max-steps", str(killed_at + 5), "--no-final-eval")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["steps"] == killed_at + 5
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == list(range(1, killed_at + 6))


def test_stl10_trains_on_unlabeled_and_evaluates_on_labelled_images(tmp_path):
    from fake_data import write_stl10

    write_stl10(tmp_path)  # 3 train, 3 test, 3 unlabeled images (label -1)
    result = train(TrainConfig(method="byol", dataset="stl10", data_dir=str(tmp_path), batch_size=6, width=8, epochs=1,
                               out=None, progress=False, knn_k=2))
    assert result.steps == 1  # 6 train+unlabeled images, one batch
    from ssl_course.data import dataset_tensors
    from ssl_course.evaluation import evaluate_backbone

    (train_x, train_y), test = dataset_tensors("stl10", root=str(tmp_path))
    assert len(train_y) == 3 and bool((train_y >= 0).all())  # the reference set: the labelled images only
    assert result.knn == evaluate_backbone(result.method.backbone, (train_x, train_y), test, k=2)["knn"]


def test_views_made_on_the_cpu_train_the_same_as_on_the_training_device(tmp_path):
    """gpu_aug=False (views made on the CPU, then copied) is the same computation on a CPU run."""
    runs = [train(TrainConfig(method="simsiam", out=str(tmp_path / str(flag)), max_steps=2, gpu_aug=flag, **TINY))
            for flag in (None, False)]
    for a, b in zip(runs[0].method.state_dict().values(), runs[1].method.state_dict().values()):
        assert torch.equal(a, b)


def test_result_reports_probe_and_the_untrained_network(tmp_path):
    from ssl_course.data import dataset_tensors
    from ssl_course.evaluation import evaluate_backbone
    from ssl_course.build import build_from_config

    # digits: a small labelled set, so the bookkeeping is checked without a full evaluation of shapes
    config = TrainConfig(method="byol", dataset="digits", max_steps=3, batch_size=32, width=4, seed=3, out=None,
                         progress=False)
    result = train(config)
    # the reference: the same architecture built from the same seed, never trained
    torch.manual_seed(3)
    untrained = build_from_config(config, 32).backbone
    expected = evaluate_backbone(untrained, *dataset_tensors("digits"), probe=True)
    assert result.random_init_knn == expected["knn"]
    assert result.random_init_probe == pytest.approx(expected["linear_probe"])
    trained = evaluate_backbone(result.method.backbone, *dataset_tensors("digits"), probe=True)
    assert result.knn == trained["knn"] and result.linear_probe == pytest.approx(trained["linear_probe"])
    assert result.knn != result.random_init_knn  # three steps moved the weights
    summary = result.summary()
    assert {"random_init_knn", "random_init_probe", "linear_probe"} <= set(summary)


def test_out_none_writes_nothing(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # any temp folder would land here
    monkeypatch.chdir(tmp_path)
    result = train(TrainConfig(max_steps=2, batch_size=16, width=4, out=None, progress=False, final_eval=False))
    assert result.out is None and result.steps == 2 and list(tmp_path.iterdir()) == []


def test_checkpoint_every_zero_saves_only_at_the_end(tmp_path):
    config = TrainConfig(max_steps=3, batch_size=16, width=4, out=str(tmp_path / "run"), progress=False,
                         final_eval=False, checkpoint_every=0)
    train(config)
    assert load_checkpoint(tmp_path / "run" / "last.pt")["step"] == 3


def test_collapse_monitor_warns_once_at_the_first_collapsed_measurement(capsys):
    ranks = iter([20.0, 20.0, 3.0, 2.0, 30.0, 30.0])  # measured at steps 2, 4, 6, 8, 10, 12 (log_every=2)
    result = train(TrainConfig(method="simsiam", out=None, max_steps=12, **TINY), effective_rank=lambda z: next(ranks))
    err = capsys.readouterr().err
    assert result.collapse_step == 6 and not result.collapsed  # recovered by the last measurement
    assert err.count("looks collapsed") == 1 and "at step 6" in err and "effective rank 3.0" in err


@pytest.mark.parametrize("std, rank, dim, expected", [
    (0.088, 37.7, 128, False),  # SimSiam on shapes
    (0.086, 4.9, 128, True),  # dimensional collapse: rank under 5
    (0.086, 5.0, 128, False),
    (0.2 / 128 ** 0.5 - 1e-6, 60.0, 128, True),  # complete collapse: std under a fifth of 1/sqrt(d)
    (0.3, 2.9, 12, True),  # small d: the rank bound is d / 4 = 3
    (0.3, 3.0, 12, False),
])
def test_looks_collapsed_thresholds(std, rank, dim, expected):
    from ssl_course.metrics import looks_collapsed

    assert looks_collapsed(std, rank, dim) is expected
