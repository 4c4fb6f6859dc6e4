"""Seeded dimensionality reduction and k-means for entity clustering (used by LEMON).

k-means with k-means++ seeding (Arthur and Vassilvitskii, "k-means++: The Advantages of
Careful Seeding", SODA 2007), either from scikit-learn (``KMeans`` / ``MiniBatchKMeans``)
or as a small torch implementation that runs on the device of the data, for entity sets
too large for a comfortable CPU fit. All paths are seeded from ``random_state``.

.. math::

    \\min_{c_1..c_K} \\sum_i \\min_k \\lVert x_i - c_k \\rVert^2
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator, Optional, Tuple

import numpy as np
import torch

from ..errors import InvalidParameterError
from ..utils import check_int, seed_from, torch_generator

logger = logging.getLogger(__name__)

CLUSTERING_METHODS = ("auto", "kmeans", "minibatch", "torch")
#: above this many points ``method='auto'`` uses the torch implementation.
AUTO_TORCH_THRESHOLD = 200_000


def reduce_dimensions(x: np.ndarray, n_components: Optional[int], random_state=0) -> np.ndarray:
    """PCA to ``n_components`` (scikit-learn), or ``x`` unchanged when ``None``.

    Returns float32 of shape ``(n, n_components)``.
    """
    x = np.asarray(x, dtype=np.float32)
    if n_components is None:
        return x
    n_components = check_int(n_components, "n_components", min_value=1)
    if n_components > min(x.shape):
        raise InvalidParameterError(
            f"n_components={n_components} must be <= min(n_samples, n_features) = {min(x.shape)}")
    from sklearn.decomposition import PCA

    pca = PCA(n_components=n_components, random_state=seed_from(random_state) % (2**32))
    return pca.fit_transform(x).astype(np.float32)


def _sq_dist(x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return ((x * x).sum(1, keepdim=True) - 2.0 * x @ c.T + (c * c).sum(1)).clamp_min_(0.0)


def torch_kmeans(x: torch.Tensor, n_clusters: int, *, n_init: int = 3, max_iter: int = 100, tol: float = 1e-4,
                 generator: Optional[torch.Generator] = None) -> Tuple[torch.Tensor, torch.Tensor, float]:
    """Lloyd's k-means with k-means++ seeding on the device of ``x``.

    Parameters
    ----------
    x : Tensor (n, d) float
    n_clusters : int
    n_init : int
        Restarts; the one with the lowest inertia wins.
    max_iter, tol : stop after ``max_iter`` iterations or when centres move less than
        ``tol`` (relative to the data variance, as in scikit-learn).
    generator : torch.Generator on the device of ``x``

    Returns
    -------
    labels : LongTensor (n,), centers : Tensor (n_clusters, d), inertia : float
    """
    n = x.shape[0]
    if not 1 <= n_clusters <= n:
        raise InvalidParameterError(f"n_clusters must be in [1, {n}] (the number of points), got {n_clusters}")
    x = x.float()
    tol_abs = tol * float(x.var(0).mean()) if n > 1 else 0.0
    best = None
    for _ in range(n_init):
        # k-means++ seeding: each new centre drawn with probability proportional to D(x)^2
        first = torch.randint(n, (1,), device=x.device, generator=generator)
        centers = x[first]
        d2 = _sq_dist(x, centers).squeeze(1)
        for _k in range(1, n_clusters):
            total = d2.sum()
            if float(total) <= 0:  # fewer distinct points than clusters: pick uniformly
                idx = torch.randint(n, (1,), device=x.device, generator=generator)
            else:
                idx = torch.multinomial(d2 / total, 1, generator=generator)
            centers = torch.cat([centers, x[idx]])
            d2 = torch.minimum(d2, _sq_dist(x, x[idx]).squeeze(1))
        for _it in range(max_iter):
            labels = _sq_dist(x, centers).argmin(1)
            sums = torch.zeros_like(centers).index_add_(0, labels, x)
            counts = torch.bincount(labels, minlength=n_clusters).to(x.dtype)
            empty = counts == 0
            new = sums / counts.clamp_min(1).unsqueeze(1)
            new[empty] = centers[empty]  # keep an empty cluster's centre where it was
            shift = float(((new - centers) ** 2).sum())
            centers = new
            if shift <= tol_abs:
                break
        dist = _sq_dist(x, centers)
        labels = dist.argmin(1)
        inertia = float(dist.gather(1, labels.unsqueeze(1)).sum())
        if best is None or inertia < best[2]:
            best = (labels, centers, inertia)
    return best


def kmeans(x: np.ndarray, n_clusters: int, *, method: str = "auto", random_state=0,
           device: Optional[torch.device] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Cluster rows of ``x``; return ``(labels (n,) int64, centers (n_clusters, d) float32)``.

    ``method``: ``'kmeans'`` (scikit-learn ``KMeans``, k-means++, ``n_init=10`` as in the
    LEMON reference code), ``'minibatch'`` (``MiniBatchKMeans``), ``'torch'``
    (:func:`torch_kmeans` on ``device``), or ``'auto'``: ``'kmeans'`` up to
    :data:`AUTO_TORCH_THRESHOLD` points, ``'torch'`` beyond.

    On the CPU the clustering runs on one thread, so a seed gives the same labels on any machine
    whatever its thread count: parallel sums add in a thread-dependent order, and with 2 threads
    instead of 1 scikit-learn's ``KMeans`` moved about 25 of WN18RR's 40,943 entities to another
    cluster (40,000 random 2-d points show the same). On CUDA the torch implementation's sums use
    atomic adds, so its labels can vary between runs; cluster on the CPU when exact reproducibility
    matters.
    """
    if method not in CLUSTERING_METHODS:
        raise InvalidParameterError(f"clustering must be one of {CLUSTERING_METHODS}, got {method!r}")
    x = np.asarray(x, dtype=np.float32)
    n_clusters = check_int(n_clusters, "n_clusters", min_value=1)
    if n_clusters > len(x):
        raise InvalidParameterError(
            f"n_clusters={n_clusters} exceeds the number of entities with text ({len(x)})")
    if method == "auto":
        method = "kmeans" if len(x) <= AUTO_TORCH_THRESHOLD else "torch"
    seed = seed_from(random_state) % (2**32)
    logger.info("k-means (%s): %d points, %d dims, %d clusters", method, len(x), x.shape[1], n_clusters)
    if method == "torch":
        dev = torch.device(device) if device is not None else torch.device("cpu")
        gen = torch_generator(seed, device=dev)
        with _one_cpu_thread(dev):
            labels, centers, _ = torch_kmeans(torch.as_tensor(x, device=dev), n_clusters, generator=gen)
        return labels.cpu().numpy().astype(np.int64), centers.cpu().numpy().astype(np.float32)
    if method == "minibatch":
        from sklearn.cluster import MiniBatchKMeans

        est = MiniBatchKMeans(n_clusters=n_clusters, init="k-means++", n_init=3, random_state=seed,
                              batch_size=4096)
    else:
        from sklearn.cluster import KMeans

        est = KMeans(n_clusters=n_clusters, init="k-means++", n_init=10, max_iter=300, tol=1e-4,
                     random_state=seed)
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    with threadpool_limits(limits=1):
        labels = est.fit_predict(x)
    return labels.astype(np.int64), est.cluster_centers_.astype(np.float32)


@contextmanager
def _one_cpu_thread(device: torch.device) -> Iterator[None]:
    """Run torch's CPU kernels on one thread inside the block (restored after), so that sums
    add in the same order on every machine; nothing changes for a CUDA device."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def nearest_clusters(x: np.ndarray, centers: np.ndarray, n_nearest: int, chunk: int = 65536) -> np.ndarray:
    """Indices ``(n, n_nearest)`` of the ``n_nearest`` closest centres (Euclidean) of each row.

    Ties are broken by centre index (stable sort), so the result is deterministic.
    """
    n_nearest = check_int(n_nearest, "n_nearest_clusters", min_value=1)
    if n_nearest > len(centers):
        raise InvalidParameterError(
            f"n_nearest_clusters={n_nearest} exceeds n_clusters={len(centers)}")
    out = np.empty((len(x), n_nearest), dtype=np.int64)
    c = torch.as_tensor(np.asarray(centers, dtype=np.float64))
    for s in range(0, len(x), chunk):
        xs = torch.as_tensor(np.asarray(x[s:s + chunk], dtype=np.float64))
        d = _sq_dist(xs, c)
        out[s:s + chunk] = torch.sort(d, dim=1, stable=True).indices[:, :n_nearest].numpy()
    return out
