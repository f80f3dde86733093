"""The ``ssl-course`` command: ``demo``, ``train`` and ``eval``.

Every user error (unknown name, bad number, missing files, unreadable checkpoint)
ends with one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys

from ssl_course.checkpoint import CheckpointError
from ssl_course.devices import DEVICES
from ssl_course.methods import METHODS

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
    from ssl_course.scoring import evaluate_checkpoint

    print_result(evaluate_checkpoint(args.checkpoint, data_dir=args.data_dir, device=args.device), args.json)
    return 0


def cmd_student_version(args) -> int:
    from ssl_course.student import make_student_version

    written = make_student_version(args.notebooks, args.out)
    print(f"wrote {len(written)} student notebooks (solutions replaced by NotImplementedError, outputs cleared) to {args.out}")
    return 0


def _add_train_command(sub) -> None:
    """``ssl-course train``: a method's preset, with one flag per ``TrainConfig`` field (made from the
    fields' help and choices, ``ssl_course.flags``); a flag left out keeps the preset's value."""
    from ssl_course.config import TrainConfig
    from ssl_course.flags import add_flags

    tr = sub.add_parser("train", help="train one method from its preset (ssl_course/presets.py); flags change single fields")
    tr.add_argument("--method", required=True, choices=list(METHODS), help="the self-supervised method")
    tr.add_argument("--full", action="store_true", help="start from the method's FULL (GPU, CIFAR-10) preset, not the CPU one")
    tr.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    tr.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    add_flags(tr, TrainConfig, skip=("method",), defaults_note=" (default: the preset's)")
    tr.set_defaults(func=cmd_train)


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
    ev.add_argument("--device", default="auto", choices=DEVICES)
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
