"""Evaluating frozen features: weighted kNN and a linear probe.

``knn_accuracy`` follows the weighted kNN of Wu et al. 2018 (InstDisc), also used by
lightly and solo-learn: with L2-normalised features, each of the k nearest training
samples (cosine similarity s) votes for its label with weight exp(s / T); the class
with the largest total wins. Defaults k = 200, T = 0.1.

``linear_probe`` trains a softmax classifier on standardised frozen features and
returns its test accuracy.

Example:
    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> y = torch.tensor([0, 0, 1, 1])
    >>> knn_accuracy(x, y, x, y, k=2)
    1.0
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def _batches(data, batch_size: int):
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        images, labels = data
        for start in range(0, len(images), batch_size):
            yield images[start : start + batch_size], labels[start : start + batch_size]
    elif isinstance(data, DataLoader):
        yield from data
    elif isinstance(data, Dataset):
        yield from DataLoader(data, batch_size=batch_size, shuffle=False)
    else:
        raise TypeError("data must be a Dataset, a DataLoader or an (images, labels) pair of tensors")


@torch.no_grad()
def extract_features(model: torch.nn.Module, data, batch_size: int = 512, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` (in eval mode) over ``data``; return float32 features and labels on the CPU."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    features, labels = [], []
    try:
        for images, targets in _batches(data, batch_size):
            features.append(model(images.to(device)).float().cpu())
            labels.append(torch.as_tensor(targets))
    finally:
        model.train(was_training)
    return torch.cat(features), torch.cat(labels).long()


@torch.no_grad()
def knn_accuracy(train_features, train_labels, test_features, test_labels, k: int = 200, temperature: float = 0.1) -> float:
    """Cosine-similarity weighted kNN accuracy in [0, 1] (InstDisc / lightly)."""
    if k < 1 or temperature <= 0:
        raise ValueError(f"need k >= 1 and temperature > 0, got k={k}, temperature={temperature}")
    train = F.normalize(torch.as_tensor(train_features).float(), dim=1)
    test = F.normalize(torch.as_tensor(test_features).float(), dim=1)
    train_labels = torch.as_tensor(train_labels).long()
    test_labels = torch.as_tensor(test_labels).long()
    num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    k = min(k, len(train))
    correct = 0
    for start in range(0, len(test), 1024):
        sim = test[start : start + 1024] @ train.T
        top_sim, top_idx = sim.topk(k, dim=1)
        weights = (top_sim / temperature).exp()
        votes = torch.zeros(len(sim), num_classes).scatter_add_(1, train_labels[top_idx], weights)
        correct += (votes.argmax(dim=1) == test_labels[start : start + 1024]).sum().item()
    return correct / len(test)


@torch.no_grad()
def nearest_neighbours(train_features, query_features, k: int = 8) -> torch.Tensor:
    """Indices (queries, k) of each query's ``k`` most cosine-similar training features, nearest first."""
    train = F.normalize(torch.as_tensor(train_features).float(), dim=1)
    query = F.normalize(torch.as_tensor(query_features).float(), dim=1)
    return (query @ train.T).topk(k, dim=1).indices


def linear_probe(
    train_features, train_labels, test_features, test_labels,
    epochs: int = 300, lr: float = 0.05, weight_decay: float = 1e-4, seed: int = 0,
) -> float:
    """Test accuracy of a full-batch Adam-trained linear classifier on standardised frozen features."""
    train = torch.as_tensor(train_features).float()
    test = torch.as_tensor(test_features).float()
    train_labels = torch.as_tensor(train_labels).long()
    mean, std = train.mean(0), train.std(0).clamp_min(1e-6)
    train, test = (train - mean) / std, (test - mean) / std
    num_classes = int(max(train_labels.max(), torch.as_tensor(test_labels).max())) + 1
    generator = torch.Generator().manual_seed(seed)
    classifier = torch.nn.Linear(train.shape[1], num_classes)
    with torch.no_grad():
        classifier.weight.normal_(0, 0.01, generator=generator)
        classifier.bias.zero_()
    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr, weight_decay=weight_decay)
    with torch.enable_grad():
        for _ in range(epochs):
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(classifier(train), train_labels).backward()
            optimizer.step()
    with torch.no_grad():
        predictions = classifier(test).argmax(1)
    return (predictions == torch.as_tensor(test_labels)).float().mean().item()


def evaluate_backbone(backbone: torch.nn.Module, train_set, test_set, k: int = 200, probe: bool = False, device=None,
                      spectrum: bool = False) -> dict:
    """Frozen-feature scores of ``backbone``: ``{"knn": ...}``; with ``probe``, ``"linear_probe"``; with
    ``spectrum``, the collapse measure of the test features (``score_features``).

    ``train_set``/``test_set``: anything ``extract_features`` takes (an (images, labels) pair, a Dataset).
    """
    train_f, train_y = extract_features(backbone, train_set, device=device)
    test_f, test_y = extract_features(backbone, test_set, device=device)
    return score_features(train_f, train_y, test_f, test_y, k=k, probe=probe, spectrum=spectrum)


def score_features(train_features, train_labels, test_features, test_labels, k: int = 200, probe: bool = False,
                   spectrum: bool = False) -> dict:
    """kNN (and, with ``probe``, linear-probe) accuracy of features already extracted.

    ``spectrum``: also ``"feature_auc"`` and ``"spectrum"``, Li, Efros & Pathak's partial-collapse
    measure of the test features (``ssl_course.metrics.explained_variance_auc``) and its curve.
    """
    scores = {"knn": knn_accuracy(train_features, train_labels, test_features, test_labels, k=k)}
    if probe:
        scores["linear_probe"] = linear_probe(train_features, train_labels, test_features, test_labels)
    if spectrum:
        from ssl_course.metrics import singular_value_curve

        curve = singular_value_curve(test_features)
        scores["feature_auc"] = curve.mean().item()
        scores["spectrum"] = [round(c, 5) for c in curve.tolist()]
    return scores


def pixel_knn(dataset: str = "shapes", k: int = 200, root: str | None = None) -> float:
    """kNN accuracy on raw pixels (cosine similarity of flattened images): the floor every encoder should beat.

    ``root`` is the folder of a real dataset (a config's ``data_dir``); built-in datasets ignore it."""
    from ssl_course.data import dataset_tensors

    (train_x, train_y), (test_x, test_y) = dataset_tensors(dataset, root=root)
    return knn_accuracy(train_x.flatten(1).float(), train_y, test_x.flatten(1).float(), test_y, k=k)
