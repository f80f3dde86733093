"""Mixed precision: which device gets which arithmetic, fp16's gradient scaler (a skipped step, its state
through a checkpoint), and the flag that chooses."""
import pytest
import torch

from ssl_course.build import build_from_config
from ssl_course.checkpoint import load_checkpoint
from ssl_course.cli import main
from ssl_course.optim import build_optimizer
from ssl_course.precision import auto_precision, autocast, grad_scaler, resolve_precision
from ssl_course.train import TrainConfig, optimizer_step, train

TINY = dict(dataset="shapes", width=4, batch_size=16, train_subset=128, epochs=2, proj_hidden_dim=32,
            proj_dim=16, pred_hidden_dim=8, progress=False, final_eval=False, log_every=2, device="cpu")


@pytest.mark.parametrize("device_type, capability, expected", [
    ("cuda", (7, 5), "fp16"),  # T4, the free Colab GPU: fp16 tensor cores, no bf16
    ("cuda", (7, 0), "fp16"),  # V100
    ("cuda", (8, 0), "bf16"),  # A100
    ("cuda", (8, 9), "bf16"),  # L4
    ("cuda", (9, 0), "bf16"),  # H100
    ("cuda", (6, 0), "fp32"),  # P100: no tensor cores
    ("cpu", None, "fp32"),
    ("mps", None, "fp32"),
])
def test_each_device_gets_its_precision(device_type, capability, expected):
    assert auto_precision(device_type, capability) == expected


def test_an_explicit_precision_is_kept_and_a_wrong_one_is_one_clear_error():
    cpu = torch.device("cpu")
    assert [resolve_precision(p, cpu) for p in ("auto", "fp32", "bf16", "fp16")] == ["fp32", "fp32", "bf16", "fp16"]
    with pytest.raises(ValueError, match="unknown precision 'fp8'; valid: auto, fp32, bf16, fp16"):
        resolve_precision("fp8", cpu)
    assert grad_scaler("bf16", cpu) is None and grad_scaler("fp16", cpu).is_enabled()


def _tiny_method():
    config = TrainConfig(method="simsiam", **TINY)
    torch.manual_seed(0)
    method = build_from_config(config, 32)
    return config, method, build_optimizer(method, config, torch.device("cpu"))


def test_fp16_skips_the_step_whose_gradient_overflowed_and_halves_the_scale():
    config, method, optimizer = _tiny_method()
    cpu = torch.device("cpu")
    scaler = grad_scaler("fp16", cpu)
    views = torch.randn(2, 16, 3, 20, 20)
    before = {k: v.clone() for k, v in method.state_dict().items() if "weight" in k}
    scale = scaler.get_scale()
    hook = next(method.backbone.parameters()).register_hook(lambda g: g * float("inf"))
    optimizer_step(method, method.training_step, optimizer, views[0], views[1], 0, 10, autocast=autocast("fp16", cpu),
                   scaler=scaler)
    assert all(torch.equal(before[k], v) for k, v in method.state_dict().items() if k in before)  # skipped
    assert scaler.get_scale() == scale / 2
    hook.remove()
    optimizer_step(method, method.training_step, optimizer, views[0], views[1], 1, 10, autocast=autocast("fp16", cpu),
                   scaler=scaler)
    assert any(not torch.equal(before[k], v) for k, v in method.state_dict().items() if k in before)  # taken
    assert scaler.get_scale() == scale / 2  # no growth before growth_interval good steps


def test_an_fp16_run_resumes_exactly_with_its_scaler(tmp_path):
    def run(folder, steps, resume=False):
        return train(TrainConfig(method="simsiam", precision="fp16", out=str(tmp_path / folder), max_steps=steps, **TINY),
                     resume=resume)

    straight = run("a", 6)
    run("b", 3)
    resumed = run("b", 6, resume=True)
    assert resumed.steps == straight.steps == 6
    a, b = straight.method.state_dict(), resumed.method.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert load_checkpoint(tmp_path / "b" / "last.pt")["scaler"] == load_checkpoint(tmp_path / "a" / "last.pt")["scaler"]
    # the scaler's state is read back, not started afresh: a scale set in the checkpoint carries on
    run("c", 3)
    checkpoint = load_checkpoint(tmp_path / "c" / "last.pt")
    assert checkpoint["config"]["precision"] == "fp16" and checkpoint["scaler"]["scale"] > 1024.0
    checkpoint["scaler"].update(scale=1024.0, _growth_tracker=7)
    torch.save(checkpoint, tmp_path / "c" / "last.pt")
    run("c", 6, resume=True)
    state = load_checkpoint(tmp_path / "c" / "last.pt")["scaler"]
    assert (state["scale"], state["_growth_tracker"]) == (1024.0, 10)


def test_fp32_checkpoints_carry_no_scaler(tmp_path):
    train(TrainConfig(method="byol", out=str(tmp_path), max_steps=1, **TINY))
    assert load_checkpoint(tmp_path / "last.pt")["scaler"] is None


def test_the_cli_takes_a_precision_and_rejects_an_unknown_one(capsys):
    assert main(["train", "--method", "simsiam", "--precision", "fp8"]) == 2
    assert "fp8" in capsys.readouterr().err
