"""The batched two-view augmentation against hand references, torchvision's definitions and kornia's modules."""
import math

import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from ssl_course.augment import (BATCH_AUGMENTS, BatchTwoViewAugment, KorniaTwoViewAugment, adjust_brightness,
                                adjust_contrast, adjust_hue, adjust_saturation, color_jitter, crop_boxes, grayscale,
                                resized_crop)
from ssl_course.data import as_tensors, load_dataset


def _images(batch=4, size=32, seed=0):
    return torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_resized_crop_of_boxes_is_the_exact_pixels():
    x = _images()
    whole = torch.tensor([[0.0, 0.0, 32.0, 32.0]]).repeat(4, 1)
    torch.testing.assert_close(resized_crop(x, whole, 32), x)
    flip = torch.tensor([True, False, True, False])
    flipped = resized_crop(x, whole, 32, flip=flip)
    torch.testing.assert_close(flipped[0], x[0].flip(-1))
    torch.testing.assert_close(flipped[1], x[1])
    quadrant = torch.tensor([[16.0, 8.0, 16.0, 16.0]]).repeat(4, 1)  # x0, y0, w, h
    torch.testing.assert_close(resized_crop(x, quadrant, 16), x[:, :, 8:24, 16:32])
    half = resized_crop(x, whole, 16)  # 2x downscale, bilinear at the 2x2 blocks' centres: their means
    torch.testing.assert_close(half, torch.nn.functional.avg_pool2d(x, 2))


def test_crop_boxes_follow_random_resized_crops_rule():
    torch.manual_seed(0)
    boxes = crop_boxes(4000, 32, 32, (0.2, 1.0))
    x0, y0, w, h = boxes.unbind(1)
    assert (x0 >= 0).all() and (y0 >= 0).all() and (x0 + w <= 32 + 1e-4).all() and (y0 + h <= 32 + 1e-4).all()
    area = w * h / 32 ** 2
    assert area.min() >= 0.2 - 1e-5 and area.max() <= 1 + 1e-5
    ratio = w / h
    assert ratio.min() >= 3 / 4 - 1e-5 and ratio.max() <= 4 / 3 + 1e-5
    # large areas at extreme ratios do not fit and are redrawn: fewer big crops than the uniform draw's 1/4
    assert 0.05 < (area > 0.8).float().mean() < 0.25
    # no draw can fit: the whole image, as torchvision falls back
    fallback = crop_boxes(3, 32, 32, (2.0, 3.0))
    torch.testing.assert_close(fallback, torch.tensor([[0.0, 0.0, 32.0, 32.0]]).repeat(3, 1))
    wide = crop_boxes(2, 20, 40, (2.0, 3.0))  # a 2:1 image: the centre-most 4:3 box's size
    torch.testing.assert_close(wide[:, 2:], torch.tensor([[20 * 4 / 3, 20.0]]).repeat(2, 1))


def test_brightness_contrast_saturation_are_torchvisions_per_image():
    x = _images()
    factors = torch.tensor([0.6, 0.9, 1.2, 1.4])
    for ours, theirs in ((adjust_brightness, TF.adjust_brightness), (adjust_contrast, TF.adjust_contrast),
                         (adjust_saturation, TF.adjust_saturation)):
        expected = torch.stack([theirs(image, float(f)) for image, f in zip(x, factors)])
        torch.testing.assert_close(ours(x, factors), expected, atol=1e-4, rtol=0)


def test_hue_rotation_keeps_luma_and_grey_and_turns_as_hsv_does():
    x = _images()
    luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    torch.testing.assert_close(adjust_hue(x, torch.zeros(4)), x, atol=1e-5, rtol=0)
    torch.testing.assert_close(adjust_hue(x, torch.ones(4)), x, atol=1e-5, rtol=0)  # a full turn
    grey = x[:, :1].expand(-1, 3, -1, -1)
    torch.testing.assert_close(adjust_hue(grey, torch.full((4,), 0.3)), grey, atol=1e-5, rtol=0)
    mid = 0.35 + 0.3 * x  # away from the clamp at 0 and 1
    shifted = adjust_hue(mid, torch.full((4,), 0.2))
    torch.testing.assert_close((shifted * luma).sum(1), (mid * luma).sum(1), atol=1e-5, rtol=0)
    # the colour wheel turns as HSV's does: a third of a turn takes red to green, back a third to blue
    red = torch.tensor([0.8, 0.2, 0.2]).view(1, 3, 1, 1).repeat(3, 1, 2, 2)
    turned = adjust_hue(red, torch.tensor([1 / 3, -1 / 3, 0.02]))[:, :, 0, 0]
    assert turned[0].argmax() == 1 and turned[1].argmax() == 2
    hsv = TF.adjust_hue(red[2], 0.02)[:, 0, 0]
    assert hsv[1] > 0.2 and turned[2, 1] > 0.2  # a small turn: both add some green


