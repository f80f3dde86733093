"""The ``ssl-course`` command: ``demo``, ``train`` and ``eval``.

Every user error (unknown name, bad number, missing files, unreadable checkpoint)
ends with one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys

from ssl_course.checkpoint import CheckpointError
from ssl_course.data import dataset_names
from ssl_course.methods import METHODS
from ssl_course.predictors import PREDICTORS

USER_ERRORS = (ValueError, FileNotFoundError, CheckpointError)


class UserError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message; we want one line
        raise UserError(message)


def _print_result(data: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(data))
    else:
        for key, value in data.items():
            print(f"{key:>20}: {value:.4f}" if isinstance(value, float) else f"{key:>20}: {value}")


def cmd_demo(args) -> int:
    from ssl_course.demo import run_demo

    summary = run_demo(out=args.out, seconds=args.seconds, seed=args.seed, progress=not args.no_progress)
    if not args.json:
        print(f"kNN accuracy on the shapes test set after {summary['train_seconds']:.0f} s of SimCLR:")
    _print_result(summary, args.json)
    return 0


def cmd_train(args) -> int:
    from ssl_course.train import TrainConfig, train

    config = TrainConfig(
        method=args.method, dataset=args.dataset, data_dir=args.data_dir, download=args.download,
        backbone=args.backbone, width=args.width, epochs=args.epochs, max_steps=args.max_steps,
        batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay, warmup_epochs=args.warmup_epochs,
        stop_gradient=False if args.no_stop_grad else None, predictor=args.predictor,
        predictor_lr_multiplier=args.predictor_lr_multiplier, ema=args.ema, temperature=args.temperature,
        dp_rho=args.dp_rho, dp_eps=args.dp_eps, dp_freq=args.dp_freq,
        seed=args.seed, device=args.device, out=args.out, overwrite=args.overwrite,
        checkpoint_every=args.checkpoint_every, eval_every=args.eval_every, progress=not args.no_progress,
        gpu_aug=args.gpu_aug, compile=args.compile, strict_images=args.strict_images,
    )
    result = train(config, resume=args.resume)
    _print_result(result.summary(), args.json)
    return 0


def cmd_eval(args) -> int:
    from ssl_course.train import evaluate_checkpoint

    _print_result(evaluate_checkpoint(args.checkpoint, data_dir=args.data_dir, device=args.device), args.json)
    return 0


def cmd_student_version(args) -> int:
    from ssl_course.student import make_student_version

    written = make_student_version(args.notebooks, args.out)
    print(f"wrote {len(written)} student notebooks (solutions replaced by NotImplementedError, outputs cleared) to {args.out}")
    return 0


def build_parser() -> Parser:
    parser = Parser(prog="ssl-course", description="Self-supervised learning without contrastive pairs: runnable.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = sub.add_parser("demo", help="train SimCLR on shapes for ~100 s; compare with random init and pixels")
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--seconds", type=float, default=100.0, help="training time budget")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", action="store_true", help="print one JSON object")
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=cmd_demo)

    tr = sub.add_parser("train", help="train one method (see README for the switches)")
    tr.add_argument("--method", required=True, choices=list(METHODS))
    tr.add_argument("--dataset", default="shapes", choices=dataset_names())
    tr.add_argument("--data-dir", default=None, help="where real datasets live (default ~/data)")
    tr.add_argument("--download", action="store_true", help="download a real dataset (needs internet)")
    tr.add_argument("--backbone", default="convnet", choices=["convnet", "resnet18", "resnet50"])
    tr.add_argument("--width", type=int, default=32, help="convnet width")
    tr.add_argument("--epochs", type=int, default=10)
    tr.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (schedule unchanged)")
    tr.add_argument("--batch-size", type=int, default=256)
    tr.add_argument("--lr", type=float, default=0.06, help="base lr for batch 256 (scaled linearly)")
    tr.add_argument("--weight-decay", type=float, default=5e-4)
    tr.add_argument("--warmup-epochs", type=float, default=0.0)
    tr.add_argument("--no-stop-grad", action="store_true", help="let gradients flow into the target branch")
    tr.add_argument("--predictor", default=None, choices=list(PREDICTORS), help="default: the method's own")
    tr.add_argument("--predictor-lr-multiplier", type=float, default=1.0)
    tr.add_argument("--dp-rho", type=float, default=0.3, help="DirectPred/DirectCopy: correlation running average")
    tr.add_argument("--dp-eps", type=float, default=0.1, help="DirectPred/DirectCopy: eigenvalue boost")
    tr.add_argument("--dp-freq", type=int, default=1, help="DirectPred/DirectCopy: set the weight every N steps")
    tr.add_argument("--ema", type=float, default=None, help="EMA momentum of the target (0: no target network)")
    tr.add_argument("--temperature", type=float, default=0.5, help="SimCLR temperature")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    tr.add_argument("--out", default="runs/latest")
    tr.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    tr.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    tr.add_argument("--checkpoint-every", type=int, default=500)
    tr.add_argument("--eval-every", type=int, default=0, help="kNN every N steps on a subset (0: at the end only)")
    tr.add_argument("--gpu-aug", action=argparse.BooleanOptionalAction, default=None,
                    help="keep the images on the GPU and make the views there (default: on the training device)")
    tr.add_argument("--compile", action="store_true", help="torch.compile the training step")
    tr.add_argument("--strict-images", action="store_true",
                    help="ImageFolder: stop at the first undecodable image instead of skipping it")
    tr.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    tr.add_argument("--no-progress", action="store_true")
    tr.set_defaults(func=cmd_train)

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
    from ssl_course.train import TrainingDiverged, TrainingInterrupted

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
