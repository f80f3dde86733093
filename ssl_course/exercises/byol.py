"""Checkers of notebook 02 BYOL."""
from __future__ import annotations

from typing import Callable
import math

import torch

from ssl_course.exercises.common import ExerciseError, _passed, _call, _train_with, _diagnose
from ssl_course.methods.byol import ema_momentum, ema_update


def check_ema_update(fn: Callable) -> None:
    """``fn(target_params, online_params, m)`` updates the target in place: t <- m t + (1 - m) o."""
    g = torch.Generator().manual_seed(2)
    online = [torch.randn(3, 2, generator=g), torch.randn(4, generator=g)]
    target = [torch.randn(3, 2, generator=g), torch.randn(4, generator=g)]
    before_online = [p.clone() for p in online]
    before_target = [p.clone() for p in target]
    m = 0.9
    _call("ema_update", fn, target, online, m)
    if not all(torch.equal(a, b) for a, b in zip(online, before_online)):
        raise ExerciseError("ema_update: the online parameters changed; only the target moves (it follows the online net)")
    if all(torch.equal(a, b) for a, b in zip(target, before_target)):
        raise ExerciseError("ema_update: the target did not change: update its tensors in place (e.g. t.mul_(m).add_(...))")
    expected = [t.clone() for t in before_target]
    ema_update(expected, before_online, m)  # the package's formula is the reference
    swapped = [(1 - m) * t + m * o for t, o in zip(before_target, before_online)]
    for got, want, wrong in zip(target, expected, swapped):
        _diagnose("ema_update", got, want, {"m and 1 - m are swapped: the target keeps a fraction m of itself": wrong})
    _passed("ema_update")


def check_ema_update_trains(fn: Callable, steps: int = 20) -> None:
    """``fn`` as in ``check_ema_update``, now driving BYOL's target network in real training, where m follows
    BYOL's cosine schedule: at every step the target's move must be the package's (same seed).

    The move, not the target itself, is compared: the target changes by a fraction 1 - m of its gap to the
    online network each step, too little for a wrong m to show in the target's values."""
    def both(target, online, m):
        before = torch.cat([t.flatten() for t in target]).double()
        expected = [t.clone() for t in target]
        ema_update(expected, online, m)
        fn(target, online, m)  # in place, as training needs it
        moved = torch.cat([t.flatten() for t in target]).double() - before
        wanted = torch.cat([t.flatten() for t in expected]).double() - before
        scale = wanted.abs().max().clamp_min(1e-12)
        return moved / scale, wanted / scale

    _train_with("ema_update_trains", "byol", "ema_update", both, steps,
                "the target moves by (1 - m) (o - t) with the m it is given (the schedule changes m every step), in place",
                tol=1e-2)
    print(f"ema_update_trains: your EMA update drove BYOL's target for {steps} steps, the package's target at every "
          "step. Well done!")


def check_byol_momentum(fn: Callable) -> None:
    """``fn(step, total_steps, base)`` -> BYOL's m = 1 - (1 - base)(cos(pi step / total) + 1) / 2."""
    steps, total, base = [0, 25, 50, 75, 100], 100, 0.99
    answer = [_call("byol_momentum", fn, s, total, base) for s in steps]
    expected = [ema_momentum(s, total, base) for s in steps]
    _diagnose("byol_momentum", answer, expected, {
        "the schedule runs backwards: m starts at base and rises to 1 at the end": expected[::-1],
        "m stays constant: it should follow a cosine from base up to 1": [base] * len(steps),
        "a linear ramp, not the cosine schedule": [base + (1 - base) * s / total for s in steps],
        "m goes above 1 at the end: cos(pi step / total) runs from 1 to -1; shift and scale it to run from 1 to 0":
            [1 - (1 - base) * math.cos(math.pi * s / total) for s in steps],
        "a quarter period of the cosine (pi / 2 over the run); BYOL's schedule uses half a period, shifted and scaled":
            [1 - (1 - base) * math.cos(math.pi * s / (2 * total)) for s in steps],
    })
    _passed("byol_momentum")


def check_ema_weights(fn: Callable) -> None:
    """``fn(m, k)`` -> the k + 1 weights that k EMA updates at a constant m give the online weights of each
    step, newest first, then the target's start: (1 - m) m^j for j = 0 .. k - 1, and m^k.

    The reference is measured, not written: the package's ``ema_update`` run on one-hot "weights", so
    the online weights of each step and the start can be told apart in the result."""
    m, k = 0.8, 5
    target = [torch.zeros(k + 1, dtype=torch.float64)]
    target[0][k] = 1.0  # the start
    for step in range(1, k + 1):  # the online weights of step `step` are the one-hot e_(k - step)
        online = [torch.zeros(k + 1, dtype=torch.float64)]
        online[0][k - step] = 1.0
        ema_update(target, online, m)
    expected = target[0]
    powers = torch.tensor([m**j for j in range(k + 1)], dtype=torch.float64)
    answer = _call("ema_weights", fn, m, k)
    if len(answer) == k:
        raise ExerciseError(f"ema_weights: {k} weights for {k} updates: the k + 1-th weight, the target's start, is "
                            "missing (the weights sum to 1 only with it)")
    _diagnose("ema_weights", answer, expected, {
        "oldest first: the newest online weights come first, the target's start last":
            torch.cat([expected[:k].flip(0), expected[k:]]),
        "m and 1 - m are swapped: each update keeps m of the target and adds (1 - m) of the online weights":
            torch.cat([m * (1 - m) ** torch.arange(k, dtype=torch.float64), torch.tensor([(1 - m) ** k])]),
        "one power of m too many: the newest online weights were added by the last update and kept (1 - m)":
            torch.cat([(1 - m) * powers[1:], powers[k:]]),
        "the target's start kept m once per update: m^k, not m": torch.cat([expected[:k], torch.tensor([m])]),
    })
    _passed("ema_weights")
