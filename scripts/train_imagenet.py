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
    """Flags named after ``TrainConfig`` fields; a flag left out keeps ``presets.imagenet_preset``'s value."""
    parser = Parser(prog="train_imagenet.py", description=__doc__.splitlines()[0])
    option = lambda flag, kind, text, **kw: parser.add_argument(flag, type=kind, default=None, help=f"{text} (default: the preset's)", **kw)  # noqa: E731
    parser.add_argument("--data", dest="data_dir", required=True, help="ImageFolder root with train/ and val/")
    parser.add_argument("--method", default="byol", choices=["byol", "simsiam", "simclr"])
    parser.add_argument("--predictor", default=None, choices=list(PREDICTORS), help="default: the method's own")
    parser.add_argument("--backbone", default=None, choices=["resnet18", "resnet50", "convnet"],
                        help="convnet: a small smoke-test network (default: the preset's)")
    option("--epochs", int, "epochs the schedules are planned for")
    option("--max-steps", int, "stop after this many steps")
    option("--batch-size", int, "global batch, split across ranks")
    parser.add_argument("--optimizer", default=None, choices=["sgd", "lars"], help="default: the preset's")
    option("--lr", float, "base lr for batch 256 (scaled linearly)")
    option("--weight-decay", float, "weight decay")
    option("--warmup-epochs", float, "linear lr warm-up")
    option("--ema", float, "BYOL's base EMA momentum")
    option("--predictor-lr-multiplier", float, "the predictor's lr relative to the encoder's")
    option("--proj-hidden-dim", int, "projector hidden width")
    option("--proj-dim", int, "projection (and predictor) dimension")
    option("--pred-hidden-dim", int, "mlp predictor bottleneck")
    parser.add_argument("--sync-bn", action="store_true", default=None, help="SyncBatchNorm across ranks")
    option("--workers", int, "DataLoader workers per rank", dest="num_workers")
    parser.add_argument("--device", default=None, choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dist-backend", default=None, choices=["nccl", "gloo"], help="default: nccl on GPUs, else gloo")
    parser.add_argument("--out", default=None, help="default: runs/imagenet")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--overwrite", action="store_true", default=None)
    option("--checkpoint-every", int, "steps between checkpoints")
    parser.add_argument("--no-eval", dest="final_eval", action="store_const", const=False, default=None,
                        help="skip the final kNN on rank 0")
    option("--seed", int, "seed")
    parser.add_argument("--json", action="store_true")
    return parser


def imagenet_config(args: argparse.Namespace):
    """The run the flags ask for: ``presets.imagenet_preset`` with every flag given applied."""
    from ssl_course.presets import imagenet_preset

    changed = {k: v for k, v in vars(args).items() if k not in ("method", "resume", "json") and v is not None}
    return imagenet_preset(args.method, progress=not args.json, **changed)


def main(argv: list[str] | None = None) -> int:
    import torch.distributed as dist

    from ssl_course.train import train

    try:
        args = build_parser().parse_args(argv)
        if not Path(args.data_dir).is_dir():
            raise FileNotFoundError(f"no data folder {args.data_dir} (expected train/<class>/<image> and val/ inside)")
        config = imagenet_config(args)
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
