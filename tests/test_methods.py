"""methods/base.py and optim.py against hand-written references: stop-gradient, EMA, lr groups, LARS."""
import math

import numpy as np
import pytest
import torch

from ssl_course.methods import MethodConfig, build_method
from ssl_course.models import build_backbone
from ssl_course.optim import LARS


def make(method, **config):
    torch.manual_seed(0)
    backbone = build_backbone("convnet", 32, width=4)
    return build_method(method, backbone, MethodConfig(proj_hidden_dim=16, proj_dim=8, **config))


def views():
    g = torch.Generator().manual_seed(1)
    return torch.rand(8, 3, 32, 32, generator=g), torch.rand(8, 3, 32, 32, generator=g)


def test_target_branch_gets_no_gradient_in_training_step():
    """Backpropagate training_step's loss and check which branch receives gradient."""
    for stop_gradient, expect_target_grad in ((True, False), (False, True)):
        method = make("simsiam", stop_gradient=stop_gradient)
        v1, v2 = views()
        captured = {}
        original = method.online

        def online(images, _orig=original):  # keep every projection to inspect its gradient
            z = _orig(images)
            z.retain_grad()
            captured.setdefault("z", []).append(z)
            return z

        method.online = online
        out = method.training_step(v1, v2)
        out.loss.backward()
        z1, z2 = captured["z"]
        # reference: gradient of the loss through the predictor only (target detached), by hand
        ref = make("simsiam", stop_gradient=stop_gradient)
        a1, a2 = ref.online(v1), ref.online(v2)
        a1.retain_grad(), a2.retain_grad()
        pred_only = 0.5 * (ref.loss_fn(ref.predictor(a1), a2.detach()) + ref.loss_fn(ref.predictor(a2), a1.detach()))
        pred_only.backward()
        differs = not torch.allclose(z1.grad, a1.grad, atol=1e-7)
        assert differs == expect_target_grad, f"stop_gradient={stop_gradient}"


def test_byol_target_is_an_ema_with_the_cosine_schedule():
    method = make("byol", ema=0.99)
    total = 100
    for step, expected in ((0, 0.99), (50, 1 - 0.01 * (math.cos(math.pi / 2) + 1) / 2), (100, 1.0)):
        assert method.ema_momentum(step, total) == pytest.approx(expected)
    online = [p.detach().clone() for p in (*method.backbone.parameters(), *method.projector.parameters())]
    target_before = [p.detach().clone() for p in method.target.parameters()]
    with torch.no_grad():  # move the online network away from the target
        for p in (*method.backbone.parameters(), *method.projector.parameters()):
            p.add_(1.0)
    out = method.training_step(*views())
    method.after_optimizer_step(out, step=50, total_steps=total)
    m = method.ema_momentum(50, total)
    for t, before, o in zip(method.target.parameters(), target_before, online):
        np.testing.assert_allclose(t.numpy(), m * before.numpy() + (1 - m) * (o.numpy() + 1.0), rtol=1e-6, atol=1e-6)
    assert all(not p.requires_grad for p in method.target.parameters())


def test_byol_compares_predictions_with_the_ema_targets_and_without_ema_with_detached_z():
    method = make("byol", ema=0.99)
    v1, v2 = views()
    with torch.no_grad():
        t1, t2 = method.target(v1), method.target(v2)
        for p in method.projector.parameters():  # online and target now differ
            p.add_(0.1)
    z1, z2 = method.online(v1), method.online(v2)
    got = method.targets(v1, v2, z1, z2, stop_gradient=True)
    torch.testing.assert_close(got[0], t1)
    torch.testing.assert_close(got[1], t2)
    plain = make("byol", ema=0.0)
    z1 = plain.online(v1)
    detached, _ = plain.targets(v1, v2, z1, z1, stop_gradient=True)
    assert plain.target is None and not detached.requires_grad and torch.equal(detached, z1)


@pytest.mark.parametrize("method", ["simsiam", "simclr"])
def test_only_byol_has_an_ema_target(method):
    with pytest.raises(ValueError, match=f"{method} has no EMA target network"):
        make(method, ema=0.99, stop_gradient=True)


def test_parameter_groups_split_encoder_and_predictor():
    method = make("simsiam", predictor="linear", predictor_lr_multiplier=10.0, predictor_weight_decay=0.0)
    encoder, predictor = method.parameter_groups(weight_decay=5e-4)
    assert (encoder["lr_scale"], encoder["weight_decay"]) == (1.0, 5e-4)
    assert (predictor["lr_scale"], predictor["weight_decay"]) == (10.0, 0.0)
    assert predictor["params"] == [method.predictor.weight]
    expected = sum(p.numel() for p in (*method.backbone.parameters(), *method.projector.parameters()))
    assert sum(p.numel() for p in encoder["params"]) == expected
    # DirectPred's weight is set, not learned: no predictor group at all
    assert len(make("simsiam", predictor="directpred").parameter_groups(5e-4)) == 1


def test_lars_matches_a_hand_written_step():
    w = torch.tensor([[3.0, 4.0]], requires_grad=True)  # ||w|| = 5
    b = torch.tensor([1.0, -1.0], requires_grad=True)  # 1-D: plain SGD with momentum, no decay
    optimizer = LARS([w, b], lr=0.5, momentum=0.9, weight_decay=0.1, trust=0.01)
    grads = [(torch.tensor([[0.0, 2.0]]), torch.tensor([0.5, 0.5])), (torch.tensor([[1.0, 0.0]]), torch.tensor([0.0, 1.0]))]
    w_ref, b_ref, buf_w, buf_b = np.array([[3.0, 4.0]]), np.array([1.0, -1.0]), None, None
    for gw, gb in grads:
        w.grad, b.grad = gw.clone(), gb.clone()
        optimizer.step()
        u = gw.numpy() + 0.1 * w_ref
        u = u * 0.01 * np.linalg.norm(w_ref) / np.linalg.norm(u)
        buf_w = u if buf_w is None else 0.9 * buf_w + u
        buf_b = gb.numpy() if buf_b is None else 0.9 * buf_b + gb.numpy()
        w_ref, b_ref = w_ref - 0.5 * buf_w, b_ref - 0.5 * buf_b
        np.testing.assert_allclose(w.detach().numpy(), w_ref, rtol=1e-6)
        np.testing.assert_allclose(b.detach().numpy(), b_ref, rtol=1e-6)


@pytest.mark.parametrize("name, ema", [("simsiam", None), ("byol", 0.0)])
def test_an_ema_update_hook_needs_a_target_network(name, ema):
    from ssl_course.methods import MethodConfig, build_method
    from ssl_course.models import build_backbone

    with pytest.raises(ValueError, match="ema_update updates BYOL's target network"):
        build_method(name, build_backbone("convnet", 32, width=2), MethodConfig(ema=ema, proj_hidden_dim=8, proj_dim=4),
                     ema_update=lambda t, o, m: None)
    byol = build_method("byol", build_backbone("convnet", 32, width=2), MethodConfig(proj_hidden_dim=8, proj_dim=4),
                        ema_update=print)
    assert byol.custom_ema_update is print
