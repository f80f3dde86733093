"""Checkers for the notebooks' exercises: ``check_<name>(student_function)``.

Each checker runs the learner's function and the package's reference on seeded random
inputs. It prints a short pass message, or raises ``ExerciseError`` with a hint naming the
likely mistake (shape wrong, temperature not applied, stop-gradient forgotten, ...).

    >>> from ssl_course.losses import info_nce
    >>> check_info_nce(info_nce)
    info_nce: correct. Well done!
    True
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ssl_course import losses, metrics, predictors
from ssl_course.methods.byol import ema_momentum, ema_update
from ssl_course.theory import linear


class ExerciseError(AssertionError):
    """A learner's answer is wrong; the message says how."""


def _passed(name: str) -> bool:
    print(f"{name}: correct. Well done!")
    return True


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


def _shadowed(name: str, learner: Callable, hint: str, what: str = "step") -> tuple[Callable, list[int]]:
    """``learner(*args)`` -> (the learner's answer, the package's on the same inputs); the wrapped
    function returns the learner's answer and raises at the first call where the two disagree."""
    calls: list[int] = []

    def checked(*args):
        calls.append(len(calls) + 1)
        answer, expected = learner(*args)
        if not _close(answer, expected, tol=1e-4):
            raise ExerciseError(f"{name}: inside real training, your code disagrees with the package's at {what} "
                                f"{calls[-1]}{': ' + hint if hint else ''}")
        return answer

    return checked, calls


def _train_with(name: str, method: str, hook: str, learner: Callable, steps: int = 20, hint: str = "",
                **options) -> None:
    """Train ``method``'s CPU preset (with ``options``) ``steps`` steps with the learner's code in ``hook``
    (``train``'s hooks).

    ``learner(*args)`` returns (the learner's answer to use, the package's answer on the same inputs);
    each call is compared, so one wrong step is named even though training chaos would hide it in
    the loss curve; raises at the first one that disagrees.
    """
    from ssl_course.presets import for_steps, preset
    from ssl_course.train import train

    checked, _ = _shadowed(name, learner, hint)
    config = for_steps(preset(method, out=None, progress=False, final_eval=False, **options), steps)
    try:
        result = train(config, **{hook: checked})
    except NotImplementedError:
        raise ExerciseError(f"{name}: not implemented yet: replace `raise NotImplementedError()` with your code") from None
    if not math.isfinite(result.loss):
        raise ExerciseError(f"{name}: training with your code ended with loss {result.loss}")


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
    raise ExerciseError(f"{name}: wrong values (expected {e.flatten()[:4].tolist()}..., got {a.flatten()[:4].tolist()}...)")


def judge_prediction(question: str, answer, outcome, choices, why: str = "") -> bool:
    """A "predict, then run" question: the learner's ``answer``, one of ``choices``, against what the
    runs measured (``outcome``); a wrong prediction raises with the measured answer and ``why``.

    >>> judge_prediction("which collapses", "no stop-gradient", "no stop-gradient", ("SimSiam", "no stop-gradient"))
    which collapses: 'no stop-gradient', as measured. Well predicted!
    True
    """
    if answer is None or answer is Ellipsis:
        raise ExerciseError(f"{question}: write your prediction first, one of {', '.join(map(repr, choices))}")
    if answer not in choices:
        raise ExerciseError(f"{question}: answer one of {', '.join(map(repr, choices))}, not {answer!r}")
    if outcome not in choices:
        raise ValueError(f"{question}: the measured outcome {outcome!r} is none of the choices")
    if answer != outcome:
        raise ExerciseError(f"{question}: you predicted {answer!r}, the runs give {outcome!r}. {why}".rstrip())
    print(f"{question}: {answer!r}, as measured. Well predicted!" + (f" {why}" if why else ""))
    return True


# 01 contrastive learning ------------------------------------------------------------------

def check_similarity_matrix(fn: Callable) -> bool:
    """``fn(z)`` -> the (N, N) matrix of cosine similarities of the rows of z."""
    z = torch.randn(6, 5, generator=torch.Generator().manual_seed(0)) * 3
    expected = F.normalize(z, dim=1) @ F.normalize(z, dim=1).T
    _diagnose("similarity_matrix", _call("similarity_matrix", fn, z), expected, {
        "rows are not L2-normalised: divide each row by its norm before the dot products": z @ z.T,
        "normalised the columns instead of the rows (dim=1)": F.normalize(z, dim=0) @ F.normalize(z, dim=0).T,
    })
    return _passed("similarity_matrix")


