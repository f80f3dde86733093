"""Self-supervised pre-training on ImageNet (or any ImageFolder) with torchrun: the course's trainer, on N GPUs.

    torchrun --nproc_per_node=8 scripts/train_imagenet.py --data /path/imagenet \\
        --method byol --predictor directpred --epochs 60 --batch-size 4096 --optimizer lars --lr 0.3 --sync-bn

``--data`` holds ``train/<class>/<image>.JPEG`` and ``val/<class>/...``. One process per GPU
(nccl), or per CPU process with gloo (``--device cpu``, for tests). Everything else is
``ssl_course.train``: the same methods, loop, collapse monitor, atomic checkpoints and exact
``--resume``; rank 0 logs and writes ``<out>/last.pt`` and ``metrics.jsonl``. ``--batch-size``
is the global batch (split evenly across ranks). Images are decoded with ``torchvision.io`` in
DataLoader workers (``--workers`` per rank). Evaluate afterwards with
``ssl-course eval --checkpoint <out>/last.pt --data-dir /path/imagenet`` (kNN + linear probe).

Papers' numbers (ImageNet, ResNet-50, linear top-1; Tian, Chen & Ganguli 2021): 60 epochs,
DirectPred 64.4 / 2-layer predictor 64.7 / learned linear 59.4; 300 epochs 72.4 / 72.5 / 69.9.
User errors (missing data, no GPU for nccl, batch not divisible by the world size) end with one
line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from ssl_course.cli import USER_ERRORS, Parser, UserError, print_result  # noqa: E402
from ssl_course.predictors import PREDICTORS  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="train_imagenet.py", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="ImageFolder root with train/ and val/")
    parser.add_argument("--method", default="byol", choices=["byol", "simsiam", "simclr"])
    parser.add_argument("--predictor", default=None, choices=list(PREDICTORS), help="default: the method's own")
    parser.add_argument("--backbone", default="resnet50", choices=["resnet18", "resnet50", "convnet"],
                        help="convnet: a small smoke-test network")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=256, help="global batch, split across ranks")
    parser.add_argument("--optimizer", default="sgd", choices=["sgd", "lars"])
    parser.add_argument("--lr", type=float, default=0.05, help="base lr for batch 256 (scaled linearly)")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--warmup-epochs", type=float, default=10.0)
    parser.add_argument("--ema", type=float, default=None, help="BYOL's base EMA momentum (default 0.996)")
    parser.add_argument("--predictor-lr-multiplier", type=float, default=1.0)
    parser.add_argument("--sync-bn", action="store_true", help="SyncBatchNorm across ranks")
    parser.add_argument("--workers", type=int, default=8, help="DataLoader workers per rank")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dist-backend", default=None, choices=["nccl", "gloo"], help="default: nccl on GPUs, else gloo")
    parser.add_argument("--out", default="runs/imagenet")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--no-eval", action="store_true", help="skip the final kNN on rank 0")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    import torch.distributed as dist

    from ssl_course.train import TrainConfig, train

    try:
        args = build_parser().parse_args(argv)
        if not Path(args.data).is_dir():
            raise FileNotFoundError(f"no data folder {args.data} (expected train/<class>/<image> and val/ inside)")
        config = TrainConfig(
            method=args.method, dataset="imagefolder", data_dir=args.data, backbone=args.backbone, epochs=args.epochs,
            max_steps=args.max_steps, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr,
            weight_decay=args.weight_decay, warmup_epochs=args.warmup_epochs, ema=args.ema, predictor=args.predictor,
            predictor_lr_multiplier=args.predictor_lr_multiplier, sync_bn=args.sync_bn, num_workers=args.workers,
            device=args.device, dist_backend=args.dist_backend, out=args.out, overwrite=args.overwrite,
            checkpoint_every=args.checkpoint_every, final_eval=not args.no_eval, seed=args.seed, progress=not args.json,
        )
        result = train(config, resume=args.resume)
        if not dist.is_initialized() or dist.get_rank() == 0:
            print_result(result.summary(), args.json)
        return 0
    except (UserError, *USER_ERRORS) as err:
        print(f"train_imagenet.py: error: {str(err).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
