"""How much a DirectPred / DirectCopy update adds to a training step.

Times, on one device, (a) a full SimSiam training step with a linear predictor
(augment two views, forward, backward, SGD step) and (b) ``DirectPredictor.update``
on that step's projections (running correlation + float64 eigh + the new weight),
and prints one JSON line with the ratio b / a per mode and ``freq``. Target: <= 5 %.

    python benchmarks/directpred_overhead.py                     # CPU, ConvNet, batch 128
    python benchmarks/directpred_overhead.py --device cuda --backbone resnet18 --batch-size 512
"""
from __future__ import annotations

import dataclasses
import argparse
import json
import time

import torch


def timed(fn, repeats: int, device: torch.device) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls, after two warm-up calls."""
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    from ssl_course.augment import BatchTwoViewAugment
    from ssl_course.data import dataset_spec, dataset_tensors
    from ssl_course.methods import MethodConfig, build_method
    from ssl_course.models import build_backbone
    from ssl_course.predictors import DirectPredictor
    from ssl_course.presets import preset
    from ssl_course.devices import pick_device
    from ssl_course.optim import build_optimizer
    from ssl_course.precision import autocast, resolve_precision
    from ssl_course.train import optimizer_step

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--backbone", default="convnet")
    recipe = preset("simsiam")  # the CPU preset's sizes (ssl_course.presets)
    parser.add_argument("--width", type=int, default=recipe.width)
    parser.add_argument("--batch-size", type=int, default=recipe.batch_size)
    parser.add_argument("--proj-dim", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    device = pick_device(args.device)
    torch.manual_seed(0)
    spec = dataset_spec("shapes")
    (images, _), _ = dataset_tensors("shapes")
    batch = images[: args.batch_size].to(device)
    augment = BatchTwoViewAugment(spec.image_size, spec.mean, spec.std).to(device)
    backbone = build_backbone(args.backbone, spec.image_size, width=args.width, mean=spec.mean, std=spec.std)
    method = build_method("simsiam", backbone, MethodConfig(predictor="linear", proj_dim=args.proj_dim)).to(device)
    optimizer = build_optimizer(method, dataclasses.replace(recipe, batch_size=args.batch_size), device)  # the trainer's
    outputs = {}

    def step():  # the trainer's own step (a linear head learned by SGD: no post-step update)
        view1, view2 = augment(batch)
        out = optimizer_step(method, method.training_step, optimizer, view1, view2, 0, 1,
                             autocast=autocast(resolve_precision("auto", device), device))
        outputs["z"] = torch.cat([out.z1, out.z2]).float()

    step_seconds = timed(step, args.repeats, device)
    report = {"device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
              "threads": torch.get_num_threads(), "backbone": args.backbone, "batch_size": args.batch_size,
              "proj_dim": args.proj_dim, "step_ms": round(1000 * step_seconds, 2)}
    for mode in DirectPredictor.MODES:
        for freq in (1, 5):
            head = DirectPredictor(args.proj_dim, freq=freq, mode=mode).to(device)

            def update():
                for _ in range(freq):  # freq calls = one weight recomputation, amortised below
                    head.update(outputs["z"])

            seconds = timed(update, args.repeats, device) / freq
            report[f"{mode}_freq{freq}_ms"] = round(1000 * seconds, 3)
            report[f"{mode}_freq{freq}_overhead"] = round(seconds / step_seconds, 4)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
