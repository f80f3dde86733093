"""Checkers of notebook 03 SimSiam."""
from __future__ import annotations

from typing import Callable
import torch

from ssl_course import losses, metrics
from ssl_course.exercises.common import ExerciseError, _passed, _call, _diagnose, _tensor_loss


def check_simsiam_loss(fn: Callable) -> None:
    """``fn(p1, p2, z1, z2)`` -> D(p1, sg(z2)) / 2 + D(p2, sg(z1)) / 2 with D the negative cosine."""
    g = torch.Generator().manual_seed(3)
    p1, p2, z1, z2 = (torch.randn(6, 5, generator=g, requires_grad=True) for _ in range(4))
    answer = _tensor_loss("simsiam_loss", _call("simsiam_loss", fn, p1, p2, z1, z2))
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


def check_simsiam_by_hand(fn: Callable, steps: int = 200) -> None:
    """``fn(config)`` -> the loss of every step of SimSiam's training written by hand, from
    ``train.same_start_as_train(config)``; it must match ``train(config)``'s own losses at every step
    (within 1e-5) for ``steps`` steps of the course's CPU preset."""
    from ssl_course.presets import for_steps, preset
    from ssl_course.train import train

    config = for_steps(preset("simsiam", out=None, progress=False, final_eval=False), steps)
    mine = [float(v) for v in _call("simsiam_by_hand", fn, config)]
    reference = [row["loss"] for row in train(config).history]
    if len(mine) != len(reference):
        raise ExerciseError(f"simsiam_by_hand: {len(mine)} losses for {len(reference)} steps: append loss.item() "
                            "once per step")
    gaps = [abs(a - b) for a, b in zip(mine, reference)]
    bad = next((i for i, gap in enumerate(gaps) if not gap <= 1e-5), None)
    if bad == 0:
        a, b = mine[0], reference[0]
        if abs(a + b) <= 1e-5:
            raise ExerciseError("simsiam_by_hand: the sign is flipped at step 1: SimSiam minimises the *negative* cosine")
        if abs(a - 2 * b) <= 1e-5:
            raise ExerciseError("simsiam_by_hand: twice the trainer's loss at step 1: average the two view orders (1/2)")
        raise ExerciseError(f"simsiam_by_hand: the loss of step 1 differs (yours {a:+.5f}, the trainer's {b:+.5f}): "
                            "the forward pass is z = projector(backbone(view)), p = predictor(z), for both views, and "
                            "the loss 1/2 [D(p1, z2) + D(p2, z1)], D = minus the cosine, averaged over the batch")
    if bad is not None:
        later, theirs = sum(mine[bad:]) / len(mine[bad:]), sum(reference[bad:]) / len(reference[bad:])
        where = f"the losses agree up to step {bad}, then differ (yours {mine[bad]:+.5f}, the trainer's {reference[bad]:+.5f})"
        if later < theirs - 0.05:
            raise ExerciseError(f"simsiam_by_hand: {where} and yours falls faster ({mine[-1]:+.3f} against "
                                f"{reference[-1]:+.3f} at the end): the gradient also flows through the targets: the "
                                "stop-gradient (z.detach()) is missing")
        if gaps[bad] < 1e-3 or bad > 2:  # a small difference that grows: the lr of some steps
            raise ExerciseError(f"simsiam_by_hand: {where}: the updates drift apart over time: set every group's lr "
                                "from scheduled_lr(step) at every step (the cosine schedule changes it each step)")
        if bad == 1:
            raise ExerciseError(f"simsiam_by_hand: {where}: the first update is not the trainer's: SGD with "
                                "config.momentum and config.weight_decay, two groups (backbone + projector at the "
                                "scheduled lr, the predictor at config.predictor_lr_multiplier times it), each group's "
                                "lr set to scheduled_lr(step) times its scale before optimizer.step(), and the "
                                "stop-gradient on z")
        raise ExerciseError(f"simsiam_by_hand: {where}: the first update matches, the second does not: the "
                            "gradients of step 1 are still there at step 2: call optimizer.zero_grad() every step")
    exact = "bit-exact" if max(gaps) == 0 else "within 1e-5"
    print(f"simsiam_by_hand: your {steps} steps match train(config) at every step, largest difference "
          f"{max(gaps):.1e} ({exact}); loss {mine[0]:+.4f} at step 1, {mine[-1]:+.4f} at step {steps}. Well done!")


def check_std_of_k_directions(fn: Callable) -> None:
    """``fn(k, d)`` -> the collapse monitor ``metrics.std_of_normalized`` of outputs spread evenly over k of
    their d coordinates: each of the k has E[z_i^2] = 1/k once a row is unit length, so std 1/sqrt(k), and the
    mean over all d coordinates is sqrt(k) / d."""
    cases = [(1, 8), (4, 8), (8, 8), (3, 128), (128, 128)]
    ks = torch.tensor([k for k, _ in cases], dtype=torch.float64)
    ds = torch.tensor([d for _, d in cases], dtype=torch.float64)
    answers = [_call("std_of_k_directions", fn, k, d) for k, d in cases]
    _diagnose("std_of_k_directions", answers, ks.sqrt() / ds, {
        "that is the std in each of the k coordinates; the monitor averages over all d, and the d - k empty "
        "ones give 0": 1 / ks.sqrt(),
        "k is ignored: that is the healthy value, k = d": 1 / ds.sqrt(),
        "the mean of the variances, not of the stds: each of the k coordinates has E[z_i^2] = 1/k, so std "
        "1/sqrt(k)": 1 / ds,
        "the rows are not unit length: with std 1 in each of the k coordinates normalising divides each row by "
        "about sqrt(k)": ks / ds,
    })
    g = torch.Generator().manual_seed(4)
    measured = []
    for k, d in cases:  # the monitor itself, on 20 000 such outputs
        z = torch.cat([torch.randn(20_000, k, generator=g, dtype=torch.float64),
                       torch.zeros(20_000, d - k, dtype=torch.float64)], dim=1)
        measured.append(metrics.std_of_normalized(z))
    if max(abs(m - e) / e for m, e in zip(measured, (ks.sqrt() / ds).tolist())) > 0.02:
        raise ExerciseError("std_of_k_directions: the formula and the measured monitor disagree by more than 2 %")
    shown = ", ".join(f"k = {k} of d = {d}: {m:.4f} measured, {a:.4f} yours" for (k, d), m, a in
                      zip(cases[2:4], measured[2:4], answers[2:4]))
    print(f"std_of_k_directions: correct. {shown}. Well done!")