def test_jitter_and_grayscale_apply_with_their_probability():
    torch.manual_seed(0)
    x = _images(2000, 8)
    changed = (color_jitter(x, (0.4, 0.4, 0.4, 0.1), p=0.8) - x).abs().amax((1, 2, 3)) > 1e-6
    assert abs(changed.float().mean().item() - 0.8) < 0.03
    grey = grayscale(x, p=0.2)
    is_grey = (grey[:, 0] == grey[:, 1]).all(-1).all(-1) & (grey[:, 1] == grey[:, 2]).all(-1).all(-1)
    assert abs(is_grey.float().mean().item() - 0.2) < 0.03
    assert torch.equal(color_jitter(x, (0.4, 0.4, 0.4, 0.1), p=0.0), x)


def test_batched_views_match_kornias_statistics():
    images, _ = as_tensors(load_dataset("shapes", "train"))
    images = images[:1024]
    stats = {}
    for name, cls in BATCH_AUGMENTS.items():
        torch.manual_seed(0)
        view, _ = cls(20, (0.0,) * 3, (1.0,) * 3)(images)  # identity normalisation: views in [0, 1]
        stats[name] = (view.mean((0, 2, 3)), view.std((0, 2, 3)), (view[:, :, :, 1:] - view[:, :, :, :-1]).abs().mean())
    for ours, kornia in zip(stats["torch"], stats["kornia"]):
        torch.testing.assert_close(ours, kornia, atol=0.02, rtol=0.05)


def test_batch_augment_keeps_kornia_blur_for_large_images_and_is_seeded():
    aug = BatchTwoViewAugment(96, (0.5,) * 3, (0.25,) * 3)
    assert "GaussianBlur" in repr(aug) and "GaussianBlur" not in repr(BatchTwoViewAugment(32, (0.5,) * 3, (0.25,) * 3))
    images = torch.randint(0, 256, (2, 3, 100, 100), dtype=torch.uint8)
    torch.manual_seed(3)
    a = aug(images)
    torch.manual_seed(3)
    b = aug(images)
    assert torch.equal(a[0], b[0]) and a[0].shape == (2, 3, 96, 96)
    assert isinstance(BATCH_AUGMENTS["kornia"](32, (0.5,) * 3, (0.25,) * 3), KorniaTwoViewAugment)
    assert not math.isnan(a[1].mean().item())


@pytest.mark.parametrize("bad", ["albumentations", ""])
def test_an_unknown_augment_is_one_clear_error(bad):
    from ssl_course.config import TrainConfig

    with pytest.raises(ValueError, match="unknown augment .*valid: torch, kornia"):
        TrainConfig(augment=bad).validate()


def test_grey_views_are_the_colour_paths_on_a_third_of_the_pixels():
    """On grey images (R = G = B) saturation, hue and grayscale change nothing: the one-channel path gives the
    colour path's views to float rounding, from the same random draws (the stream ends where it would)."""
    images = torch.randint(0, 256, (64, 1, 32, 32), dtype=torch.uint8).expand(-1, 3, -1, -1).contiguous()
    colour = BatchTwoViewAugment(20, mean=(0.4, 0.5, 0.6), std=(0.2, 0.25, 0.3))
    grey = BatchTwoViewAugment(20, mean=(0.4, 0.5, 0.6), std=(0.2, 0.25, 0.3), grey=True)
    torch.manual_seed(3)
    expected, after_colour = colour(images), torch.rand(4)
    torch.manual_seed(3)
    got, after_grey = grey(images), torch.rand(4)
    assert all(g.shape == (64, 3, 20, 20) and torch.allclose(g, e, atol=1e-5) for g, e in zip(got, expected))
    assert torch.equal(after_colour, after_grey)
    # the jitter really was applied (not the identity): views differ from a plain crop of the same draws
    assert (got[0] - got[1]).abs().max() > 0.1
    with pytest.raises(ValueError, match="grey images shaped"):
        grey.identity.one_channel(torch.zeros(2, 2, 8, 8))


def test_the_trainer_makes_grey_views_only_for_grey_data(tmp_path):
    from fake_data import write_cifar10
    from ssl_course.augment import is_grey
    from ssl_course.config import TrainConfig
    from ssl_course.data.training import training_data

    shapes = training_data(TrainConfig(dataset="shapes", view_size=20), torch.device("cpu"))
    assert shapes.augment.grey and is_grey(shapes.images)
    write_cifar10(tmp_path, n_per_batch=8)
    cifar = training_data(TrainConfig(dataset="cifar10", data_dir=str(tmp_path), batch_size=8), torch.device("cpu"))
    assert not cifar.augment.grey
    assert not is_grey(torch.tensor([[[[1]], [[1]], [[2]]]]))
