"""Checkers of notebook 03 SimSiam."""
from __future__ import annotations

from typing import Callable
import torch
import torch.nn.functional as F

from ssl_course import losses, metrics
from ssl_course.exercises.common import ExerciseError, _passed, _call, _diagnose


def check_simsiam_loss(fn: Callable) -> None:
    """``fn(p1, p2, z1, z2)`` -> D(p1, sg(z2)) / 2 + D(p2, sg(z1)) / 2 with D the negative cosine."""
    g = torch.Generator().manual_seed(3)
    p1, p2, z1, z2 = (torch.randn(6, 5, generator=g, requires_grad=True) for _ in range(4))
    answer = _call("simsiam_loss", fn, p1, p2, z1, z2)
    expected = (losses.negative_cosine(p1, z2) + losses.negative_cosine(p2, z1)) / 2
    _diagnose("simsiam_loss", answer, expected, {
        "the sign is flipped: SimSiam minimises the *negative* cosine": -expected,
        "only one view order: average D(p1, z2) and D(p2, z1)": losses.negative_cosine(p1, z2),
        "summed the two terms: SimSiam averages them (divide by 2)": 2 * expected,
    })
    answer.backward()
    if z1.grad is not None and z1.grad.abs().sum() > 0:
        raise ExerciseError("simsiam_loss: gradient flows into z: forgot the stop-gradient (z.detach())")
    if p1.grad is None or p1.grad.abs().sum() == 0:
        raise ExerciseError("simsiam_loss: no gradient reaches p: detach the targets z, not the predictions p")
    _passed("simsiam_loss")


def check_simsiam_loss_trains(fn: Callable, steps: int = 100) -> None:
    """``fn`` as in ``check_simsiam_loss``, now inside real training: SimSiam (the course's CPU preset)
    trains ``steps`` steps with it and with the package's loss, same seed; the learner's run must end
    with projections as spread out as the reference's (effective rank >= 1/2 of it)."""
    from ssl_course.presets import for_steps, preset
    from ssl_course.train import train

    config = for_steps(preset("simsiam", out=None, progress=False, final_eval=False), steps)
    try:
        mine = train(config, loss=fn)
    except NotImplementedError:
        raise ExerciseError("simsiam_loss_trains: not implemented yet: replace `raise NotImplementedError()` with your code") from None
    reference = train(config)
    rank, want = mine.effective_rank, reference.effective_rank
    if not rank >= 0.5 * want:
        raise ExerciseError(f"simsiam_loss_trains: your loss collapsed the projections in {steps} steps (effective rank "
                            f"{rank:.1f}, the package's loss keeps {want:.1f}): is the stop-gradient on the targets z?")
    print(f"simsiam_loss_trains: your loss trained SimSiam for {steps} steps without collapse (effective rank "
          f"{rank:.1f}, package loss {want:.1f}). Well done!")


def check_std_of_normalized(fn: Callable) -> None:
    """``fn(z)`` -> mean over dimensions of the batch std of the L2-normalised rows."""
    z = torch.randn(64, 8, generator=torch.Generator().manual_seed(4)) * 5 + 1
    _diagnose("std_of_normalized", _call("std_of_normalized", fn, z), metrics.std_of_normalized(z), {
        "rows are not L2-normalised first": z.std(dim=0).mean().item(),
        "std taken across dimensions instead of across the batch":
            F.normalize(z, dim=1).std(dim=1).mean().item(),
    })
    _passed("std_of_normalized")
