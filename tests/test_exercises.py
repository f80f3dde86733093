"""Every checker accepts a hand-written answer and rejects plausible wrong ones with the right hint.

The answers here are written from the formulas, not taken from the package functions the checkers
compare against: a checker that agreed with a wrong package function would fail here."""
import math

import numpy as np

import pytest
import torch
import torch.nn.functional as F

from ssl_course import exercises as ex
from ssl_course import losses


def ema_reference(target, online, m):
    torch._foreach_mul_(target, m)
    torch._foreach_add_(target, online, alpha=1 - m)


def ema_swapped(target, online, m):
    for t, o in zip(target, online):
        t.mul_(1 - m).add_(o, alpha=m)


def directpred_reference(F_, eps):
    s, U = torch.linalg.eigh(F_)
    s = s.clamp_min(0)
    return U @ torch.diag((s / s.max()).sqrt() + eps) @ U.T


def info_nce_by_hand(z1, z2, t):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = len(z1)
    sim = z @ z.T / t - 1e9 * torch.eye(2 * n)  # no sample is its own negative
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return -(sim[torch.arange(2 * n), positives] - torch.logsumexp(sim, dim=1)).mean()


def info_nce_for_eight(z1, z2, t):
    """InfoNCE written for the unit check's 8 pairs only: right there, wrong on a real batch."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.T / t - 1e9 * torch.eye(16)
    return F.cross_entropy(sim, torch.cat([torch.arange(8, 16), torch.arange(8)]))


def info_nce_labels_on_itself(z1, z2, t):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    return F.cross_entropy((z @ z.T / t).fill_diagonal_(float("-inf")), torch.arange(2 * len(z1)))


def mode_velocity_by_hand(p, s, tau, sigma2, eta, alpha_p):
    gap = tau - (1 + sigma2) * p
    return alpha_p * s * gap - eta * p, 2 * p * s * gap - 2 * eta * s


def fixed_points_by_hand(tau, sigma2, eta):
    """The nonzero roots of p^2 [tau - (1 + sigma2) p] - eta p = 0, i.e. of (1 + sigma2) p^2 - tau p + eta."""
    roots = np.roots([1 + sigma2, -tau, eta])
    return None if np.iscomplex(roots).any() else tuple(sorted(roots.real))


def auc_by_hand(x):
    s = torch.linalg.svdvals(x - x.mean(0))
    return (s.cumsum(0) / s.sum()).mean().item()


def not_implemented(*args):
    raise NotImplementedError()


def simsiam_loop_by_hand(stop_gradient=True, sign=1.0, predictor_scaled=True, zero_grad=True, schedule_every_step=True):
    """SimSiam's training written out from the paper (Chen & He, Algorithm 1), on the trainer's start."""
    from ssl_course.train import same_start_as_train

    def train_by_hand(config):
        model, batches, scheduled_lr = same_start_as_train(config)
        groups = [{"params": [*model.backbone.parameters(), *model.projector.parameters()], "scale": 1.0},
                  {"params": list(model.predictor.parameters()),
                   "scale": config.predictor_lr_multiplier if predictor_scaled else 1.0}]
        optimizer = torch.optim.SGD(groups, lr=0.0, momentum=config.momentum, weight_decay=config.weight_decay)
        out = []
        for step, (x1, x2) in enumerate(batches):
            for group in optimizer.param_groups:
                group["lr"] = scheduled_lr(step if schedule_every_step else 0) * group["scale"]
            z1, z2 = model.projector(model.backbone(x1)), model.projector(model.backbone(x2))
            p1, p2 = model.predictor(z1), model.predictor(z2)
            if stop_gradient:
                z1, z2 = z1.detach(), z2.detach()
            loss = sign * 0.5 * (-F.cosine_similarity(p1, z2, dim=1).mean() - F.cosine_similarity(p2, z1, dim=1).mean())
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            out.append(loss.item())
        return out

    return train_by_hand


def ema_weights_by_hand(m, k):
    """Unrolled t_k = m t_(k-1) + (1 - m) o_k: the newest online weights keep (1 - m), each older one a
    further factor m, the start m^k."""
    return [(1 - m) * m**j for j in range(k)] + [m**k]


def cubic_moment_by_sampling(var_i, var_j, cov):
    """E[x_i^3 x_j^3], estimated from 400 000 Gaussian pairs with exactly these (sample) moments."""
    g = torch.Generator().manual_seed(12)
    out = []
    for a, b, c in zip(var_i.tolist(), var_j.tolist(), cov.tolist()):
        x = torch.randn(400_000, 2, generator=g, dtype=torch.float64)
        x = x - x.mean(0)
        x = x @ torch.linalg.inv(torch.linalg.cholesky(x.T @ x / len(x))).T  # whitened: identity covariance
        target = torch.tensor([[a, c], [c, b]], dtype=torch.float64)
        root = torch.linalg.cholesky(target + 1e-12 * torch.eye(2, dtype=torch.float64))
        y = x @ root.T
        out.append((y[:, 0] ** 3 * y[:, 1] ** 3).mean().item())
    return torch.tensor(out)


def ema_at_the_base_m(target, online, m):
    for t, o in zip(target, online):
        t.mul_(0.9).add_(0.1 * o)  # the preset's base m, written in: right only while the schedule is at its start


def velocity_of_floats(p, s, tau, sigma2, eta, alpha_p):
    gap = tau - (1 + sigma2) * p
    return float(alpha_p * s * gap - eta * p), float(2 * p * s * gap - 2 * eta * s)


def head_zeroing_a_in_place(A):
    A.fill_diagonal_(0)
    return torch.eye(len(A)) + A


CASES = {  # name: (a reference answer, [(a wrong answer, a fragment of the hint it must get)])
    "ema_weights": (ema_weights_by_hand, [(lambda m, k: ema_weights_by_hand(m, k)[:k][::-1] + [m**k], "oldest first"),
                                          (lambda m, k: ema_weights_by_hand(1 - m, k), "swapped"),
                                          (lambda m, k: ema_weights_by_hand(m, k)[:k], "the target.s start, is missing")]),
    "cubic_moment": (lambda a, b, c: 9 * a * b * c + 6 * c**3, [(lambda a, b, c: 9 * a * b * c, "term is missing"),
                                                              (lambda a, b, c: 3 * a * b * c + 6 * c**3, "3 ways")]),
    "directpred_alpha_p": (lambda s: 1 / max(s.tolist()), [(lambda s: s.max(), "inverted"),
                                                          (lambda s: 1 / s, "one number")]),
    "evenly_spread_auc": (lambda k, d: (sum(i / k for i in range(1, k + 1)) + (d - k)) / d,
                          [(lambda k, d: (k + 1) / (2 * k), "stays at 1"), (lambda k, d: (d + 1) / (2 * d), "ignored")]),
    "similarity_matrix": (lambda z: F.normalize(z, dim=1) @ F.normalize(z, dim=1).T,
                          [(lambda z: z @ z.T, "not L2-normalised"), (lambda z: z[:3] @ z.T, "wrong shape")]),
    "info_nce": (info_nce_by_hand, [(lambda a, b, t: info_nce_by_hand(a, b, 1.0), "temperature"),
                                   (lambda a, b, t: F.cross_entropy(F.normalize(a, dim=1) @ F.normalize(b, dim=1).T / t,
                                                                    torch.arange(len(a))), "2N"),
                                   (info_nce_labels_on_itself, "point at each anchor itself"),
                                   (lambda a, b, t: info_nce_by_hand(a, b, t).item(), "not a tensor")]),
    "ema_update": (ema_reference, [(ema_swapped, "swapped"), (lambda t, o, m: None, "did not change")]),
    "byol_momentum": (lambda s, n, b: 1 - (1 - b) * (math.cos(math.pi * s / n) + 1) / 2,
                      [(lambda s, n, b: b, "constant"), (lambda s, n, b: b + (1 - b) * s / n, "linear"),
                       (lambda s, n, b: 1 - (1 - b) * math.cos(math.pi * s / n), "above 1"),
                       (lambda s, n, b: 1 - (1 - b) * math.cos(math.pi * s / (2 * n)), "quarter period")]),
    "simsiam_loss": (lambda p1, p2, z1, z2: (losses.negative_cosine(p1, z2.detach())
                                            + losses.negative_cosine(p2, z1.detach())) / 2,
                     [(lambda p1, p2, z1, z2: (losses.negative_cosine(p1, z2) + losses.negative_cosine(p2, z1)) / 2,
                       "stop-gradient"),
                      (lambda p1, p2, z1, z2: ((losses.negative_cosine(p1, z2.detach())
                                                + losses.negative_cosine(p2, z1.detach())) / 2).item(), "not a tensor"),
                      (lambda p1, p2, z1, z2: losses.negative_cosine(p1, z2.detach()), "one view order")]),
    "std_of_k_directions": (lambda k, d: math.sqrt(k) / d,
                            [(lambda k, d: 1 / math.sqrt(k), "the d - k empty"), (lambda k, d: 1 / math.sqrt(d), "k is ignored"),
                             (lambda k, d: k / d, "not unit length"), (lambda k, d: 1 / d, "mean of the variances")]),
    "fixed_points": (fixed_points_by_hand, [(lambda t, s, e: fixed_points_by_hand(t, s, e)[::-1], "smaller root"),
                                            (lambda t, s, e: (0.1, 0.5), "wrong values")]),
    "mode_velocity": (mode_velocity_by_hand, [(lambda p, s, t, sg, e, a: mode_velocity_by_hand(p, s, t, sg, e, 1.0),
                                               "alpha_p")]),
    "offdiag_head": (lambda A: torch.eye(len(A)) + A * (1 - torch.eye(len(A))),
                     [(lambda A: torch.eye(len(A)) + A, "diagonal")]),
    "directpred_weight": (directpred_reference, [(lambda F_, e: directpred_reference(F_, 0.0), "eps")]),
    "explained_variance_auc": (auc_by_hand, [(lambda x: auc_by_hand(x) * 0 + 0.5, "wrong values")]),
    "simsiam_by_hand": (simsiam_loop_by_hand(), [(simsiam_loop_by_hand(stop_gradient=False), "stop-gradient"),
                                               (simsiam_loop_by_hand(sign=-1.0), "sign is flipped"),
                                               (simsiam_loop_by_hand(predictor_scaled=False), "first update"),
                                               (simsiam_loop_by_hand(zero_grad=False), "zero_grad"),
                                               (simsiam_loop_by_hand(schedule_every_step=False), "at every step")]),
    "info_nce_trains": (info_nce_by_hand, [(lambda a, b, t: info_nce_by_hand(a, b, 1.0), "at step 1: compare"),
                                           (info_nce_for_eight, "raised RuntimeError at step 1")]),
    "ema_update_trains": (ema_reference, [(ema_swapped, "at step 1: the target"), (ema_at_the_base_m, "at step 8: the target")]),
    # the online and the target branch's terms written out, not the package's completed square
    "no_stop_gradient_rate": (lambda p, t, v, e: 2 * p * (t - (1 + v) * p) + 2 * t * (p - t * (1 + v)) - 2 * e,
                              [(lambda p, t, v, e: 2 * p * (t - (1 + v) * p) - 2 * e, "rate with the stop-gradient"),
                               (lambda p, t, v, e: 2 * p * (t - (1 + v) * p) - 2 * t * (p - t * (1 + v)) - 2 * e, "wrong sign"),
                               (lambda p, t, v, e: p * (t - (1 + v) * p) + t * (p - t * (1 + v)) - e, "factor 2")]),
    "mode_velocity_trains": (mode_velocity_by_hand,
                             [(lambda p, s, t, s2, e, a: (mode_velocity_by_hand(p, s, t, s2, e, a)[0],
                                                          2 * p * s * (t - (1 + s2) * p) - e * s), "at evaluation 1:"),
                              (velocity_of_floats, "raised TypeError at evaluation 1")]),
    "offdiag_head_trains": (lambda A: torch.eye(len(A)) + A * (1 - torch.eye(len(A))),
                            [(lambda A: torch.eye(len(A)) + A, "disagrees with the package's at step 8:"),
                             (head_zeroing_a_in_place, "raised RuntimeError at step 1")]),  # E = I leaves the loss blind to E_kk at first
}


def test_every_checker_has_cases():
    assert set(CASES) == set(ex.CHECKERS)


SHORT = {"simsiam_by_hand": {"steps": 30}}  # its wrong answers show within 30 steps
TRAINING = {"simsiam_by_hand", "info_nce_trains", "ema_update_trains"}  # checkers that run real training: seconds each
NAMES = [pytest.param(name, marks=pytest.mark.slow) if name in TRAINING else name for name in sorted(CASES)]


# The training checkers accept the reference solution in notebooks 01, 02, 03 and 06 under nbval;
# running those trainings again here would only double the suite's time.
@pytest.mark.parametrize("name", sorted(set(CASES) - TRAINING))
def test_checker_accepts_the_reference(name, capsys):
    assert ex.CHECKERS[name](CASES[name][0]) is None  # a checker prints its message and shows no value
    assert "Well done" in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_checker_rejects_wrong_answers_with_a_specific_hint(name):
    options = SHORT.get(name, {})
    for wrong, hint in CASES[name][1]:
        with pytest.raises(ex.ExerciseError, match=hint):
            ex.CHECKERS[name](wrong, **options)
    with pytest.raises(ex.ExerciseError, match="not implemented yet"):
        ex.CHECKERS[name](not_implemented, **options)


@pytest.mark.slow
def test_a_hand_written_simsiam_loop_matches_the_trainer_at_every_step(capsys):
    ex.check_simsiam_by_hand(CASES["simsiam_by_hand"][0], steps=30)
    assert "match train(config) at every step" in capsys.readouterr().out


def test_judge_prediction_accepts_the_measured_answer_and_names_it_otherwise(capsys):
    choices = ("5 %", "100 %")
    assert ex.judge_prediction("more collapse", "100 %", "100 %", choices, "why") is None
    assert "as measured" in capsys.readouterr().out
    # a wrong guess does not stop the notebook: it says what was measured on stderr (nbgrader: zero marks)
    assert ex.judge_prediction("more collapse", "5 %", "100 %", choices, "why") is None
    captured = capsys.readouterr()
    assert captured.err == "more collapse: you predicted '5 %', the runs give '100 %'. why\n" and captured.out == ""
    with pytest.raises(ex.ExerciseError, match="answer one of '5 %', '100 %'"):
        ex.judge_prediction("more collapse", "half", "100 %", choices)
    with pytest.raises(ex.ExerciseError, match="write your prediction first"):
        ex.judge_prediction("more collapse", ..., "100 %", choices)
    with pytest.raises(ValueError, match="none of the choices"):
        ex.judge_prediction("more collapse", "5 %", "50 %", choices)


# Each in-training check catches a mistake its unit check lets pass (the cases above show the training
# check failing on it): an InfoNCE written for the unit check's 8 pairs (real batches hold 128); an EMA
# that uses the base m the unit check happens to give (training's schedule moves m); a velocity that
# returns floats (training integrates arrays of modes); a head that zeroes A's diagonal in place
# (training's A is a parameter that needs its gradient).
ONLY_TRAINING_CATCHES = {"info_nce": info_nce_for_eight, "ema_update": ema_at_the_base_m,
                         "mode_velocity": velocity_of_floats, "offdiag_head": head_zeroing_a_in_place}


@pytest.mark.parametrize("name", sorted(ONLY_TRAINING_CATCHES))
def test_the_unit_check_passes_what_only_the_training_check_catches(name, capsys):
    assert name + "_trains" in ex.CHECKERS
    assert any(wrong is ONLY_TRAINING_CATCHES[name] for wrong, _ in CASES[name + "_trains"][1])
    ex.CHECKERS[name](ONLY_TRAINING_CATCHES[name])
    assert "Well done" in capsys.readouterr().out


def test_every_training_check_has_a_mistake_only_it_catches():
    assert {name[: -len("_trains")] for name in ex.CHECKERS if name.endswith("_trains")} == set(ONLY_TRAINING_CATCHES)


def test_the_cubic_moment_checker_agrees_with_sampled_gaussians():
    var_i, var_j, cov = (torch.tensor(v, dtype=torch.float64) for v in ([1.0, 2.0, 0.5], [1.0, 0.7, 3.0], [0.3, -0.9, 1.1]))
    sampled = cubic_moment_by_sampling(var_i, var_j, cov).double()
    assert torch.allclose(sampled, 9 * var_i * var_j * cov + 6 * cov**3, rtol=0.05, atol=0.05)


def test_the_monitor_of_outputs_spread_over_k_of_d_coordinates_is_sqrt_k_over_d():
    from ssl_course.metrics import std_of_normalized

    g = torch.Generator().manual_seed(0)
    for k, d in ((1, 4), (3, 128), (16, 128), (128, 128)):
        z = torch.cat([torch.randn(50_000, k, generator=g, dtype=torch.float64),
                       torch.zeros(50_000, d - k, dtype=torch.float64)], dim=1)
        assert std_of_normalized(z) == pytest.approx(math.sqrt(k) / d, rel=0.01), (k, d)
