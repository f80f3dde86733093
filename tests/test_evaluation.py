import math

import pytest
import torch

from ssl_course.evaluation import extract_features, knn_accuracy, linear_probe


def knn_by_hand(train, train_y, test, k, t):
    """One test point at a time: sort by cosine similarity, weighted vote exp(s / t)."""
    predictions = []
    for x in test:
        sims = [float(torch.nn.functional.cosine_similarity(x, y, dim=0)) for y in train]
        order = sorted(range(len(train)), key=lambda i: -sims[i])[:k]
        votes = {}
        for i in order:
            votes[int(train_y[i])] = votes.get(int(train_y[i]), 0.0) + math.exp(sims[i] / t)
        predictions.append(max(votes, key=votes.get))
    return predictions


def test_knn_matches_hand_computed_weighted_vote():
    g = torch.Generator().manual_seed(0)
    train, test = torch.randn(40, 5, generator=g), torch.randn(15, 5, generator=g)
    train_y = torch.randint(0, 3, (40,), generator=g)
    predictions = knn_by_hand(train, train_y, test, k=7, t=0.1)
    test_y = torch.tensor(predictions)
    test_y[:5] = (test_y[:5] + 1) % 3  # make exactly 5 of 15 wrong
    assert knn_accuracy(train, train_y, test, test_y, k=7, temperature=0.1) == pytest.approx(10 / 15)


def test_knn_weighting_can_beat_majority():
    # 2 far neighbours of class 0 vs 1 very close neighbour of class 1, k = 3
    train = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.05, 1.0]])
    train_y = torch.tensor([1, 0, 0])
    test = torch.tensor([[1.0, 0.02]])
    assert knn_accuracy(train, train_y, test, torch.tensor([1]), k=3, temperature=0.1) == 1.0


def test_linear_probe_separable_and_random_labels():
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 16, generator=g) * 3
    y = torch.randint(0, 4, (400,), generator=g)
    x = centres[y] + torch.randn(400, 16, generator=g)
    assert linear_probe(x[:300], y[:300], x[300:], y[300:]) > 0.95
    noise = torch.randn(400, 16, generator=g)
    assert linear_probe(noise[:300], y[:300], noise[300:], y[300:]) < 0.45


def test_extract_features_from_tensors_and_dataset_keeps_mode():
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3), torch.nn.BatchNorm1d(3))
    net.train()
    images, labels = torch.randn(10, 3, 2, 2), torch.arange(10)
    feats, labs = extract_features(net, (images, labels), batch_size=4)
    assert feats.shape == (10, 3) and torch.equal(labs, labels) and net.training
    dataset = torch.utils.data.TensorDataset(images, labels)
    feats2, _ = extract_features(net, dataset, batch_size=3)
    assert torch.allclose(feats, feats2, atol=1e-6)


def test_nearest_neighbours_by_cosine_similarity_nearest_first():
    from ssl_course.evaluation import nearest_neighbours

    train = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [10.0, 1.0]])
    query = torch.tensor([[2.0, 0.1], [0.0, -3.0]])
    # cosines with query 0: 0.9988, 0.0499, 0.7424, -0.9988, 0.9999 -> 4, 0, 2
    assert nearest_neighbours(train, query, k=3).tolist()[0] == [4, 0, 2]
    # query 1 points down: -0.0, -1, -0.707, 0, -0.0995 -> 0 and 3 tie at 0, then 4
    assert set(nearest_neighbours(train, query, k=2).tolist()[1]) == {0, 3}


def test_retrieval_figure_counts_same_class_neighbours():
    import matplotlib

    matplotlib.use("Agg")
    from ssl_course.course import plot_retrieval

    g = torch.Generator().manual_seed(0)
    labels = torch.arange(40) % 2
    images = (torch.randint(0, 50, (40, 3, 8, 8), generator=g) + 200 * labels[:, None, None, None]).to(torch.uint8)

    class Brightness(torch.nn.Module):  # its feature separates dark (class 0) from bright (class 1) images
        def __init__(self, sign):
            super().__init__()
            self.sign = torch.nn.Parameter(torch.tensor(float(sign)))

        def forward(self, x):
            m = x.float().mean(dim=(1, 2, 3)) - 127.5
            return torch.stack([self.sign * m, torch.ones_like(m)], dim=1)

    fig, precision = plot_retrieval({"by brightness": Brightness(1), "inverted": Brightness(-1)}, (images, labels),
                                    (images[:2], labels[:2]), k=4)
    assert precision == {"by brightness": 1.0, "inverted": 1.0}  # inverting every feature keeps the neighbours
    assert len(fig.axes) == 2 * 2 * 5


def test_view_similarity_counts_the_rows_whose_own_other_view_is_the_most_similar(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import ssl_course.augment as augment
    from ssl_course.course import plot_view_similarity

    class SameViews:  # both views the same image: every row's own other view is itself, cosine 1
        def __init__(self, *args, **kwargs):
            pass

        def __call__(self, images):
            x = images.float() / 255
            return x, x.clone()

    monkeypatch.setattr(augment, "BatchTwoViewAugment", SameViews)
    torch.manual_seed(0)
    images = torch.randint(0, 256, (6, 3, 8, 8), dtype=torch.uint8)
    fig, stats = plot_view_similarity({"pixels": torch.nn.Flatten()}, images)
    diagonal, rest, own_best = stats["pixels"]
    assert diagonal == pytest.approx(1.0, abs=1e-6) and own_best == 6
    x = torch.nn.functional.normalize(images.flatten(1).float() / 255 - (images.flatten(1).float() / 255).mean(0), dim=1)
    sim = x @ x.T
    assert rest == pytest.approx(float(sim[~torch.eye(6, dtype=bool)].mean()), abs=1e-6)  # the hand computation
    assert "own view the most similar in 6 of 6 rows" in fig.axes[0].get_title()
