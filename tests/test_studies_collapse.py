"""Li, Efros & Pathak's collapse study: data streams in chunks and the hybrid's i.i.d. phase, the metric's
floor at one feature dimension, the study's tables, and a live sweep that measures what it reports."""
import numpy as np
import pytest
import torch

from ssl_course.data.training import epoch_order
from ssl_course.metrics import explained_variance_auc
from ssl_course.studies.collapse import collapse_rise, isotropic_auc, live_sweep, normalised_auc, rank_correlation
from ssl_course.train import TrainConfig, train


def test_epoch_order_streams_chunks_in_turn():
    n, chunks = 40, 4
    seen = [set(epoch_order(n, seed=0, epoch=e, chunks=chunks, chunk_epochs=2).tolist()) for e in range(10)]
    for e, indices in enumerate(seen):
        chunk = (e // 2) % chunks
        assert indices == set(range(chunk * 10, chunk * 10 + 10))
    assert epoch_order(n, 0, 3).tolist() != epoch_order(n, 0, 4).tolist()
    assert sorted(epoch_order(n, 0, 3).tolist()) == list(range(n))  # one chunk: every image


def test_the_hybrid_leaves_the_stream_for_iid_draws_of_a_chunks_size():
    n, chunks = 400, 4
    stream = [epoch_order(n, 0, e, chunks, 1, iid_from_epoch=2) for e in range(6)]
    assert set(stream[0].tolist()) == set(range(100)) and set(stream[1].tolist()) == set(range(100, 200))
    for order in stream[2:]:  # after the stream: 100 distinct images drawn from all 400, not one chunk
        assert len(order) == len(set(order.tolist())) == 100
        assert max(order.tolist()) >= 100 and min(order.tolist()) < 300
    assert stream[2].tolist() != stream[3].tolist()
    with pytest.raises(ValueError, match="iid_from_epoch needs chunks > 1"):
        TrainConfig(iid_from_epoch=3).validate()


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


@pytest.mark.parametrize("dim", [8, 32, 128])
def test_isotropic_features_sit_at_the_floor_and_rank_one_at_the_top(dim):
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(4 * dim, dim, generator=g, dtype=torch.float64))
    spread = q - q.mean(0)  # centred columns of equal norm: every singular value alike, up to the centring
    assert explained_variance_auc(spread) == pytest.approx((dim + 1) / (2 * dim), abs=0.01)
    assert isotropic_auc(dim) == (dim + 1) / (2 * dim)
    line = torch.randn(64, 1, generator=g, dtype=torch.float64) * torch.randn(1, dim, generator=g, dtype=torch.float64)
    assert normalised_auc(explained_variance_auc(line), dim) == pytest.approx(1.0, abs=1e-6)
    assert normalised_auc(0.75, 2) == pytest.approx(0.0) and normalised_auc(0.875, 2) == pytest.approx(0.5)


def test_collapse_rise_pairs_seeds_and_rank_correlation_against_hand_numbers():
    rows = [{"width": 4, "train_images": n, "seed": s, "auc": a}
            for (n, s, a) in [(128, 0, 0.70), (128, 1, 0.72), (1000, 0, 0.75), (1000, 1, 0.80), (500, 0, 0.9)]]
    mean, std = collapse_rise(rows, 4)  # per seed: +0.05, +0.08
    assert mean == pytest.approx(0.065) and std == pytest.approx(np.std([0.05, 0.08], ddof=1))
    ranked = [{"auc": a, "linear_probe": p} for a, p in [(0.6, 0.9), (0.7, 0.8), (0.8, 0.85), (0.9, 0.5)]]
    assert rank_correlation(ranked) == pytest.approx(-0.8)  # ranks of p: 4, 2, 3, 1
    with pytest.raises(ValueError, match="at least 3"):
        rank_correlation(ranked[:2])


