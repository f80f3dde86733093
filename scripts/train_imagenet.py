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


def build_parser() -> argparse.ArgumentParser:
    """One flag per ``TrainConfig`` field (``ssl_course.flags``); a flag left out keeps ``presets.imagenet_preset``'s value."""
    from ssl_course.config import TrainConfig
    from ssl_course.flags import add_flags
    from ssl_course.methods import METHODS

    parser = Parser(prog="train_imagenet.py", description=__doc__.splitlines()[0])
    parser.add_argument("--data", dest="data_dir", required=True, help="ImageFolder root with train/ and val/")
    parser.add_argument("--method", default="byol", choices=list(METHODS))
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    parser.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    add_flags(parser, TrainConfig, skip=("method", "data_dir", "dataset", "progress"), defaults_note=" (default: the preset's)",
              rename={"num_workers": "--workers", "final_eval": "--eval"})
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
