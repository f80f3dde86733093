import math

import pytest
import torch
import torch.nn.functional as F

from ssl_course.losses import byol_loss, info_nce, negative_cosine


def info_nce_by_hand(z1, z2, t):
    """Loop over the 2N anchors, one log-softmax at a time (SimCLR eq. 1)."""
    z = F.normalize(torch.cat([z1, z2]), dim=1).double()
    n2 = len(z)
    total = 0.0
    for i in range(n2):
        pos = (i + n2 // 2) % n2
        sims = [math.exp(float(z[i] @ z[k]) / t) for k in range(n2) if k != i]
        total += -math.log(math.exp(float(z[i] @ z[pos]) / t) / sum(sims))
    return total / n2


@pytest.mark.parametrize("t", [0.1, 0.5, 1.0])
def test_info_nce_matches_hand_formula(t):
    z1, z2 = torch.randn(6, 5), torch.randn(6, 5)
    assert info_nce(z1, z2, t).item() == pytest.approx(info_nce_by_hand(z1, z2, t), rel=1e-5)


@pytest.mark.parametrize("t", [0.1, 0.2, 0.5])
def test_info_nce_equals_lightly_ntxent(t):
    from lightly.loss import NTXentLoss

    z1, z2 = torch.randn(32, 16), torch.randn(32, 16)
    assert info_nce(z1, z2, t).item() == pytest.approx(NTXentLoss(temperature=t)(z1, z2).item(), rel=1e-5)


def test_info_nce_perfect_pairs_vs_random():
    z = torch.randn(64, 32)
    assert info_nce(z, z, 0.1) < info_nce(z, torch.randn(64, 32), 0.1)


def test_negative_cosine_equals_lightly():
    from lightly.loss import NegativeCosineSimilarity

    p, z = torch.randn(10, 8), torch.randn(10, 8)
    assert negative_cosine(p, z).item() == pytest.approx(NegativeCosineSimilarity()(p, z).item(), rel=1e-6)


def test_negative_cosine_hand_values_and_gradient_flow():
    p = torch.tensor([[1.0, 0.0], [0.0, 2.0]], requires_grad=True)
    z = torch.tensor([[1.0, 1.0], [0.0, -1.0]], requires_grad=True)
    loss = negative_cosine(p, z)
    assert loss.item() == pytest.approx(-(1 / math.sqrt(2) - 1) / 2)
    loss.backward()
    assert z.grad is not None and z.grad.abs().sum() > 0  # no detach inside: callers stop the gradient


def test_byol_loss_is_normalised_squared_distance():
    p, z = torch.randn(7, 4), torch.randn(7, 4)
    expected = ((F.normalize(p, dim=1) - F.normalize(z, dim=1)) ** 2).sum(1).mean()
    assert byol_loss(p, z).item() == pytest.approx(expected.item(), rel=1e-5)
    assert byol_loss(z, z).item() == pytest.approx(0.0, abs=1e-6)
    assert byol_loss(z, -z).item() == pytest.approx(4.0, rel=1e-6)


def test_losses_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        negative_cosine(torch.randn(3, 4), torch.randn(3, 5))
    with pytest.raises(ValueError, match="temperature"):
        info_nce(torch.randn(3, 4), torch.randn(3, 4), 0.0)


def test_positive_weight_against_hand_numbers():
    import math

    from ssl_course.losses import positive_weight

    one = torch.tensor([[1.0, 0.0]])
    assert positive_weight(one, one) == pytest.approx(1.0)  # one pair: the positive is the only other
    # two orthogonal pairs: each anchor sees cosines 1 (its positive) and 0, 0 (the other image's views)
    for t in (0.5, 1.0, 2.0):
        assert positive_weight(torch.eye(2), torch.eye(2), t) == pytest.approx(math.exp(1 / t) / (math.exp(1 / t) + 2))
