"""The ``ssl-course`` command: ``demo``, ``train`` and ``eval``.

Every user error (unknown name, bad number, missing files, unreadable checkpoint)
ends with one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys

from ssl_course.checkpoint import CheckpointError
from ssl_course.config import AUGMENTS
from ssl_course.data import dataset_names
from ssl_course.methods import METHODS
from ssl_course.predictors import PREDICTORS

USER_ERRORS = (ValueError, FileNotFoundError, CheckpointError)


class UserError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message; we want one line
        raise UserError(message)


def print_result(data: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(data))
    else:
        for key, value in data.items():
            print(f"{key:>20}: {value:.4f}" if isinstance(value, float) else f"{key:>20}: {value}")


def cmd_demo(args) -> int:
    from ssl_course.demo import run_demo

    summary = run_demo(out=args.out, seconds=args.seconds, seed=args.seed, progress=not args.no_progress)
    table = summary.pop("table")
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"kNN accuracy on the shapes test set; the figure is {summary['plot']}\n{table}")
    return 0


# `ssl-course train` flags that are not TrainConfig fields
NOT_CONFIG = ("command", "func", "method", "full", "resume", "json")


def train_config(args):
    """The run ``ssl-course train`` makes: the method's preset, with the flags given on the command line."""
    from ssl_course.presets import preset

    changed = {key: value for key, value in vars(args).items() if key not in NOT_CONFIG and value is not None}
    return preset(args.method, full=args.full, **changed)


def cmd_train(args) -> int:
    from ssl_course.train import train

    result = train(train_config(args), resume=args.resume)
    print_result(result.summary(), args.json)
    return 0


def cmd_eval(args) -> int:
    from ssl_course.trained import evaluate_checkpoint

    print_result(evaluate_checkpoint(args.checkpoint, data_dir=args.data_dir, device=args.device), args.json)
    return 0


def cmd_student_version(args) -> int:
    from ssl_course.student import make_student_version

    written = make_student_version(args.notebooks, args.out)
    print(f"wrote {len(written)} student notebooks (solutions replaced by NotImplementedError, outputs cleared) to {args.out}")
    return 0


def _add_train_command(sub) -> None:
    """``ssl-course train``: a method's preset, with one flag per field a user may change."""
    tr = sub.add_parser("train", help="train one method from its preset (ssl_course/presets.py); flags change single fields")
    tr.add_argument("--method", required=True, choices=list(METHODS))
    tr.add_argument("--full", action="store_true", help="start from the method's FULL (GPU, CIFAR-10) preset, not the CPU one")
    # Defaults of None: the field keeps the preset's value, so the CLI cannot drift from the presets.
    option = lambda flag, kind, text: tr.add_argument(flag, type=kind, default=None, help=f"{text} (default: the preset's)")  # noqa: E731
    tr.add_argument("--dataset", default=None, choices=dataset_names(), help="default: the preset's")
    tr.add_argument("--data-dir", default=None, help="where real datasets live (default ~/data)")
    tr.add_argument("--download", action="store_true", default=None, help="download a real dataset (needs internet)")
    tr.add_argument("--backbone", default=None, choices=["convnet", "resnet18", "resnet50"], help="default: the preset's")
    option("--width", int, "convnet width")
    option("--epochs", int, "epochs the lr/EMA schedules are planned for")
    option("--max-steps", int, "stop after this many steps (schedule unchanged)")
    option("--batch-size", int, "batch size")
    option("--lr", float, "base lr for a batch of 256, scaled linearly")
    option("--momentum", float, "SGD/LARS momentum")
    option("--weight-decay", float, "weight decay")
    option("--warmup-epochs", float, "linear lr warm-up")
    tr.add_argument("--optimizer", default=None, choices=["sgd", "lars"], help="default: the preset's")
    tr.add_argument("--augment", default=None, choices=list(AUGMENTS),
                    help="how in-memory data makes its views: plain tensor ops (default, faster on a CPU) or kornia's modules")
    tr.add_argument("--stop-grad", dest="stop_gradient", action=argparse.BooleanOptionalAction, default=None,
                    help="stop-gradient on the targets (--no-stop-grad lets gradients flow into the target branch; "
                         "default: the method's own)")
    tr.add_argument("--predictor", default=None, choices=list(PREDICTORS), help="default: the method's own")
    option("--proj-hidden-dim", int, "projector hidden width")
    option("--proj-dim", int, "projection (and predictor) dimension")
    option("--pred-hidden-dim", int, "mlp predictor hidden width")
    option("--predictor-lr-multiplier", float, "the predictor's lr relative to the encoder's")
    option("--predictor-weight-decay", float, "the predictor's weight decay")
    tr.add_argument("--predictor-fixed-lr", action=argparse.BooleanOptionalAction, default=None,
                    help="keep the predictor's lr at its peak instead of decaying it (default: the preset's)")
    option("--dp-rho", float, "DirectPred/DirectCopy: correlation running average")
    option("--dp-eps", float, "DirectPred/DirectCopy: eigenvalue boost")
    option("--dp-freq", int, "DirectPred/DirectCopy: set the weight every N steps")
    option("--ema", float, "BYOL's EMA momentum (0: no target network; the other methods take 0 only)")
    option("--temperature", float, "SimCLR temperature")
    option("--chunks", int, "continual learning over this many consecutive chunks of the data")
    option("--chunk-epochs", int, "with --chunks: epochs on each chunk before the next one")
    option("--iid-from-epoch", int, "with --chunks: from this epoch on, i.i.d. over all images (the hybrid)")
    option("--train-subset", int, "train on the first N training images only (evaluation labels all)")
    option("--view-size", int, "side of the training views in px; evaluation stays at the images' size")
    option("--time-budget", float, "seconds of training before stopping early")
    option("--seed", int, "seed of weights, augmentations and data order")
    _add_run_flags(tr, option)
    tr.set_defaults(func=cmd_train)


