import pytest
import torch

from ssl_course.augment import BatchTwoViewAugment, two_view_transform
from ssl_course.models import build_backbone, projection_mlp
from ssl_course.predictors import IdentityOffDiagonal, build_predictor


@pytest.mark.parametrize("name, dim", [("convnet", 256), ("resnet18", 512)])
def test_backbones_output_features(name, dim):
    net = build_backbone(name, image_size=32)
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, dim)


def test_resnet_uses_cifar_stem_for_small_images_only():
    small = build_backbone("resnet18", image_size=32).body
    assert small.conv1.kernel_size == (3, 3) and small.conv1.stride == (1, 1)
    assert isinstance(small.maxpool, torch.nn.Identity)
    large = build_backbone("resnet18", image_size=96).body
    assert large.conv1.kernel_size == (7, 7) and isinstance(large.maxpool, torch.nn.MaxPool2d)


def test_backbone_rejects_wrong_channels_and_normalises_uint8():
    net = build_backbone("convnet", 32, width=8, mean=(0.5,) * 3, std=(0.25,) * 3).eval()
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        net(torch.randn(2, 1, 32, 32))
    raw = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    assert torch.allclose(net(raw), net((raw.float() / 255 - 0.5) / 0.25), atol=1e-5)


def test_projection_mlp_layers():
    simsiam = projection_mlp(16, 32, 8, num_layers=3, last_batch_norm=True)
    linears = [m for m in simsiam if isinstance(m, torch.nn.Linear)]
    assert [lin.out_features for lin in linears] == [32, 32, 8]
    assert isinstance(simsiam[-1], torch.nn.BatchNorm1d) and not simsiam[-1].affine
    plain = projection_mlp(16, 32, 8, batch_norm=False)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in plain)


def test_predictors():
    x = torch.randn(5, 6)
    assert torch.equal(build_predictor("none", 6)(x), x)
    linear = build_predictor("linear", 6)
    assert linear.bias is None and linear.weight.shape == (6, 6)
    mlp = build_predictor("mlp", 6, hidden_dim=3)
    assert mlp(x).shape == (5, 6) and mlp[0].out_features == 3
    with pytest.raises(ValueError, match="valid: none, linear"):
        build_predictor("transformer", 6)


def test_identity_offdiag_trains_only_off_diagonal_entries():
    head = IdentityOffDiagonal(4)
    x = torch.randn(8, 4)
    assert torch.equal(head(x), x)  # identity at initialisation
    optimizer = torch.optim.SGD(head.parameters(), lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        (head(x) - x.flip(1)).pow(2).sum().backward()
        optimizer.step()
    weight = head.weight.detach()
    assert torch.equal(torch.diagonal(weight), torch.ones(4))
    assert weight.sub(torch.eye(4)).abs().sum() > 0
    assert torch.allclose(head(x), x @ weight.T)


def test_batch_augment_is_seeded_per_sample_and_checks_input():
    aug = BatchTwoViewAugment(32, mean=(0.5,) * 3, std=(0.25,) * 3)
    images = torch.randint(0, 256, (1, 3, 32, 32), dtype=torch.uint8).repeat(8, 1, 1, 1)
    torch.manual_seed(1)
    a1, a2 = aug(images)
    torch.manual_seed(1)
    b1, _ = aug(images)
    assert torch.equal(a1, b1) and not torch.equal(a1, a2)
    assert not torch.allclose(a1[0], a1[1])  # each sample draws its own parameters
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        aug(torch.zeros(2, 4, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match="image size"):
        BatchTwoViewAugment(4, (0.5,) * 3, (0.25,) * 3)


def test_v2_two_view_transform_and_blur_for_large_images():
    t = two_view_transform(32, mean=(0.5,) * 3, std=(0.25,) * 3)
    v1, v2 = t(torch.randint(0, 256, (3, 40, 40), dtype=torch.uint8))
    assert v1.shape == (3, 32, 32) and v1.dtype == torch.float32 and not torch.equal(v1, v2)
    assert "GaussianBlur" not in repr(t) and "GaussianBlur" in repr(two_view_transform(96, (0.5,) * 3, (0.25,) * 3))
    assert "GaussianBlur" in repr(BatchTwoViewAugment(96, (0.5,) * 3, (0.25,) * 3))
