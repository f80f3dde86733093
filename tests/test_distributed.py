"""Two gloo processes, each with half of a batch, compute what one process computes with the whole batch:
SimCLR's loss and its gradient, the BYOL/SimSiam loss and DirectPred's correlation and weight."""
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from ssl_course import distributed
from ssl_course.losses import byol_loss, info_nce, negative_cosine
from ssl_course.predictors import DirectPredictor

pytestmark = pytest.mark.slow  # spawns two processes
WORLD, N, D = 2, 8, 6


def batch():
    g = torch.Generator().manual_seed(0)
    return [torch.randn(N, D, generator=g, dtype=torch.float64) for _ in range(4)]  # z1, z2, p1, p2


def info_nce_by_hand(z1, z2, t):
    """The NT-Xent formula term by term, for the whole batch."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n, total = z1.shape[0], 0.0
    for i in range(2 * n):
        pos = (i + n) % (2 * n)
        others = torch.stack([z[i] @ z[k] / t for k in range(2 * n) if k != i])
        total = total - (z[i] @ z[pos] / t - torch.logsumexp(others, 0))
    return total / (2 * n)


def worker(rank, init_file, results):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    z1, z2, p1, p2 = batch()
    share = slice(rank * N // WORLD, (rank + 1) * N // WORLD)
    z1, z2 = z1[share].clone().requires_grad_(), z2[share].clone().requires_grad_()
    simclr = info_nce(z1, z2, 0.5)
    simclr.backward()
    siam = 0.5 * (negative_cosine(p1[share], z2.detach()) + negative_cosine(p2[share], z1.detach()))
    head = DirectPredictor(D, rho=0.3, eps=0.1)
    for _ in range(2):  # the first call sets F, the second averages into it
        head.update(torch.cat([z1, z2]).detach().float())
    results[rank] = {"rank": distributed.world(), "simclr": simclr.item(), "grad1": z1.grad, "grad2": z2.grad,
                     "byol": byol_loss(p1[share], z2.detach()).item(), "simsiam": siam.item(),
                     "F": head.correlation.clone(), "W_p": head.weight.clone()}
    dist.destroy_process_group()


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(worker, args=(str(tmp_path_factory.mktemp("dist") / "init"), results), nprocs=WORLD, join=True)
    return [results[r] for r in range(WORLD)]


def test_each_rank_knows_its_place(ranks):
    assert [r["rank"] for r in ranks] == [(0, 2), (1, 2)]


def test_simclr_loss_and_gradient_match_one_process_with_the_whole_batch(ranks):
    z1, z2, _, _ = batch()
    z1.requires_grad_(), z2.requires_grad_()
    whole = info_nce(z1, z2, 0.5)
    whole.backward()
    assert whole.item() == pytest.approx(info_nce_by_hand(z1, z2, 0.5).item(), abs=1e-10)
    assert sum(r["simclr"] for r in ranks) / WORLD == pytest.approx(whole.item(), abs=1e-5)
    # each rank's gradient summed over every rank's loss; DDP's average over ranks then divides by WORLD
    grad1 = torch.cat([r["grad1"] for r in ranks]) / WORLD
    grad2 = torch.cat([r["grad2"] for r in ranks]) / WORLD
    torch.testing.assert_close(grad1, z1.grad, atol=1e-5, rtol=0)
    torch.testing.assert_close(grad2, z2.grad, atol=1e-5, rtol=0)


def test_local_negatives_only_would_differ(ranks):
    """The check above can fail: the loss of each half on its own is not the whole batch's."""
    z1, z2, _, _ = batch()
    local = sum(info_nce(z1[s], z2[s], 0.5).item() for s in (slice(0, N // 2), slice(N // 2, N))) / 2
    assert abs(local - info_nce(z1, z2, 0.5).item()) > 1e-2


def test_byol_and_simsiam_losses_match_one_process(ranks):
    z1, z2, p1, p2 = batch()
    assert sum(r["byol"] for r in ranks) / WORLD == pytest.approx(byol_loss(p1, z2).item(), abs=1e-5)
    siam = 0.5 * (negative_cosine(p1, z2) + negative_cosine(p2, z1))
    assert sum(r["simsiam"] for r in ranks) / WORLD == pytest.approx(siam.item(), abs=1e-5)


def test_directpred_correlation_and_weight_match_one_process(ranks):
    z1, z2, _, _ = batch()
    z = torch.cat([z1, z2]).float().double()
    F_ = z.T @ z / len(z)  # both calls see the same batch: 0.3 F + 0.7 F = F
    head = DirectPredictor(D, rho=0.3, eps=0.1)
    for _ in range(2):
        head.update(torch.cat([z1, z2]).float())
    for r in ranks:  # equal on both ranks, and equal to one process's
        torch.testing.assert_close(r["F"], F_, atol=1e-5, rtol=0)
        torch.testing.assert_close(r["W_p"], head.weight, atol=1e-5, rtol=0)
