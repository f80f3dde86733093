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


def test_phase_summary_and_collapse_rise_against_hand_numbers():
    from ssl_course.theory.collapse import collapse_rise, phase_names, phase_summary

    aucs = {(2, 500): [0.80, 0.81, 0.79], (2, 100_000): [0.84, 0.83, 0.85], (16, 500): [0.76, 0.77, 0.78],
            (16, 100_000): [0.77, 0.77, 0.77]}
    rows = [dict(width=w, train_images=n, seed=s, auc=a, knn=0.4, linear_probe=0.4, random_init_auc=0.7)
            for (w, n), values in aucs.items() for s, a in enumerate(values)]
    summary = phase_summary(rows)
    assert list(summary["seeds"]) == [3, 3, 3, 3]
    assert summary["auc"].round(6).tolist() == [0.80, 0.84, 0.77, 0.77]
    assert summary["auc_std"].round(6).tolist() == [0.01, 0.01, 0.01, 0.0]
    rise, std = collapse_rise(rows, 2)  # paired by seed: 0.04, 0.02, 0.06
    assert (round(rise, 6), round(std, 6)) == (0.04, 0.02)
    rise, std = collapse_rise(rows, 16)  # 0.01, 0.0, -0.01
    assert (round(rise, 6), round(std, 6)) == (0.0, 0.01)
    assert phase_names((2, 16), (500,)) == ["phase-w2-n500", "phase-w16-n500"]


def test_shapes_100k_labels_exactly_the_shapes_train_split():
    from ssl_course.data import load_dataset, train_size

    assert train_size("shapes-100k") == 100_000
    large = load_dataset("shapes-100k", "train")  # the labelled split: shapes' own 10 000
    small = load_dataset("shapes", "train")
    assert torch.equal(large.images, small.images) and torch.equal(large.targets, small.targets)


def test_shapes_100k_trains_on_the_labelled_images_first_then_unlabelled_ones(monkeypatch):
    import ssl_course.data as data

    monkeypatch.setitem(data.SHAPES_SIZES, "train", (30, 0))  # the real sizes take a minute to generate
    monkeypatch.setitem(data.SHAPES_SIZES, "unlabeled", (50, 2))
    both = data.load_dataset("shapes-100k", "train+unlabeled")
    assert len(both) == data.train_size("shapes-100k") == 80
    assert torch.equal(both.images[:30], data.load_dataset("shapes", "train").images)  # train_subset <= 30: labelled
    assert (both.targets[:30] >= 0).all() and (both.targets[30:] == -1).all()  # evaluation labels only the first 30
    assert not torch.equal(both.images[30:60], both.images[:30])


def test_search_summary_averages_each_setting_over_its_seeds(tmp_path):
    import json

    from ssl_course.theory.collapse import search_rows, search_summary

    base = dict(regime="steps=1800", width=2, steps=1800, random_init_auc=0.77, random_init_knn=0.2, linear_probe=0.4)
    rows = [{**base, "train_images": 256, "seed": 0, "auc": 0.80, "knn": 0.50},
            {**base, "train_images": 256, "seed": 1, "auc": 0.84, "knn": 0.40},
            {**base, "train_images": 100_000, "seed": 0, "auc": 0.90, "knn": 0.25}]
    path = tmp_path / "search.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = search_summary(search_rows(path))
    assert list(summary["train_images"]) == [256, 100_000]  # the order first run
    small = summary.iloc[0]
    assert small["seeds"] == 2 and small["auc"] == pytest.approx(0.82) and small["knn_gain"] == pytest.approx(0.25)
    assert summary.iloc[1]["knn_gain"] == pytest.approx(0.05)
    with pytest.raises(FileNotFoundError, match="collapse_search.py"):
        search_rows(tmp_path / "missing.jsonl")


def test_the_shipped_collapse_search_holds_both_regimes():
    from ssl_course.theory.collapse import search_rows

    rows = search_rows()
    assert {r["regime"].split("=")[0] for r in rows} == {"steps", "epochs"}
    for row in rows:  # each run's record agrees with itself: same epochs means epochs x batches an epoch steps
        assert 0.5 < row["auc"] <= 1.0 and row["steps"] >= 1
        if row["regime"].startswith("epochs="):
            assert row["steps"] == int(row["regime"].split("=")[1]) * (row["train_images"] // 128)