def _add_run_flags(tr, option) -> None:
    """``ssl-course train``'s flags about the run rather than the recipe: device, output, evaluation."""
    tr.add_argument("--device", default=None, choices=["auto", "cpu", "cuda", "mps"])
    tr.add_argument("--out", default="runs/latest")
    tr.add_argument("--overwrite", action="store_true", default=None, help="replace a run already in --out")
    tr.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    option("--checkpoint-every", int, "steps between checkpoints")
    option("--eval-every", int, "kNN every N steps on a subset (0: at the end only)")
    option("--eval-subset", int, "images of each split used by --eval-every's kNN")
    option("--knn-k", int, "neighbours of the kNN evaluation")
    option("--log-every", int, "steps between collapse-monitor measurements")
    tr.add_argument("--no-final-eval", dest="final_eval", action="store_const", const=False, default=None,
                    help="skip the kNN and linear probe at the end")
    option("--num-workers", int, "DataLoader workers (ImageFolder only)")
    tr.add_argument("--gpu-aug", action=argparse.BooleanOptionalAction, default=None,
                    help="keep the images on the GPU and make the views there (default: on the training device)")
    tr.add_argument("--compile", action="store_true", default=None, help="torch.compile the training step")
    tr.add_argument("--dist-backend", default=None, choices=["nccl", "gloo"], help="under torchrun (default: nccl on CUDA, gloo on CPU)")
    tr.add_argument("--sync-bn", action="store_true", default=None, help="under torchrun: SyncBatchNorm across ranks")
    tr.add_argument("--strict-images", action="store_true", default=None,
                    help="ImageFolder: stop at the first undecodable image instead of skipping it")
    tr.add_argument("--no-baseline", dest="baseline", action="store_const", const=False, default=None,
                    help="skip scoring the untrained network (random_init_knn / random_init_probe)")
    tr.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    tr.add_argument("--no-progress", dest="progress", action="store_const", const=False, default=None)


def build_parser() -> Parser:
    parser = Parser(prog="ssl-course", description="Self-supervised learning without contrastive pairs: runnable.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = sub.add_parser("demo", help="train SimSiam live on shapes for ~60 s; compare with the reference runs, "
                                       "random init and raw pixels")
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--seconds", type=float, default=60.0, help="the live run's training time budget")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", action="store_true", help="print one JSON object")
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=cmd_demo)

    _add_train_command(sub)

    ev = sub.add_parser("eval", help="kNN and linear probe of a checkpoint's backbone")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--data-dir", default=None)
    ev.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)

    st = sub.add_parser("student-version", help="write the notebooks with their exercise solutions cut out")
    st.add_argument("--notebooks", default="notebooks", help="folder of the course notebooks (NN_*.ipynb)")
    st.add_argument("--out", default="student", help="where the student notebooks go")
    st.set_defaults(func=cmd_student_version)
    return parser


def one_line(err: BaseException) -> str:
    """The message of ``err`` on one line; for an error re-raised from a DataLoader worker, the original one."""
    lines = str(err).strip().splitlines()
    if not lines:
        return type(err).__name__
    if lines[0].startswith("Caught ") and "DataLoader worker" in lines[0]:  # the worker's traceback follows
        last = lines[-1]
        return last.split(": ", 1)[1] if ": " in last else last
    return lines[0]


def main(argv: list[str] | None = None) -> int:
    from ssl_course.interrupts import TrainingDiverged, TrainingInterrupted

    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (UserError, *USER_ERRORS) as err:
        print(f"ssl-course: error: {one_line(err)}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"ssl-course: training stopped: {err}", file=sys.stderr)
        return 1
    except TrainingInterrupted as err:
        print(f"ssl-course: interrupted: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("ssl-course: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
