import numpy as np
import pytest
import torch

from ssl_course.data import DatasetNotFoundError, as_tensors, dataset_names, dataset_spec, load_dataset
from ssl_course.data.shapes import CLASSES, generate_shapes
from ssl_course.evaluation import knn_accuracy
from tests.fake_data import write_cifar10, write_cifar100, write_imagefolder, write_stl10


def test_dataset_names_and_unknown_name():
    assert {"shapes", "digits", "cifar10", "cifar100", "stl10", "imagefolder"} <= set(dataset_names())
    with pytest.raises(ValueError, match="valid names: shapes, shapes-100k, digits"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="no split 'validation'"):
        load_dataset("shapes", "validation")


def test_shapes_is_deterministic_balanced_and_sized():
    a, la = generate_shapes(500, seed=3)
    b, lb = generate_shapes(500, seed=3)
    c, _ = generate_shapes(500, seed=4)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)
    assert np.bincount(la).tolist() == [50] * 10
    train, test = load_dataset("shapes", "train"), load_dataset("shapes", "test")
    assert len(train) >= 10_000 and len(test) >= 2_000 and len(CLASSES) >= 10
    image, label = train[0]
    assert image.shape == (3, 32, 32) and image.dtype == torch.uint8 and 0 <= label < 10


def test_shapes_disk_cache_gives_the_rendered_images_and_survives_damage(tmp_path, monkeypatch):
    from ssl_course.data import shapes

    monkeypatch.setenv("SSL_COURSE_CACHE", str(tmp_path))
    rendered, labels = shapes._render(2000, 7, 8)
    first = shapes._load_or_render(2000, 7, 8)  # renders and stores
    files = list(tmp_path.glob("shapes-*-n2000-seed7-size8.npz"))
    assert len(files) == 1 and not list(tmp_path.glob("*.tmp"))
    second = shapes._load_or_render(2000, 7, 8)  # read back
    for images, labs in (first, second):
        assert np.array_equal(images, rendered) and np.array_equal(labs, labels)
    files[0].write_bytes(b"not an npz")  # a damaged cache file is rendered again and replaced
    third, _ = shapes._load_or_render(2000, 7, 8)
    assert np.array_equal(third, rendered) and np.load(files[0])["images"].shape == (2000, 8, 8, 3)
    monkeypatch.setenv("SSL_COURSE_CACHE", "off")
    assert shapes.cache_dir() is None and shapes._cache_file(2000, 7, 8) is None


def test_shapes_nuisances_make_pixels_weak_but_above_chance():
    x, y = as_tensors(load_dataset("shapes", "train"))
    xt, yt = as_tensors(load_dataset("shapes", "test"))
    acc = knn_accuracy(x.flatten(1).float(), y, xt.flatten(1).float(), yt)
    assert 0.1 < acc < 0.4  # raw-pixel kNN: weak (the README reports the value)


def test_shapes_normalisation_constants_match_the_data():
    x, _ = as_tensors(load_dataset("shapes", "train"))
    x = x.float() / 255
    spec = dataset_spec("shapes")
    assert x.mean((0, 2, 3)).tolist() == pytest.approx(spec.mean, abs=0.01)
    assert x.std((0, 2, 3)).tolist() == pytest.approx(spec.std, abs=0.01)


def test_digits_are_real_upscaled_and_split_disjointly():
    from sklearn.datasets import load_digits

    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    assert len(train) + len(test) == len(load_digits().images)
    image, _ = train[0]
    assert image.shape == (3, 32, 32) and torch.equal(image[0], image[1])
    xs, _ = as_tensors(train)
    xt, _ = as_tensors(test)
    assert not any(torch.equal(xt[0], xs[i]) for i in range(len(xs)))


def test_cifar10_loader_reads_fake_batches(tmp_path):
    base = write_cifar10(tmp_path)
    ds = load_dataset("cifar10", "train", root=tmp_path)
    assert len(ds) == 20 and ds.classes[0] == "class0"
    image, label = ds[0]
    import pickle

    raw = pickle.load(open(base / "data_batch_1", "rb"), encoding="latin1")
    assert torch.equal(image, torch.from_numpy(raw["data"][0].reshape(3, 32, 32)))
    assert label == raw["labels"][0]
    assert len(load_dataset("cifar10", "test", root=tmp_path)) == 4
    images, labels = as_tensors(ds)
    assert images.shape == (20, 3, 32, 32) and labels.dtype == torch.long


def test_cifar100_loader_reads_fake_files(tmp_path):
    write_cifar100(tmp_path)
    ds = load_dataset("cifar100", "test", root=tmp_path)
    assert len(ds) == 6 and len(ds.classes) == 100 and ds[0][0].shape == (3, 32, 32)


def test_stl10_loader_reads_fake_binaries_in_the_right_orientation(tmp_path):
    _, images = write_stl10(tmp_path)
    for split in ("train", "test", "unlabeled"):
        ds = load_dataset("stl10", split, root=tmp_path)
        image, label = ds[1]
        assert torch.equal(image, torch.from_numpy(images[1]))
        assert image[0, 0, 5] == 255 and image[0, 5, 0] == 0
        assert label == (-1 if split == "unlabeled" else 1)
    assert len(load_dataset("stl10", "train+unlabeled", root=tmp_path)) == 6


def test_imagefolder_loader_decodes_jpegs(tmp_path):
    write_imagefolder(tmp_path)
    ds = load_dataset("imagefolder", "train", root=tmp_path)
    assert ds.classes == ["cat", "dog"] and len(ds) == 6
    image, label = ds[4]
    assert image.shape == (3, 40, 48) and image.dtype == torch.uint8 and label == 1
    images, labels = as_tensors(ds, size=16)
    assert images.shape == (6, 3, 16, 16) and labels.tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("name, files", [
    ("cifar10", "cifar-10-batches-py"), ("cifar100", "cifar-100-python"), ("stl10", "stl10_binary"), ("imagefolder", "train/<class>"),
])
def test_missing_real_dataset_says_what_to_put_where(tmp_path, name, files):
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset(name, "train", root=tmp_path)
    message = str(info.value)
    assert "\n" not in message and files in message and str(tmp_path) in message


def test_empty_imagefolder_is_reported(tmp_path):
    (tmp_path / "train" / "cat").mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match="ImageNet layout"):
        load_dataset("imagefolder", "train", root=tmp_path)
