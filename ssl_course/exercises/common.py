"""What every notebook's checkers share: the error a wrong answer raises, the comparisons, the run of a
learner's code inside real training, and the "predict, then run" judge."""
from __future__ import annotations

import math
import sys
from typing import Callable

import numpy as np
import torch

class ExerciseError(AssertionError):
    """A learner's answer is wrong; the message says how."""


def _passed(name: str) -> None:
    print(f"{name}: correct. Well done!")


def _call(name: str, fn: Callable, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{name}: not implemented yet: replace `raise NotImplementedError()` with your code") from None


def _as_tensor(x) -> torch.Tensor:
    """A learner's answer (tensor, number, tuple or list of them) as one float64 tensor."""
    return torch.as_tensor(np.asarray(x.detach() if torch.is_tensor(x) else x, dtype=np.float64))


def _close(answer, expected, tol: float = 1e-5) -> bool:
    answer, expected = _as_tensor(answer), _as_tensor(expected)
    return answer.shape == expected.shape and torch.allclose(answer, expected, rtol=tol, atol=tol)


def _shadowed(name: str, learner: Callable, hint: str, what: str = "step", tol: float = 1e-4) -> tuple[Callable, list[int]]:
    """``learner(*args)`` -> (the learner's answer, the package's on the same inputs); the wrapped
    function returns the learner's answer and raises at the first call where the two disagree."""
    calls: list[int] = []

    def checked(*args):
        calls.append(len(calls) + 1)
        try:
            answer, expected = learner(*args)
        except (ExerciseError, NotImplementedError):
            raise
        except Exception as error:  # what the small unit check did not exercise: real batch sizes, autograd
            shapes = ", ".join(str(tuple(a.shape)) for a in args if torch.is_tensor(a))
            raise ExerciseError(f"{name}: inside real training your code raised {type(error).__name__} at {what} "
                                f"{calls[-1]} (inputs of shape {shapes}): {error}. Does it assume the unit check's "
                                "sizes, or call .numpy() on a tensor that needs a gradient?") from None
        if not _close(answer, expected, tol=tol):
            raise ExerciseError(f"{name}: inside real training, your code disagrees with the package's at {what} "
                                f"{calls[-1]}{': ' + hint if hint else ''}")
        return answer

    return checked, calls


def _train_with(name: str, method: str, hook: str, learner: Callable, steps: int = 20, hint: str = "",
                tol: float = 1e-4, **options) -> None:
    """Train ``method``'s CPU preset (with ``options``) ``steps`` steps with the learner's code in ``hook``
    (``train``'s hooks).

    ``learner(*args)`` returns (the learner's answer to use, the package's answer on the same inputs);
    each call is compared, so one wrong step is named even though training chaos would hide it in
    the loss curve; raises at the first one that disagrees.
    """
    from ssl_course.presets import for_steps, preset
    from ssl_course.train import train

    checked, _ = _shadowed(name, learner, hint, tol=tol)
    config = for_steps(preset(method, out=None, progress=False, final_eval=False, **options), steps)
    try:
        result = train(config, **{hook: checked})
    except NotImplementedError:
        raise ExerciseError(f"{name}: not implemented yet: replace `raise NotImplementedError()` with your code") from None
    if not math.isfinite(result.loss):
        raise ExerciseError(f"{name}: training with your code ended with loss {result.loss}")


def _tensor_loss(name: str, answer) -> torch.Tensor:
    """A loss must stay a tensor in the autograd graph: name the mistake when it is not."""
    if not torch.is_tensor(answer):
        raise ExerciseError(f"{name}: returned a {type(answer).__name__}, not a tensor: return the loss itself "
                            "(no .item(), no float()), so that loss.backward() can reach the network")
    return answer


def _diagnose(name: str, answer, expected, wrong_answers: dict[str, object]) -> None:
    """Raise with the hint of the first known mistake the answer matches, or a generic one."""
    if _close(answer, expected):
        return
    a, e = _as_tensor(answer), _as_tensor(expected)
    if a.shape != e.shape:
        raise ExerciseError(f"{name}: wrong shape: got {tuple(a.shape)}, expected {tuple(e.shape)}")
    for hint, wrong in wrong_answers.items():
        if _close(answer, wrong):
            raise ExerciseError(f"{name}: {hint}")
    if not torch.isfinite(a).all():
        raise ExerciseError(f"{name}: got {a.flatten()[:4].tolist()}, not a finite number: a log of 0, or a "
                            "softmax whose label points at a masked (-inf) entry?")
    raise ExerciseError(f"{name}: wrong values (expected {e.flatten()[:4].tolist()}..., got {a.flatten()[:4].tolist()}...)")


def judge_prediction(question: str, answer, outcome, choices, why: str = "") -> None:
    """A "predict, then run" question: the learner's ``answer``, one of ``choices``, against what the
    runs measured (``outcome``).

    A wrong prediction is not an error: it prints the measured answer and ``why`` to stderr and the
    notebook goes on (Run All on Colab does not stop; nbgrader scores a test cell that wrote to stderr
    zero). A missing or malformed answer raises, since there is nothing to judge.

    >>> judge_prediction("which collapses", "no stop-gradient", "no stop-gradient", ("SimSiam", "no stop-gradient"))
    which collapses: 'no stop-gradient', as measured. Well predicted!
    """
    if answer is None or answer is Ellipsis:
        raise ExerciseError(f"{question}: write your prediction first: prediction = one of {', '.join(map(repr, choices))}")
    if answer not in choices:
        raise ExerciseError(f"{question}: answer one of {', '.join(map(repr, choices))}, not {answer!r}")
    if outcome not in choices:
        raise ValueError(f"{question}: the measured outcome {outcome!r} is none of the choices")
    if answer != outcome:
        print(f"{question}: you predicted {answer!r}, the runs give {outcome!r}. {why}".rstrip(), file=sys.stderr)
        return
    print(f"{question}: {answer!r}, as measured. Well predicted!" + (f" {why}" if why else ""))
