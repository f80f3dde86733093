"""Our SimSiam training step vs lightly's, on the CPU, same model, batch, data and budget.

Both sides train the same ConvNet backbone on ``shapes`` with the same projector and
predictor sizes, SGD settings and wall-clock budget:

* ours: ``ssl_course.train`` -- the uint8 dataset stays in memory and both views are
  made a batch at a time (``BatchTwoViewAugment``);
* lightly: its ``SimSiamProjectionHead`` / ``SimSiamPredictionHead`` /
  ``NegativeCosineSimilarity`` and its ``SimSiamTransform`` (torchvision, per image,
  in DataLoader workers), i.e. the pipeline of lightly's own examples.

It prints a table and, last, one JSON line with the mean step time of each, their
ratio (ours / lightly, lower is better) and the kNN accuracy each reached.

    python benchmarks/lightly_simsiam.py --seconds 60
"""
from __future__ import annotations

import argparse
import json
import math
import time

import torch

from ssl_course.presets import preset
from torch import nn


def lightly_loader(dataset: str, batch_size: int, workers: int, pin_memory: bool = False):
    """lightly's recipe: ``SimSiamTransform`` per PIL image, in DataLoader workers."""
    from lightly.transforms import SimSiamTransform
    from torchvision.transforms import v2

    from ssl_course.data import dataset_spec, dataset_tensors

    spec = dataset_spec(dataset)
    (images, _), _ = dataset_tensors(dataset)
    to_pil = v2.ToPILImage()
    transform = SimSiamTransform(input_size=spec.image_size, gaussian_blur=0.0,
                                 normalize={"mean": list(spec.mean), "std": list(spec.std)})

    class PilViews(torch.utils.data.Dataset):
        def __len__(self):
            return len(images)

        def __getitem__(self, i):
            return transform(to_pil(images[i]))

    return torch.utils.data.DataLoader(PilViews(), batch_size=batch_size, shuffle=True, drop_last=True,
                                       num_workers=workers, pin_memory=pin_memory, persistent_workers=workers > 0)


def lightly_step(backbone, projector, predictor, criterion, optimizer, x0, x1) -> None:
    """One SimSiam step as lightly's examples write it: symmetric loss, targets detached."""
    z0, z1 = projector(backbone(x0)), projector(backbone(x1))
    p0, p1 = predictor(z0), predictor(z1)
    loss = 0.5 * (criterion(p0, z1.detach()) + criterion(p1, z0.detach()))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def lightly_run(seconds: float, batch_size: int, lr: float, width: int, workers: int, epochs: int, seed: int) -> dict:
    from lightly.loss import NegativeCosineSimilarity
    from lightly.models.modules import SimSiamPredictionHead, SimSiamProjectionHead

    from ssl_course.data import dataset_spec, dataset_tensors
    from ssl_course.evaluation import evaluate_backbone
    from ssl_course.models import build_backbone

    torch.manual_seed(seed)
    spec = dataset_spec("shapes")
    (images, labels), test = dataset_tensors("shapes")
    loader = lightly_loader("shapes", batch_size, workers)
    backbone = build_backbone("convnet", 32, width=width, mean=spec.mean, std=spec.std)
    projector = SimSiamProjectionHead(backbone.feature_dim, 512, 128)
    predictor = SimSiamPredictionHead(128, 32, 128)
    model = nn.ModuleDict({"backbone": backbone, "projector": projector, "predictor": predictor})
    criterion = NegativeCosineSimilarity()
    total = epochs * len(loader)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr * batch_size / 256, momentum=0.9, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: 0.5 * (1 + math.cos(math.pi * k / total)))
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for x0, x1 in loader:
            lightly_step(backbone, projector, predictor, criterion, optimizer, x0, x1)
            schedule.step()
            steps += 1
            if time.perf_counter() - started >= seconds:
                break
    elapsed = time.perf_counter() - started
    knn = evaluate_backbone(backbone, (images, labels), test)["knn"]
    return {"steps": steps, "seconds": elapsed, "step_ms": 1000 * elapsed / steps, "knn": knn}


def ours_run(seconds: float, batch_size: int, lr: float, width: int, epochs: int, seed: int) -> dict:
    from ssl_course.presets import preset
    from ssl_course.train import train

    config = preset("simsiam", width=width, batch_size=batch_size, lr=lr, epochs=epochs, proj_hidden_dim=512,
                    proj_dim=128, pred_hidden_dim=32, time_budget=seconds, seed=seed, out=None, progress=False,
                    checkpoint_every=0, baseline=False)
    result = train(config)
    return {"steps": result.steps, "seconds": result.seconds, "step_ms": 1000 * result.seconds / result.steps,
            "knn": result.knn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training budget of each side")
    recipe = preset("simsiam")  # the CPU preset's sizes and lr (ssl_course.presets)
    parser.add_argument("--batch-size", type=int, default=recipe.batch_size)
    parser.add_argument("--lr", type=float, default=recipe.lr, help="base lr for batch 256")
    parser.add_argument("--width", type=int, default=recipe.width)
    parser.add_argument("--epochs", type=int, default=10, help="the cosine schedule's length")
    parser.add_argument("--workers", type=int, default=2, help="lightly's DataLoader workers")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    ours = ours_run(args.seconds, args.batch_size, args.lr, args.width, args.epochs, args.seed)
    theirs = lightly_run(args.seconds, args.batch_size, args.lr, args.width, args.workers, args.epochs, args.seed)
    print(f"{'':>8} {'steps':>6} {'ms/step':>8} {'kNN':>6}")
    for name, r in (("ours", ours), ("lightly", theirs)):
        print(f"{name:>8} {r['steps']:>6} {r['step_ms']:>8.1f} {r['knn']:>6.3f}")
    print(json.dumps({
        "device": "cpu", "threads": torch.get_num_threads(), "batch_size": args.batch_size, "seconds": args.seconds,
        "ours_step_ms": round(ours["step_ms"], 1), "lightly_step_ms": round(theirs["step_ms"], 1),
        "step_time_ratio": round(ours["step_ms"] / theirs["step_ms"], 3),
        "ours_knn": ours["knn"], "lightly_knn": theirs["knn"],
    }))


if __name__ == "__main__":
    main()