def check_info_nce(fn: Callable) -> bool:
    """``fn(z1, z2, temperature)`` -> SimCLR's NT-Xent loss over all 2N anchors."""
    g = torch.Generator().manual_seed(1)
    z1, z2, t = torch.randn(8, 4, generator=g), torch.randn(8, 4, generator=g), 0.3
    expected = losses.info_nce(z1, z2, t)

    def unmasked(a, b, temperature):
        z = F.normalize(torch.cat([a, b]), dim=1)
        n = a.shape[0]
        return F.cross_entropy(z @ z.T / temperature, torch.cat([torch.arange(n, 2 * n), torch.arange(n)]))

    def one_direction(a, b, temperature):
        logits = F.normalize(a, dim=1) @ F.normalize(b, dim=1).T / temperature
        return F.cross_entropy(logits, torch.arange(a.shape[0]))

    _diagnose("info_nce", _call("info_nce", fn, z1, z2, t), expected, {
        "the temperature is not applied: divide the similarities by it": losses.info_nce(z1, z2, 1.0),
        "a sample's similarity with itself is counted as a negative: mask the diagonal with -inf": unmasked(z1, z2, t),
        "only N anchors from view 1 against view 2; use all 2N (each view is the other's positive)":
            one_direction(z1, z2, t),
        "the embeddings are not L2-normalised": F.cross_entropy(
            (torch.cat([z1, z2]) @ torch.cat([z1, z2]).T / t).fill_diagonal_(float("-inf")),
            torch.cat([torch.arange(8, 16), torch.arange(8)])),
    })
    return _passed("info_nce")


def check_info_nce_trains(fn: Callable, steps: int = 20) -> bool:
    """``fn(z1, z2, temperature)`` as SimCLR's loss in real training: ``steps`` steps of the CPU preset
    must follow the package's run (same seed) step by step."""
    from ssl_course.presets import preset

    temperature = preset("simclr").temperature

    def both(p1, p2, z1, z2):  # SimCLR has no predictor: p = z, and each view is the other's positive
        return fn(p1, p2, temperature), losses.info_nce(p1.detach(), p2.detach(), temperature)

    _train_with("info_nce_trains", "simclr", "loss", both, steps, "compare your loss with the formula above")
    print(f"info_nce_trains: your InfoNCE trained SimCLR for {steps} steps, the package's value at every step. Well done!")
    return True


# 02 BYOL ----------------------------------------------------------------------------------

def check_ema_update(fn: Callable) -> bool:
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
    return _passed("ema_update")


def check_ema_update_trains(fn: Callable, steps: int = 20) -> bool:
    """``fn`` as in ``check_ema_update``, now driving BYOL's target network in real training: after
    ``steps`` steps of the CPU preset the target must equal the package's run's (same seed)."""
    def both(target, online, m):
        expected = [t.clone() for t in target]
        ema_update(expected, online, m)
        fn(target, online, m)  # in place, as training needs it
        return torch.cat([t.flatten() for t in target]), torch.cat([t.flatten() for t in expected])

    _train_with("ema_update_trains", "byol", "ema_update", both, steps, "the target is t <- m t + (1 - m) o, in place")
    print(f"ema_update_trains: your EMA update drove BYOL's target for {steps} steps, the package's target at every "
          "step. Well done!")
    return True


def check_byol_momentum(fn: Callable) -> bool:
    """``fn(step, total_steps, base)`` -> BYOL's m = 1 - (1 - base)(cos(pi step / total) + 1) / 2."""
    steps, total, base = [0, 25, 50, 75, 100], 100, 0.99
    answer = [_call("byol_momentum", fn, s, total, base) for s in steps]
    expected = [ema_momentum(s, total, base) for s in steps]
    _diagnose("byol_momentum", answer, expected, {
        "the schedule runs backwards: m starts at base and rises to 1 at the end": expected[::-1],
        "m stays constant: it should follow a cosine from base up to 1": [base] * len(steps),
        "a linear ramp, not the cosine schedule": [base + (1 - base) * s / total for s in steps],
    })
    return _passed("byol_momentum")


# 03 SimSiam -------------------------------------------------------------------------------

def check_simsiam_loss(fn: Callable) -> bool:
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
    return _passed("simsiam_loss")


def check_simsiam_loss_trains(fn: Callable, steps: int = 100) -> bool:
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
    return True


