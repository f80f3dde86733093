"""Li, Efros & Pathak's collapse study: data streams in chunks, the sweep's measurements."""
import numpy as np
import pytest
import torch

from ssl_course.metrics import explained_variance_auc
from ssl_course.theory.collapse import collapse_sweep, continual_vs_multiepoch, rank_correlation
from ssl_course.data.training import epoch_order
from ssl_course.train import TrainConfig, train


def test_epoch_order_streams_chunks_in_turn():
    n, chunks = 40, 4
    seen = [set(epoch_order(n, seed=0, epoch=e, chunks=chunks, chunk_epochs=2).tolist()) for e in range(10)]
    for e, indices in enumerate(seen):
        chunk = (e // 2) % chunks
        assert indices == set(range(chunk * 10, chunk * 10 + 10))
    assert epoch_order(n, 0, 3).tolist() != epoch_order(n, 0, 4).tolist()
    assert sorted(epoch_order(n, 0, 3).tolist()) == list(range(n))  # one chunk: every image


def test_chunked_training_only_sees_the_current_chunk(monkeypatch):
    from ssl_course.data.training import InMemoryData

    seen = []
    original = InMemoryData.views

    def spy(self, epoch, start):
        seen.append(set(self.order(epoch).tolist()))
        yield from original(self, epoch, start)

    monkeypatch.setattr(InMemoryData, "views", spy)
    config = TrainConfig(method="simsiam", width=8, batch_size=32, train_subset=256, chunks=4, chunk_epochs=1,
                         epochs=4, proj_hidden_dim=32, proj_dim=16, out=None, progress=False, final_eval=False)
    result = train(config)
    assert result.steps == 4 * (64 // 32)  # chunks of 64 images, 2 batches each, 4 epochs
    assert seen == [set(range(c * 64, c * 64 + 64)) for c in range(4)]
    with pytest.raises(ValueError, match="chunks"):
        train(TrainConfig(**{**config.__dict__, "chunks": 9}))  # 256 / 9 < one batch of 32


def test_collapse_sweep_measures_what_it_reports():
    rows = collapse_sweep(fractions=(0.05, 1.0), steps=20)
    assert [r["train_images"] for r in rows] == [500, 10_000]
    for row in rows:
        assert 0.5 < row["auc"] < 1.0 and row["steps"] == 20
        assert row["curve"][-1] == pytest.approx(1.0) and np.all(np.diff(row["curve"]) >= -1e-9)
        assert np.mean(row["curve"]) == pytest.approx(row["auc"])
        assert 0.1 < row["knn"] <= 1 and 0.1 < row["linear_probe"] <= 1
    with pytest.raises(ValueError, match="fractions"):
        collapse_sweep(fractions=(1.5,), steps=1)


def test_rank_correlation_and_regimes_validation():
    rows = [{"auc": a, "linear_probe": p} for a, p in [(0.6, 0.9), (0.7, 0.8), (0.8, 0.85), (0.9, 0.5)]]
    assert rank_correlation(rows) == pytest.approx(-0.8)
    with pytest.raises(ValueError, match="at least 3"):
        rank_correlation(rows[:2])
    with pytest.raises(ValueError, match="multiple of rounds"):
        continual_vs_multiepoch(epochs=3, rounds=2)


def test_explained_variance_auc_of_rank_one_and_isotropic_features():
    g = torch.Generator().manual_seed(0)
    assert explained_variance_auc(torch.randn(2000, 1, generator=g) * torch.ones(1, 16)) > 0.99
    assert explained_variance_auc(torch.randn(2000, 16, generator=g)) == pytest.approx(0.5 + 0.5 / 16, abs=0.02)


def test_reference_rows_read_the_data_fraction_of_every_run():
    import pandas as pd

    from ssl_course.theory.collapse import reference_rows

    base = dict(dataset="shapes", feature_auc=0.8, spectrum=[0.5, 1.0], knn=0.5, linear_probe=0.5, random_init_knn=0.3,
                random_init_probe=0.3, random_init_feature_auc=0.7, steps=10, width=8, seed=0)
    table = pd.DataFrame([{**base, "run": "collapse-data5", "train_subset": 500},
                          {**base, "run": "collapse-data100", "train_subset": None}])  # pandas makes None a NaN
    rows = reference_rows(table)
    assert [r["fraction"] for r in rows] == [0.05, 1.0] and [r["train_images"] for r in rows] == [500, 10_000]
    assert [r["regime"] for r in rows] == [None, "multi-epoch"]
