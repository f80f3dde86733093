"""How long making the two views takes, and a whole training step, with each batched augmentation.

For each ``augment`` of ``TrainConfig`` ("torch": plain tensor operations; "kornia": kornia's
modules), in one process on one device: the median time of making two views of a batch, and of
the trainer's whole step (views, forward, backward, optimiser) on the method's preset. Prints one
JSON line with both and the ratios kornia / torch.

    python benchmarks/augment_speed.py                       # SimSiam's CPU preset: batch 128, 20-px views
    python benchmarks/augment_speed.py --method byol --repeats 50
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import torch

from ssl_course.augment import BATCH_AUGMENTS
from ssl_course.methods import METHODS
from ssl_course.presets import preset
from ssl_course.train import Run


def median_ms(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * sorted(times)[len(times) // 2]


def measure(config, repeats: int) -> dict:
    """Median ms of two views, and of one whole step, for ``config``'s augmentation."""
    run = Run(config, None)
    images = run.data.images[: config.batch_size]
    views_ms = median_ms(lambda: run.data.augment(images), repeats)
    batches = run.data.views(0, 0)

    def step():
        run.train_step(*next(batches), epoch=0)

    return {"views_ms": round(views_ms, 2), "step_ms": round(median_ms(step, repeats), 2)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="simsiam", choices=list(METHODS))
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=None, help="default: the preset's")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    config = preset(args.method, out=None, final_eval=False, progress=False, device="cpu",
                    **({"batch_size": args.batch_size} if args.batch_size else {}))
    result = {"method": args.method, "batch_size": config.batch_size, "view_size": config.view_size,
              "threads": torch.get_num_threads()}
    for name in BATCH_AUGMENTS:
        for key, value in measure(dataclasses.replace(config, augment=name), args.repeats).items():
            result[f"{name}_{key}"] = value
    result["views_kornia_over_torch"] = round(result["kornia_views_ms"] / result["torch_views_ms"], 2)
    result["step_kornia_over_torch"] = round(result["kornia_step_ms"] / result["torch_step_ms"], 2)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
