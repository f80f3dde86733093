"""DirectPred / DirectCopy against an independent numpy computation, and the eigen-alignment metrics."""
import numpy as np
import pytest
import torch

from ssl_course.metrics import commutator_norm, correlation, eigen_alignment, eigen_pairs
from ssl_course.predictors import DirectPredictor, build_predictor


def batches(n, dim=6, size=40, seed=0):
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(dim, dim)) * np.linspace(2.0, 0.1, dim)  # anisotropic features
    return [rng.normal(size=(size, dim)) @ mix.T + 0.3 for _ in range(n)]


def reference_weights(zs, rho, eps, freq, mode):
    """Plain numpy: running uncentred correlation, weight set on calls 0, freq, 2 freq, ..."""
    F, W, out = None, np.eye(zs[0].shape[1]), []
    for k, z in enumerate(zs):
        batch = z.T @ z / len(z)
        F = batch if F is None else rho * F + (1 - rho) * batch
        if k % freq == 0:
            if mode == "directpred":
                s, U = np.linalg.eigh(F)
                p = np.maximum(np.sqrt(np.maximum(s, 0) / s.max()) + eps, 1e-4)
                W = U @ np.diag(p) @ U.T
            else:
                W = F / np.linalg.norm(F) + eps * np.eye(len(F))
        out.append(W.copy())
    return out


@pytest.mark.parametrize("mode", ["directpred", "directcopy"])
@pytest.mark.parametrize("rho,eps,freq", [(0.3, 0.1, 1), (0.0, 0.01, 1), (0.5, 0.1, 3)])
def test_weight_matches_independent_computation(mode, rho, eps, freq):
    zs = batches(7)
    head = DirectPredictor(6, rho=rho, eps=eps, freq=freq, mode=mode)
    assert torch.equal(head.weight, torch.eye(6))  # before any update
    for z, expected in zip(zs, reference_weights(zs, rho, eps, freq, mode)):
        head.update(torch.tensor(z, dtype=torch.float32))
        np.testing.assert_allclose(head.weight.numpy(), expected, atol=2e-5)


def test_first_call_sets_correlation_and_freq_holds_weight_between_updates():
    zs = [torch.tensor(z, dtype=torch.float32) for z in batches(4)]
    head = DirectPredictor(6, rho=0.9, freq=3)
    head.update(zs[0])
    torch.testing.assert_close(head.correlation, zs[0].double().T @ zs[0].double() / 40)  # not 0.1 x batch
    first = head.weight.clone()
    head.update(zs[1]), head.update(zs[2])
    assert torch.equal(head.weight, first)  # calls 2 and 3: weight unchanged
    head.update(zs[3])
    assert not torch.equal(head.weight, first)  # call 4 = 1 + freq: recomputed


def test_directpred_weight_is_psd_shares_eigenvectors_and_follows_sqrt_s():
    head = DirectPredictor(6, rho=0.3, eps=0.1)
    for z in batches(5):
        head.update(torch.tensor(z, dtype=torch.float32))
    W, F = head.weight.double(), head.correlation
    torch.testing.assert_close(W, W.T)
    assert torch.linalg.eigvalsh(W).min() > 0
    assert commutator_norm(F, W) < 1e-6
    torch.testing.assert_close(eigen_alignment(F, W), torch.ones(6, dtype=torch.float64), atol=1e-5, rtol=0)
    s, p, _ = eigen_pairs(F, W)
    torch.testing.assert_close(p, (s / s[0]).sqrt() + 0.1, atol=1e-5, rtol=0)


def test_forward_is_x_times_weight_transposed_and_nothing_is_trainable():
    head = build_predictor("directcopy", 6, eps=0.2)
    head.update(torch.tensor(batches(1)[0], dtype=torch.float32))
    x = torch.randn(5, 6)
    torch.testing.assert_close(head(x), x @ head.weight.T)
    assert not list(head.parameters())
    assert set(head.state_dict()) == {"weight", "correlation", "calls"}  # checkpointed with the model


@pytest.mark.parametrize("kwargs,match", [
    (dict(eps=-0.1), "eps"), (dict(rho=1.0), "rho"), (dict(rho=-0.2), "rho"),
    (dict(freq=0), "freq"), (dict(freq=1.5), "freq"), (dict(mode="eig"), "mode"),
])
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DirectPredictor(4, **kwargs)


def test_bad_batches_raise():
    head = DirectPredictor(4)
    with pytest.raises(ValueError, match="non-finite"):
        head.update(torch.tensor([[1.0, float("nan"), 0, 0], [0, 1.0, 0, 0]]))
    with pytest.raises(ValueError, match="shape"):
        head.update(torch.ones(3, 5))
    with pytest.raises(ValueError, match="no options"):
        build_predictor("linear", 4, rho=0.3)


def test_alignment_metrics_hand_values():
    F = torch.diag(torch.tensor([3.0, 1.0]))
    assert commutator_norm(F, torch.diag(torch.tensor([5.0, -2.0]))) == 0.0  # shared eigenvectors
    W = torch.tensor([[0.0, 1.0], [0.0, 0.0]])  # [F, W] = [[0, 2], [0, 0]]
    assert commutator_norm(F, W) == pytest.approx(2 / (10 ** 0.5 * 1.0))
    R = torch.tensor([[1.0, 1.0], [0.0, 1.0]])  # u1 = e1: |1| / ||(1, 0)|| = 1; u2 = e2: |1| / ||(1, 1)||
    torch.testing.assert_close(eigen_alignment(F, R), torch.tensor([1.0, 2 ** -0.5], dtype=torch.float64))
    z = torch.tensor([[1.0, 2.0], [3.0, 0.0]])
    torch.testing.assert_close(correlation(z), torch.tensor([[5.0, 1.0], [1.0, 2.0]], dtype=torch.float64))
    with pytest.raises(ValueError, match="square"):
        commutator_norm(torch.ones(2, 3), torch.ones(2, 3))


def test_linear_head_run_logs_the_spectra_of_F_and_W_p(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import ssl_course.train as trainer
    from ssl_course.course import plot_eigenvalues_over_training
    from ssl_course.train import TrainConfig, train

    seen = []  # the head and the projections of each logged step, to recompute the spectra by hand
    original = trainer.eigen_pairs

    def spy(F, W):
        seen.append((F.clone(), W.clone()))
        return original(F, W)

    monkeypatch.setattr(trainer, "eigen_pairs", spy)
    config = TrainConfig(method="simsiam", predictor="linear", max_steps=4, log_every=2, batch_size=32, width=4,
                         proj_hidden_dim=32, proj_dim=16, out=None, progress=False, final_eval=False)
    history = train(config).history
    rows = [r for r in history if "eigenvalues_F" in r]
    assert [r["step"] for r in rows] == [2, 4] and len(seen) == 2
    for row, (F, W) in zip(rows, seen):
        s = torch.linalg.eigvalsh(F.double()).flip(0)[:4]  # by hand: F's largest eigenvalues ...
        u = torch.linalg.eigh(F.double()).eigenvectors.flip(1)[:, :4]
        p = torch.einsum("ij,ik,kj->j", u, W.double(), u)  # ... and W_p's Rayleigh quotients along them
        assert row["eigenvalues_F"] == pytest.approx(s.tolist(), abs=1e-5)
        assert row["eigenvalues_W_p"] == pytest.approx(p.tolist(), abs=1e-5)
    axes = plot_eigenvalues_over_training(history)
    assert len(axes[0].lines) == 4 and len(axes[1].lines) == 4
    with pytest.raises(ValueError, match="linear predictor"):
        plot_eigenvalues_over_training([{"step": 1, "loss": 0.0}])
