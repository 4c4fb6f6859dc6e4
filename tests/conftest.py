"""Shared fixtures. ``SHARED`` is the benchmark data beside the repository."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"


def pytest_collection_modifyitems(config, items):
    import torch

    skip_cuda = pytest.mark.skip(reason="CUDA is not available on this machine")
    for item in items:
        if "cuda" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_cuda)


@pytest.fixture(scope="session")
def shared_root() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"benchmark data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny tensors: one intra-op thread avoids OpenMP barrier stalls on a busy shared CPU."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def interrupt_at():
    """``interrupt_at(epoch)``: a training callback that raises SIGINT after that epoch (tests resume)."""
    import signal

    def make(epoch: int):
        def callback(record):
            if record["epoch"] == epoch:
                signal.raise_signal(signal.SIGINT)
        return callback

    return make


@pytest.fixture(scope="session")
def random_kg():
    """Factory of small random knowledge graphs: ``random_kg(seed, entities, relations, (train, valid, test))``.

    Triples ``(e_a, r_b, e_c)`` with ids drawn uniformly from one numpy Generator (heads, then
    relations, then tails), split in order into train, valid and test.
    """
    import numpy as np

    from graphemb.kg import KnowledgeGraph

    def make(seed: int, entities: int, relations: int, sizes: tuple):
        rng = np.random.default_rng(seed)
        n = sum(sizes)
        heads, rels, tails = rng.integers(0, entities, n), rng.integers(0, relations, n), rng.integers(0, entities, n)
        trip = [(f"e{a}", f"r{b}", f"e{c}") for a, b, c in zip(heads, rels, tails)]
        a, b = sizes[0], sizes[0] + sizes[1]
        return KnowledgeGraph.from_labeled_triples(trip[:a], trip[a:b], trip[b:])

    return make
