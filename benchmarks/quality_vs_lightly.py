"""Training quality at the same wall-clock budget: our SimSiam against lightly's.

Both sides train the same ConvNet backbone (the CPU preset's width) on ``shapes``, from the
same views (the course's batch augmentation: crop, flip, colour jitter, grayscale), for the
same budget of seconds, and are scored by the same kNN (k = 200, the 10 000 labelled training
images against the 2 000 test images). What differs is everything a user of either library
would get:

* ours: ``ssl_course.train`` with the SimSiam CPU preset (``ssl_course.presets``);
* lightly: its ``SimSiamProjectionHead(d, 512, 128)``, ``SimSiamPredictionHead(128, 64, 128)``
  and ``NegativeCosineSimilarity``, trained with the hyperparameters of lightly's CIFAR-10
  benchmark for SimSiam (SGD, lr 0.06 per 128 images, momentum 0.9, weight decay 5e-4,
  cosine decay), in a plain PyTorch loop as in lightly's examples.

Each side plans its cosine schedule for the steps that fit the budget: it times its own first
steps, then runs ``min(recipe steps, budget / step time)`` steps, stopping at the budget in any
case. So neither is cut before its learning rate has decayed, and the faster side simply
gets more steps -- that is what "the same budget" means.

It prints a table and, last, one JSON line with ``ours_knn``, ``lightly_knn`` (means over the
seeds), their per-seed values and std, ``budget_s`` and ``seeds``:

    python benchmarks/quality_vs_lightly.py --seeds 3 --json benchmarks/results_quality_vs_lightly.json

Run it alone: two torch processes on 2 cores slow each other down.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

from ssl_course.data.training import steps_per_epoch
from ssl_course.presets import for_steps, preset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lightly_simsiam import lightly_step  # noqa: E402  (the step of lightly's examples, shared)

LIGHTLY_LR_PER_128 = 0.06  # lightly's CIFAR-10 benchmark: lr = 6e-2 * batch_size / 128
LIGHTLY_MOMENTUM, LIGHTLY_WEIGHT_DECAY = 0.9, 5e-4
TIMING_STEPS = 10  # steps timed (after 3 warm-up steps) to plan each side's schedule


def steps_that_fit(step_seconds: float, budget: float, recipe_steps: int) -> int:
    """The steps a side plans its schedule for: as many as fit ``budget``, at most its recipe's."""
    return max(1, min(recipe_steps, int(budget / step_seconds)))


def _views(config):
    """The course's training views of ``config``'s data, one (view1, view2) batch after another."""
    from ssl_course.data.training import training_data
    from ssl_course.distributed import Distributed

    data = training_data(config, torch.device("cpu"), Distributed())
    epoch = 0
    while True:
        yield from data.views(epoch, 0)
        epoch += 1


def _score(backbone: nn.Module, config) -> float:
    from ssl_course.scoring import evaluate

    backbone.eval()
    return evaluate(backbone, config, probe=False)["knn"]


def lightly_run(budget: float, seed: int) -> dict:
    """lightly's SimSiam on our backbone and views, ``budget`` seconds."""
    from lightly.loss import NegativeCosineSimilarity
    from lightly.models.modules import SimSiamPredictionHead, SimSiamProjectionHead

    from ssl_course.data import dataset_spec
    from ssl_course.models import build_backbone

    config = preset("simsiam", seed=seed)
    torch.manual_seed(seed)
    spec = dataset_spec(config.dataset)
    backbone = build_backbone(config.backbone, spec.image_size, width=config.width, mean=spec.mean, std=spec.std)
    projector = SimSiamProjectionHead(backbone.feature_dim, 512, 128)
    predictor = SimSiamPredictionHead(128, 64, 128)
    model = nn.ModuleDict({"backbone": backbone, "projector": projector, "predictor": predictor}).train()
    criterion = NegativeCosineSimilarity()
    lr = LIGHTLY_LR_PER_128 * config.batch_size / 128
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=LIGHTLY_MOMENTUM, weight_decay=LIGHTLY_WEIGHT_DECAY)

    views, started = _views(config), time.perf_counter()
    recipe_steps = config.epochs * steps_per_epoch(config)
    done, total, timed_from = 0, None, None
    for x0, x1 in views:
        if total is not None:
            for group in optimizer.param_groups:  # cosine decay over the planned steps, as lightly's benchmark
                group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * done / total))
        lightly_step(backbone, projector, predictor, criterion, optimizer, x0, x1)
        done += 1
        if done == 3:
            timed_from = time.perf_counter()
        if total is None and done == 3 + TIMING_STEPS:
            total = steps_that_fit((time.perf_counter() - timed_from) / TIMING_STEPS,
                                   budget - (timed_from - started), recipe_steps)
        if (total is not None and done >= total) or time.perf_counter() - started >= budget:
            break
    seconds = time.perf_counter() - started
    return {"steps": done, "seconds": round(seconds, 1), "knn": _score(backbone, config)}


def ours_run(budget: float, seed: int) -> dict:
    """Our SimSiam preset, its schedule planned for the steps that fit ``budget``."""
    from ssl_course.train import train

    config = preset("simsiam", seed=seed, out=None, progress=False, final_eval=False)
    timing = train(for_steps(config, 3 + TIMING_STEPS))  # the same first steps, timed
    rows = timing.history
    step_seconds = (rows[-1]["seconds"] - rows[2]["seconds"]) / TIMING_STEPS
    steps = steps_that_fit(step_seconds, budget, config.epochs * steps_per_epoch(config))
    result = train(dataclasses.replace(for_steps(config, steps), time_budget=budget))
    return {"steps": result.steps, "seconds": round(result.seconds, 1), "knn": _score(result.method.backbone, config)}


def _summary(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds of training for each side")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1, each side once per seed")
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON result to this file")
    args = parser.parse_args(argv)
    if args.budget <= 0 or args.seeds < 1:
        parser.error("--budget must be > 0 and --seeds >= 1")
    rows = []
    for seed in range(args.seeds):
        ours, theirs = ours_run(args.budget, seed), lightly_run(args.budget, seed)
        rows.append({"seed": seed, "ours": ours, "lightly": theirs})
        print(f"seed {seed}: ours kNN {ours['knn']:.3f} ({ours['steps']} steps, {ours['seconds']} s), "
              f"lightly kNN {theirs['knn']:.3f} ({theirs['steps']} steps, {theirs['seconds']} s)", flush=True)
    ours_mean, ours_std = _summary([r["ours"]["knn"] for r in rows])
    lightly_mean, lightly_std = _summary([r["lightly"]["knn"] for r in rows])
    result = {
        "ours_knn": round(ours_mean, 4), "ours_knn_std": round(ours_std, 4),
        "lightly_knn": round(lightly_mean, 4), "lightly_knn_std": round(lightly_std, 4),
        "budget_s": args.budget, "seeds": args.seeds, "threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"), "per_seed": rows,
    }
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
