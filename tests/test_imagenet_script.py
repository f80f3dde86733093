"""scripts/train_imagenet.py under torchrun: 2 CPU processes (gloo) on a fake ImageFolder of JPEGs."""
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from fake_data import write_imagefolder
from ssl_course import distributed
from ssl_course.checkpoint import load_checkpoint
from ssl_course.data.training import EpochBatchSampler, epoch_order

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "train_imagenet.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(*args, nproc=2):
    command = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1",
               f"--master_port={free_port()}", str(SCRIPT), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def imagefolder(tmp_path_factory):
    root = tmp_path_factory.mktemp("imagenet")
    write_imagefolder(root, per_class=8, size=48, split="train")
    write_imagefolder(root, per_class=2, size=48, split="val", seed=1)
    return root


def common(data, out, steps):
    return ["--data", str(data), "--method", "simsiam", "--backbone", "convnet", "--batch-size", "4", "--epochs", "2",
            "--max-steps", str(steps), "--workers", "0", "--device", "cpu", "--out", str(out), "--warmup-epochs", "0",
            "--checkpoint-every", "1", "--no-eval", "--json", "--proj-hidden-dim", "64", "--proj-dim", "32",
            "--pred-hidden-dim", "16"]


@pytest.mark.slow
def test_two_ranks_train_checkpoint_and_resume_exactly(imagefolder, tmp_path):
    straight = torchrun(*common(imagefolder, tmp_path / "straight", 4))
    assert straight.returncode == 0, straight.stderr[-3000:]
    summary = json.loads(straight.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 4 and -1 <= summary["loss"] <= 1  # SimSiam's loss range (NaN fails too)
    rows = [json.loads(line) for line in (tmp_path / "straight" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4] and all(abs(r["loss"]) <= 1 for r in rows)
    checkpoint = load_checkpoint(tmp_path / "straight" / "last.pt")
    assert checkpoint["step"] == 4 and len(checkpoint["rng_per_rank"]) == 2

    first = torchrun(*common(imagefolder, tmp_path / "resumed", 2))
    assert first.returncode == 0, first.stderr[-3000:]
    second = torchrun(*common(imagefolder, tmp_path / "resumed", 4), "--resume")
    assert second.returncode == 0, second.stderr[-3000:]
    resumed = load_checkpoint(tmp_path / "resumed" / "last.pt")
    assert resumed["step"] == 4
    for name, value in checkpoint["model"].items():
        assert torch.equal(value, resumed["model"][name]), name


def script_config(*flags):
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_imagenet", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.imagenet_config(module.build_parser().parse_args(["--data", "/data/imagenet", *flags]))


def test_script_defaults_are_the_imagenet_preset_and_a_flag_changes_only_its_field():
    from dataclasses import replace

    from ssl_course.presets import imagenet_preset

    expected = imagenet_preset("byol", data_dir="/data/imagenet")
    assert script_config() == expected
    assert (expected.backbone, expected.epochs, expected.batch_size, expected.lr) == ("resnet50", 60, 256, 0.05)
    assert (expected.proj_hidden_dim, expected.proj_dim, expected.pred_hidden_dim) == (4096, 256, 4096)  # BYOL's heads
    changed = script_config("--method", "simsiam", "--lr", "0.3", "--optimizer", "lars", "--workers", "2", "--no-eval", "--json")
    assert changed == replace(imagenet_preset("simsiam", data_dir="/data/imagenet"), lr=0.3, optimizer="lars",
                              num_workers=2, final_eval=False, progress=False)


def test_ranks_see_disjoint_halves_of_every_batch():
    order = epoch_order(16, seed=0, epoch=3)
    batches = [list(EpochBatchSampler(order, 8, 0, rank, 2)) for rank in (0, 1)]
    for part0, part1, start in zip(*batches, range(0, 16, 8)):
        assert len(part0) == len(part1) == 4 and not set(part0) & set(part1)
        assert sorted(part0 + part1) == sorted(order[start : start + 8].tolist())


@pytest.mark.slow
def test_user_errors_are_one_line_exit_2(tmp_path, monkeypatch):
    missing = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path / "none")], capture_output=True,
                             text=True, timeout=120, cwd=ROOT)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "no data folder" in missing.stderr
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="not divisible by the world size"):
        distributed.setup(batch_size=5)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="nccl backend needs CUDA"):
            distributed.setup(batch_size=4, backend="nccl")
