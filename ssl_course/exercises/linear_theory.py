"""Checkers of notebook 04 linear-network theory (Tian, Chen & Ganguli)."""
from __future__ import annotations

from typing import Callable
import math

import numpy as np

from ssl_course.exercises.common import ExerciseError, _passed, _call, _shadowed, _diagnose
from ssl_course.theory import linear


def check_fixed_points(fn: Callable) -> None:
    """``fn(tau, sigma2, eta)`` -> (p_minus, p_plus), or None when no fixed point exists."""
    for tau, sigma2, eta in [(1.0, 0.5, 0.05), (2.0, 0.1, 0.3)]:
        expected = linear.fixed_points(tau, sigma2, eta)
        answer = _call("fixed_points", fn, tau, sigma2, eta)
        if answer is None:
            raise ExerciseError(f"fixed_points: returned None for tau={tau}, sigma2={sigma2}, eta={eta}, below threshold")
        disc = math.sqrt(tau**2 - 4 * eta)
        _diagnose("fixed_points", answer, expected, {
            "returned (p_plus, p_minus): put the smaller root first": expected[::-1],
            "forgot the factor (1 + sigma2)": ((tau - disc) / 2, (tau + disc) / 2),
        })
    if _call("fixed_points", fn, 1.0, 0.5, 0.2) is not None:
        raise ExerciseError("fixed_points: eta = 0.2 is above tau^2 / (4 (1 + sigma2)): no real root, return None")
    _passed("fixed_points")


def check_mode_velocity(fn: Callable) -> None:
    """``fn(p, s, tau, sigma2, eta, alpha_p)`` -> (dp/dt, ds/dt) of one eigenmode."""
    args = (0.3, 0.5, 1.0, 0.5, 0.05, 2.0)
    expected = linear.mode_velocity(*args)
    p, s, tau, sigma2, eta, alpha_p = args
    gap = tau - (1 + sigma2) * p
    _diagnose("mode_velocity", _call("mode_velocity", fn, *args), expected, {
        "dp/dt misses the predictor's relative learning rate alpha_p": (s * gap - eta * p, expected[1]),
        "ds/dt: the weight decay on s is 2 eta s (s is a squared singular value)": (expected[0], 2 * p * s * gap - eta * s),
        "ds/dt: the growth term is 2 p s [tau - (1 + sigma2) p]": (expected[0], p * s * gap - 2 * eta * s),
    })
    _passed("mode_velocity")


def check_mode_velocity_trains(fn: Callable) -> None:
    """``fn`` as in ``check_mode_velocity``, now driving the learning dynamics: four modes on the
    balanced parabola are integrated (RK4) with it; at every evaluation it must give the package's
    velocity, and the modes end where the package's do (at p*+ or collapsed to 0)."""
    starts = np.array([0.05, 0.2, 0.5, 1.0])

    def both(p, s, tau, sigma2, eta, alpha_p):
        return _call("mode_velocity_trains", fn, p, s, tau, sigma2, eta, alpha_p), linear.mode_velocity(p, s, tau, sigma2, eta, alpha_p)

    checked, calls = _shadowed("mode_velocity_trains", both, "compare with the formula above", what="evaluation")
    _, p, _ = linear.simulate_modes(starts, starts**2, t_end=60, velocity_fn=checked)
    low, high = linear.fixed_points(1.0, 0.5, 0.05)
    fate = ["p*+" if abs(v - high) < 0.05 else "0" if abs(v) < 0.05 else f"{v:.2f}" for v in p[-1]]
    print(f"mode_velocity_trains: your velocity drove {len(starts)} modes through {len(calls)} evaluations, the package's "
          f"at each; from p = {', '.join(map(str, starts))} they end at {', '.join(fate)} (p*- = {low:.3f}). Well done!")


def check_no_stop_gradient_rate(fn: Callable) -> None:
    """``fn(p, tau, sigma2, eta)`` -> r with ds/dt = r s when the target branch W_a = tau W gets gradient too."""
    cases = [(0.6, 1.0, 0.5, 0.05), (1.0, 1.0, 0.5, 0.0), (0.3, 2.0, 0.2, 0.1), (1.5, 1.0, 0.0, 0.02)]
    answers = [_call("no_stop_gradient_rate", fn, *case) for case in cases]
    expected = [linear.no_stop_gradient_rate(*case) for case in cases]
    with_sg = [linear.mode_velocity(p, 1.0, t, v, e)[1] for p, t, v, e in cases]  # ds/dt at s = 1, with the stop-gradient
    _diagnose("no_stop_gradient_rate", answers, expected, {
        "that is the rate with the stop-gradient: the target branch W_a = tau W now gets gradient too, which adds "
        "2 tau [p - tau (1 + sigma2)] (differentiate -1/2 E||W_p W x1 - tau W x2||^2 in the target's W as well)": with_sg,
        "the weight decay is missing: ds/dt carries -2 eta s": [r + 2 * e for r, (p, t, v, e) in zip(expected, cases)],
        "the factor 2 is missing: ds/dt = 2 u^T (dW/dt) W^T u": [r / 2 for r in expected],
        "the target's term has the wrong sign: its gradient pulls tau W towards the prediction, "
        "+2 tau [p - tau (1 + sigma2)]": [w - 2 * t * (p - t * (1 + v)) for w, (p, t, v, e) in zip(with_sg, cases)],
    })
    tau, sigma2, eta = 1.0, 0.5, 0.05
    best_p = tau / (1 + sigma2)  # where (p - tau)^2 + sigma2 p^2 is least
    largest = _call("no_stop_gradient_rate", fn, best_p, tau, sigma2, eta)
    print(f"no_stop_gradient_rate: correct. Completing the square, r = -2 [(p - tau)^2 + sigma2 (p^2 + tau^2) + eta]; "
          f"at tau = 1, sigma2 = 0.5, eta = 0.05 r is largest at p = tau / (1 + sigma2) = {best_p:.3f}, where it is "
          f"{largest:.3f}: negative for every gain the predictor could take. Well done!")
