import math

import pytest
import torch

from ssl_course.metrics import effective_rank, explained_variance_auc, singular_value_curve, std_of_normalized


def test_std_of_normalized_healthy_and_collapsed():
    d = 64
    z = torch.randn(4096, d, generator=torch.Generator().manual_seed(1))
    assert std_of_normalized(z) == pytest.approx(1 / math.sqrt(d), rel=0.03)
    collapsed = torch.randn(1, d).repeat(100, 1) + 1e-6 * torch.randn(100, d)
    assert std_of_normalized(collapsed) < 1e-5


def test_effective_rank_on_constructed_spectra():
    # Orthogonal columns with chosen singular values: the spectrum is known exactly.
    q, _ = torch.linalg.qr(torch.randn(50, 8, dtype=torch.float64))
    for values, expected in [
        ([1.0] * 8, 8.0),
        ([1.0] + [0.0] * 7, 1.0),
        ([1.0, 1.0, 1.0, 1.0] + [0.0] * 4, 4.0),
    ]:
        z = q * torch.tensor(values, dtype=torch.float64)
        assert effective_rank(z) == pytest.approx(expected, rel=1e-6)
    s = torch.tensor([3.0, 2.0, 1.0], dtype=torch.float64)
    p = s / s.sum()
    z = q[:, :3] * s
    assert effective_rank(z) == pytest.approx(math.exp(-(p * p.log()).sum().item()), rel=1e-6)


def test_explained_variance_auc_constructed_spectra():
    q, _ = torch.linalg.qr(torch.randn(200, 10, dtype=torch.float64))
    q = q - q.mean(0)  # the metric mean-centres; keep the columns' spectrum fixed
    q, _ = torch.linalg.qr(q)
    # rank one: curve is 1 everywhere -> area 1
    one = q[:, :1] @ torch.ones(1, 10, dtype=torch.float64)
    assert explained_variance_auc(one) == pytest.approx(1.0, abs=1e-6)
    # equal singular values: c_k = k/d, mean = (d+1)/(2d)
    equal = q * 2.0
    assert explained_variance_auc(equal) == pytest.approx(11 / 20, rel=1e-6)
    # hand-computed curve for singular values 4, 3, 2, 1
    s = torch.tensor([4.0, 3.0, 2.0, 1.0], dtype=torch.float64)
    z = q[:, :4] * s
    assert singular_value_curve(z).tolist() == pytest.approx([0.4, 0.7, 0.9, 1.0])
    assert explained_variance_auc(z) == pytest.approx(0.75)


def test_auc_ignores_mean_offset_and_metrics_reject_bad_shapes():
    z = torch.randn(300, 16)
    assert explained_variance_auc(z + 100.0) == pytest.approx(explained_variance_auc(z), rel=1e-6)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        effective_rank(torch.randn(5))