@pytest.mark.slow
def test_live_sweep_measures_what_it_reports():
    rows = live_sweep(sizes=(128, 1024), width=2, steps=8)
    assert [r["train_images"] for r in rows] == [128, 1024]
    assert [r["passes_per_image"] for r in rows] == [8.0, 1.0]  # 8 steps of 128 images
    for row in rows:
        assert row["feature_dim"] == 16 and isotropic_auc(16) < row["auc"] < 1.0
        assert row["normalised_auc"] == pytest.approx(normalised_auc(row["auc"], 16))
        assert -1.0 <= row["own_loss"] <= 1.0 and -1.0 <= row["held_out_loss"] <= 1.0


def test_the_partial_collapse_numbers_in_the_readme_and_docs_are_the_shipped_runs():
    """The README and docs/theory.md quote the data study by hand: each number is recomputed here."""
    from pathlib import Path

    from ssl_course.studies import reference
    from ssl_course.studies.collapse import study_names, study_rows, study_summary
    from ssl_course.studies.runs import DATA_SIZES, DATA_WIDTHS

    root = Path(__file__).resolve().parents[1]
    rows = study_rows(reference.load(study_names(DATA_WIDTHS, DATA_SIZES)))
    auc, auc_std = collapse_rise(rows, 16)
    knn, knn_std = collapse_rise(rows, 16, "knn")
    fits = {w: np.mean([r["held_out_loss"] - r["own_loss"] for r in rows if r["width"] == w and r["train_images"] == 128])
            for w in DATA_WIDTHS}
    summary = study_summary(rows)  # the fit is quoted as a mean over seeds
    most_after = float((summary["held_out_loss"] - summary["own_loss"])[summary["train_images"] >= 2000].abs().max())
    rho = {w: rank_correlation([r for r in rows if r["width"] == w]) for w in DATA_WIDTHS}
    pages = {name: " ".join((root / name).read_text().split()) for name in ("README.md", "docs/theory.md")}
    expected = {
        "README.md": [f"rises by {auc:+.4f} ± {auc_std:.4f}", f"kNN falls by {-knn:.3f}",
                      f"loss on them {fits[16]:.3f} below the held-out loss", "under 0.005 from 2 000 images on",
                      f"Spearman {rho[16]:.2f}".replace("-", "−")],
        "docs/theory.md": [f"rises by {auc:+.4f} ± {auc_std:.4f}", f"+{fits[4]:.3f} (width 4) and +{fits[16]:.3f} (width 16)",
                           "at most 0.005 from 2 000 images on", f"Spearman {rho[16]:.2f}".replace("-", "−")],
    }  # docs/results.md's claims table is written from notebook 07's outputs (tested in test_notebooks)
    for name, quotes in expected.items():
        for quote in quotes:
            assert quote in pages[name], f"{name} should say {quote!r}"
    assert most_after <= 0.005, f"the README and docs/theory.md say the fit is under 0.005 from 2 000 images on: {most_after:.4f}"


def test_theory_md_data_study_table_is_the_shipped_runs_summary():
    """docs/theory.md's table of the data study, row for row, from the 30 shipped runs."""
    from pathlib import Path

    from ssl_course.studies import reference
    from ssl_course.studies.collapse import study_names, study_rows, study_summary
    from ssl_course.studies.runs import DATA_SIZES, DATA_WIDTHS

    text = (Path(__file__).resolve().parents[1] / "docs" / "theory.md").read_text()
    summary = study_summary(study_rows(reference.load(study_names(DATA_WIDTHS, DATA_SIZES))))
    for _, r in summary.iterrows():
        row = (f"| {int(r['width'])} | {int(r['train_images']):,} | {r['passes_per_image']:,.1f} | {r['auc']:.4f} ± {r['auc_std']:.4f} | "
               f"{r['normalised_auc']:.3f} | {r['random_init_auc']:.4f} | {r['knn']:.3f} ± {r['knn_std']:.3f} | "
               f"{r['linear_probe']:.3f} ± {r['linear_probe_std']:.3f} | {r['own_loss']:.3f} | {r['held_out_loss']:.3f} |")
        assert row in text, row
    assert len(summary) == len(DATA_WIDTHS) * len(DATA_SIZES)