def check_std_of_normalized(fn: Callable) -> bool:
    """``fn(z)`` -> mean over dimensions of the batch std of the L2-normalised rows."""
    z = torch.randn(64, 8, generator=torch.Generator().manual_seed(4)) * 5 + 1
    _diagnose("std_of_normalized", _call("std_of_normalized", fn, z), metrics.std_of_normalized(z), {
        "rows are not L2-normalised first": z.std(dim=0).mean().item(),
        "std taken across dimensions instead of across the batch":
            F.normalize(z, dim=1).std(dim=1).mean().item(),
    })
    return _passed("std_of_normalized")


# 04 linear-network theory -----------------------------------------------------------------

def check_fixed_points(fn: Callable) -> bool:
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
    return _passed("fixed_points")


def check_mode_velocity(fn: Callable) -> bool:
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
    return _passed("mode_velocity")


def check_mode_velocity_trains(fn: Callable) -> bool:
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
    return True


# 05 Wen & Li ------------------------------------------------------------------------------

def check_offdiag_head(fn: Callable) -> bool:
    """``fn(A)`` -> E = I + A with A's diagonal ignored (the diagonal stays frozen at 1)."""
    A = torch.randn(3, 3, generator=torch.Generator().manual_seed(5))
    expected = predictors.identity_plus_off_diagonal(A)
    _diagnose("offdiag_head", _call("offdiag_head", fn, A), expected, {
        "the diagonal is trainable too: mask it out so that E_ii = 1": torch.eye(3) + A,
        "forgot the identity: E = I + off-diagonal part": A * (1 - torch.eye(3)),
    })
    return _passed("offdiag_head")


def check_offdiag_head_trains(fn: Callable, steps: int = 300) -> bool:
    """``fn`` as in ``check_offdiag_head``, now the head of Wen & Li's toy network while it trains
    (``wen_li.run(head_fn=...)``): at every step it must build the package's E, and after training the
    diagonal is still 1 while the off-diagonal entries have moved."""
    from ssl_course.theory import wen_li

    def both(A):
        return _call("offdiag_head_trains", fn, A), predictors.identity_plus_off_diagonal(A)

    checked, _ = _shadowed("offdiag_head_trains", both, "E = I + the off-diagonal part of A, diagonal frozen")
    history = wen_li.run("offdiag", steps=steps, seed=1, record_every=steps, head_fn=checked)
    E = history.head[-1]
    print(f"offdiag_head_trains: your head trained with the toy for {steps} steps, the package's E at every step; "
          f"it ends at E_12 = {E[0, 1]:+.2f}, E_21 = {E[1, 0]:+.2f}, diagonal {E[0, 0]:.0f}, {E[1, 1]:.0f}. Well done!")
    return True


def check_batchnorm_no_affine(fn: Callable) -> bool:
    """``fn(x)`` -> (x - batch mean) / batch std, per output neuron (columns), no scale or shift."""
    x = torch.randn(32, 3, generator=torch.Generator().manual_seed(6)) * 4 + 2
    expected = (x - x.mean(0)) / x.std(0)
    answer = _call("batchnorm_no_affine", fn, x)
    if not _close(answer, (x - x.mean(0)) / x.std(0, unbiased=False)):  # either std estimate is fine
        _diagnose("batchnorm_no_affine", answer, expected, {
            "normalised each sample (row) instead of each neuron over the batch (columns, dim=0)":
                (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True),
            "only centred: also divide by the batch std": x - x.mean(0),
        })
    return _passed("batchnorm_no_affine")


# 06 DirectPred ----------------------------------------------------------------------------

def check_correlation_update(fn: Callable) -> bool:
    """``fn(F_hat, z, rho)`` -> rho F_hat + (1 - rho) z^T z / N (uncentred)."""
    g = torch.Generator().manual_seed(7)
    F_hat, z, rho = torch.eye(4) * 0.5, torch.randn(16, 4, generator=g) + 1, 0.3
    current = z.T @ z / z.shape[0]
    centred = (z - z.mean(0)).T @ (z - z.mean(0)) / z.shape[0]
    _diagnose("correlation_update", _call("correlation_update", fn, F_hat, z, rho), rho * F_hat + (1 - rho) * current, {
        "rho and 1 - rho are swapped: rho weighs the running average": (1 - rho) * F_hat + rho * current,
        "the batch was mean-centred: DirectPred uses the uncentred correlation E[z z^T]": rho * F_hat + (1 - rho) * centred,
        "z z^T is (N, N); the correlation is z^T z / N, (D, D)": rho * F_hat + (1 - rho) * z.T @ z,
    })
    return _passed("correlation_update")


