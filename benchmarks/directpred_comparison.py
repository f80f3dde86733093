"""DirectPred / DirectCopy vs learned predictors: kNN and linear-probe accuracy over seeds.

For every method x predictor x seed it trains on a built-in dataset with the package's
trainer (``ssl_course.train``), evaluates the frozen backbone (kNN, k=200, and a linear
probe on the full train/test split), and prints one JSON line per run, then a Markdown
table of mean +- std over seeds (paste it into the README).

    python benchmarks/directpred_comparison.py                       # CPU size, ~30 min on 2 cores
    python benchmarks/directpred_comparison.py --steps 100 --seeds 0  # a quick look
    # GPU, the paper's set-up (CIFAR-10, ResNet-18, 100 epochs) for one cell:
    ssl-course train --method byol --dataset cifar10 --backbone resnet18 --epochs 100 --batch-size 128 \
        --lr 0.06 --weight-decay 4e-4 --predictor directpred --dp-rho 0.3 --dp-eps 0.1 --ema 0.996
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

VARIANTS = {  # name -> TrainConfig fields
    "none": dict(predictor="none"),
    "linear (SGD)": dict(predictor="linear", predictor_lr_multiplier=10.0),
    "mlp": dict(predictor="mlp"),
    "directpred": dict(predictor="directpred"),
    "directpred freq 5": dict(predictor="directpred", dp_freq=5),
    "directcopy": dict(predictor="directcopy"),
}


def run_one(method: str, variant: str, seed: int, args) -> dict:
    from ssl_course.presets import preset
    from ssl_course.train import train
    from ssl_course.scoring import evaluate

    changed = {k: v for k, v in dict(dataset=args.dataset, width=args.width, batch_size=args.batch_size, lr=args.lr,
                                     epochs=args.epochs).items() if v is not None}
    config = preset(method, **changed, max_steps=args.steps, seed=seed, out=None, progress=False, final_eval=False,
                    checkpoint_every=0, **VARIANTS[variant])
    started = time.perf_counter()
    result = train(config)
    scores = evaluate(result.method.backbone, config)
    return {"method": method, "predictor": variant, "seed": seed, "steps": result.steps, **scores,
            "effective_rank": round(result.effective_rank, 2), "seconds": round(time.perf_counter() - started, 1)}


def table(rows: list[dict]) -> str:
    lines = ["| method | predictor | kNN | linear probe | seeds |", "|---|---|---|---|---|"]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["method"], row["predictor"]), []).append(row)
    for (method, variant), runs in groups.items():
        cells = []
        for key in ("knn", "linear_probe"):
            values = [r[key] for r in runs]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.3f} ± {spread:.3f}")
        lines.append(f"| {method} | {variant} | {cells[0]} | {cells[1]} | {len(runs)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["simsiam", "byol"])
    parser.add_argument("--predictors", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="P")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--steps", type=int, default=400)
    # None: the method's CPU preset (ssl_course.presets)
    parser.add_argument("--epochs", type=int, default=6, help="the lr schedule's length")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--width", type=int, default=None)
    args = parser.parse_args()
    rows = []
    for method in args.methods:
        for variant in args.predictors:
            for seed in args.seeds:
                rows.append(run_one(method, variant, seed, args))
                print(json.dumps(rows[-1]), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