def check_directpred_weight(fn: Callable) -> bool:
    """``fn(F, eps)`` -> W_p = U diag(sqrt(s / s_max) + eps) U^T from F = U diag(s) U^T."""
    g = torch.Generator().manual_seed(8)
    m = torch.randn(5, 5, generator=g, dtype=torch.float64)
    F_, eps = m @ m.T, 0.1
    s, U = torch.linalg.eigh(F_)
    s = s.clamp_min(0)

    def weight(p):
        return U @ torch.diag(p) @ U.T

    _diagnose("directpred_weight", _call("directpred_weight", fn, F_, eps), predictors.directpred_weight(F_, eps), {
        "forgot the square root: p_j = sqrt(s_j / s_max) + eps": weight(s / s.max() + eps),
        "not normalised by the largest eigenvalue": weight(s.sqrt() + eps),
        "eps is missing": weight((s / s.max()).sqrt()),
        "U^T diag(p) U: the eigenvectors are the columns of U, so W_p = U diag(p) U^T":
            U.T @ torch.diag((s / s.max()).sqrt() + eps) @ U,
    })
    return _passed("directpred_weight")


def check_directpred_weight_trains(fn: Callable, steps: int = 20) -> bool:
    """``fn`` as in ``check_directpred_weight``, now setting SimSiam's predictor in real training
    (``--predictor directpred``): the run and the final W_p must match the package's (same seed)."""
    def both(F_, eps):
        return fn(F_.clone(), eps), predictors.directpred_weight(F_, eps)

    _train_with("directpred_weight_trains", "simsiam", "predictor_weight", both, steps,
                "W_p = U diag(sqrt(s / s_max) + eps) U^T", predictor="directpred")
    print(f"directpred_weight_trains: your DirectPred weight set SimSiam's predictor for {steps} steps, the package's "
          "W_p at every step. Well done!")
    return True


# 07 dimensional collapse ------------------------------------------------------------------

def check_explained_variance_auc(fn: Callable) -> bool:
    """``fn(features)`` -> mean of the cumulative curve of singular values of the centred features."""
    g = torch.Generator().manual_seed(9)
    x = torch.randn(100, 6, generator=g) @ torch.diag(torch.tensor([4.0, 2, 1, 0.5, 0.2, 0.1])) + 3
    s = torch.linalg.svdvals(x - x.mean(0))
    _diagnose("explained_variance_auc", _call("explained_variance_auc", fn, x), metrics.explained_variance_auc(x), {
        "the features were not mean-centred": (torch.cumsum(torch.linalg.svdvals(x), 0)
                                               / torch.linalg.svdvals(x).sum()).mean().item(),
        "used squared singular values (variances); Li et al. use the singular values":
            (torch.cumsum(s**2, 0) / (s**2).sum()).mean().item(),
    })
    return _passed("explained_variance_auc")


def check_effective_rank(fn: Callable) -> bool:
    """``fn(z)`` -> exp(entropy of the singular values normalised to sum 1), uncentred."""
    z = torch.randn(50, 6, generator=torch.Generator().manual_seed(10)) @ torch.diag(torch.tensor([3.0, 2, 1, 1, .5, .1]))
    s = torch.linalg.svdvals(z)
    p2 = s**2 / (s**2).sum()
    _diagnose("effective_rank", _call("effective_rank", fn, z), metrics.effective_rank(z), {
        "returned the entropy: the effective rank is its exponential":
            -(s / s.sum() * (s / s.sum()).log()).sum().item(),
        "normalised the squared singular values; use s / sum(s)": torch.exp(-(p2 * p2.log()).sum()).item(),
    })
    return _passed("effective_rank")


def check_effective_rank_trains(fn: Callable, steps: int = 20) -> bool:
    """``fn`` as in ``check_effective_rank``, now the trainer's collapse monitor (``train(effective_rank=...)``):
    ``steps`` steps of SimSiam's CPU preset, measured at every step, must read as the package's monitor."""
    def both(z):
        return _call("effective_rank_trains", fn, z), metrics.effective_rank(z)

    _train_with("effective_rank_trains", "simsiam", "effective_rank", both, steps, "compare with the formula above",
                log_every=1)  # the monitor at every step
    print(f"effective_rank_trains: your effective rank watched SimSiam train for {steps} steps and read what the "
          "package's monitor reads at every step. Well done!")
    return True


CHECKERS = {name[len("check_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("check_")}
