"""Data-parallel knowledge-graph embedding training on torch.distributed.

Every rank holds a replica of the entity and relation tables (the form that suits KGs
whose parameters fit one machine: FB15k-237, WN18RR, CoDEx, ogbl-wikikg2 at moderate
dims). Each global batch of ``batch_size`` training rows (reciprocal queries for
1-vs-all, triples for negative sampling) is split into one shard per rank; each rank
computes its shard's loss scaled by ``shard / batch`` and the gradients are summed with
an all-reduce, so every rank applies exactly the gradient of the whole batch and the
replicas stay identical. 1-vs-all training therefore follows the single-process
trajectory of :func:`graphemb.kge.train` (same initialisation, shuffling and optimiser)
up to floating-point summation order; negative sampling draws each shard's negatives
from that rank's own generator.

Checkpoints (rank 0 writes them atomically, pickle-free, through
:mod:`graphemb.kge.checkpoint`) hold the parameters, the optimiser and scheduler state
and every rank's random generator state after each ``checkpoint_every`` epochs; a job
started with ``resume=True`` continues from the last checkpoint, for instance after a
rank was killed.

Not implemented: entity-partitioned training (PyTorch-BigGraph buckets, each rank holding
only its entity partitions), needed when the tables do not fit one machine; and sparse
gradient all-reduce (gradients are all-reduced densely). The per-rank cost model is in
:mod:`graphemb.distributed.scale_model`.

Examples
--------
>>> model = train_distributed("umls", nproc=2, model="complex", dim=64, epochs=20)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Optional

import numpy as np
import torch
import torch.distributed as dist

from ..errors import CheckpointError, InvalidParameterError
from ..kg import KnowledgeGraph
from ..utils.random import seed_from
from .launch import spawn

SUPPORTED_TRAINING = ("1vsall", "negative")


def _shard(idx: torch.Tensor, rank: int, world: int) -> torch.Tensor:
    return idx[rank::world]


def _worker(rank: int, world: int, kg: KnowledgeGraph, model: str, params: Dict[str, Any],
            checkpoint_dir: Optional[str], resume: bool, kill: Optional[tuple]) -> Optional[dict]:
    from ..kge import checkpoint as ckpt
    from ..kge.config import resolve_config
    from ..kge.losses import all_entity_loss, dura_regularizer, n3_regularizer, negative_loss
    from ..kge.models import KGEModule
    from ..kge.training import _jsonable, _resolve_sampler

    random_state = params.pop("random_state", 0)
    negative_sampler = params.pop("negative_sampler", None)
    cfg = resolve_config(model, preset=params.pop("preset", None), **params)
    seed = seed_from(random_state)
    init_gen = torch.Generator().manual_seed(seed)
    shuffle_gen = torch.Generator().manual_seed(seed + 1)
    sample_gen = torch.Generator().manual_seed(seed + 2 + rank)
    module = KGEModule(cfg["model"], kg.num_entities, kg.num_relations, cfg["dim"], cfg["gamma"],
                       reciprocal=cfg["reciprocal"], generator=init_gen, interaction_kwargs=cfg["interaction_kwargs"])
    opt_cls = {"adam": torch.optim.Adam, "adagrad": torch.optim.Adagrad, "sgd": torch.optim.SGD}[cfg["optimizer"]]
    optimizer = opt_cls(module.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    decay = cfg["lr_decay"] if cfg["lr_schedule"] == "exponential" else 1.0
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=decay)
    if cfg["training"] == "negative":
        sampler = _resolve_sampler(negative_sampler, kg, cfg["num_negatives"])
        data = torch.as_tensor(kg.train)
    else:
        data = torch.as_tensor(kg.with_reciprocals(kg.train))
    rows, bs = len(data), cfg["batch_size"]
    n_batches = (rows + bs - 1) // bs
    epoch, history = 0, []
    config_json = {**_jsonable(cfg), "world_size": world}
    if resume and checkpoint_dir and ckpt.has_checkpoint(checkpoint_dir):
        tensors, meta = ckpt.load_checkpoint(checkpoint_dir, "cpu")
        if meta["config"] != config_json:
            raise CheckpointError(f"{checkpoint_dir}: written with different settings: {meta['config']}")
        with torch.no_grad():
            module.entity.copy_(tensors["model.entity"])
            module.relation.copy_(tensors["model.relation"])
        ckpt.load_optimizer_state(optimizer, tensors, meta["optimizer"])
        scheduler.load_state_dict(meta["scheduler"])
        shuffle_gen.set_state(tensors["rng.shuffle"])
        sample_gen.set_state(tensors[f"rng.sample.{rank}"])
        epoch, history = meta["epoch"], meta["history"]

    def save() -> None:
        states = [torch.empty_like(sample_gen.get_state()) for _ in range(world)]
        dist.all_gather(states, sample_gen.get_state())
        if rank != 0 or not checkpoint_dir:
            return
        tensors = {"model.entity": module.entity, "model.relation": module.relation,
                   "rng.shuffle": shuffle_gen.get_state(), **{f"rng.sample.{r}": s for r, s in enumerate(states)}}
        opt_tensors, opt_meta = ckpt.optimizer_state(optimizer)
        tensors.update(opt_tensors)
        ckpt.save_checkpoint(checkpoint_dir, tensors, {"config": config_json, "optimizer": opt_meta,
                                                       "scheduler": scheduler.state_dict(), "epoch": epoch,
                                                       "history": history})

    params_list = list(module.parameters())
    while epoch < cfg["epochs"]:
        t0 = time.perf_counter()
        perm = torch.randperm(rows, generator=shuffle_gen)
        loss_sum = torch.zeros(1, dtype=torch.float64)
        for b in range(n_batches):
            if kill is not None and (rank, epoch, b) == kill:
                os._exit(17)  # test hook: this rank dies abruptly
            idx = perm[b * bs:(b + 1) * bs]
            local = data[_shard(idx, rank, world)]
            weight = len(local) / len(idx)
            if cfg["training"] == "negative":
                negs = sampler.corrupt(local, sample_gen)
                scores = module.score_hrt(torch.cat([local.unsqueeze(1), negs], dim=1))
                loss = negative_loss(cfg["loss"], scores[:, 0], scores[:, 1:], cfg["margin"],
                                     cfg["adversarial_temperature"])
            else:
                scores = module.score_t(local[:, 0], local[:, 1])
                labels = torch.zeros_like(scores)
                labels[torch.arange(len(local)), local[:, 2]] = 1.0
                loss = all_entity_loss(cfg["loss"], scores, labels, cfg["label_smoothing"])
            if cfg["regularizer"]:
                fac = (module.entity[local[:, 0]], module.relation[local[:, 1]], module.entity[local[:, 2]])
                reg = n3_regularizer(*fac) if cfg["regularizer"] == "n3" else dura_regularizer(*fac)
                loss = loss + cfg["regularizer_weight"] * reg
            optimizer.zero_grad(set_to_none=False)
            (loss * weight).backward()
            for p in params_list:
                dist.all_reduce(p.grad)
            if cfg["grad_clip"]:
                torch.nn.utils.clip_grad_norm_(params_list, cfg["grad_clip"])
            optimizer.step()
            loss_sum += float(loss.detach()) * len(local)
        dist.all_reduce(loss_sum)
        scheduler.step()
        epoch += 1
        history.append({"epoch": epoch, "loss": float(loss_sum) / rows, "time_s": time.perf_counter() - t0,
                        "lr": optimizer.param_groups[0]["lr"]})
        if checkpoint_dir and (epoch % cfg["checkpoint_every"] == 0 or epoch == cfg["epochs"]):
            save()
    if rank != 0:
        return None
    return {"entity": module.entity.detach(), "relation": module.relation.detach(),
            "module_config": module.config(), "config": _jsonable(cfg), "history": history}


def train_distributed(kg: Any, nproc: int = 2, model: str = "nfe-1", *, checkpoint_dir: Optional[str] = None,
                      resume: bool = False, backend: Optional[str] = None, timeout_s: float = 3600,
                      _kill: Optional[tuple] = None, **train_params: Any):
    """Train a KGE model with ``nproc`` local data-parallel processes; returns a :class:`graphemb.kge.KGE`.

    ``train_params`` are :func:`graphemb.kge.train` settings (``dim``, ``epochs``,
    ``batch_size`` (the global batch), ``lr``, ``training`` ('1vsall' or 'negative'),
    ``negative_sampler`` ('uniform', 'bernoulli' or a picklable NegativeSampler),
    ``loss``, ``random_state``, ...). Validation-based model selection is not done during
    distributed training; evaluate the returned model with :func:`graphemb.kge.evaluate`.
    """
    from ..kge.config import resolve_config
    from ..kge.models import KGEModule
    from ..kge.predict import KGE

    if isinstance(kg, str):
        from ..datasets import load_kg

        kg = load_kg(kg)
    if not isinstance(kg, KnowledgeGraph):
        raise InvalidParameterError(f"kg must be a KnowledgeGraph or a dataset name, got {type(kg).__name__}")
    check = {k: v for k, v in train_params.items() if k not in ("random_state", "negative_sampler", "preset")}
    cfg = resolve_config(model, preset=train_params.get("preset"), **check)
    if cfg["training"] not in SUPPORTED_TRAINING:
        raise InvalidParameterError(f"distributed training supports training in {SUPPORTED_TRAINING}, "
                                    f"got {cfg['training']!r}")
    if cfg["mixed_precision"]:
        raise InvalidParameterError("mixed_precision is not supported by distributed training")
    if resume and not checkpoint_dir:
        raise InvalidParameterError("resume=True needs checkpoint_dir")
    out = spawn(_worker, nproc, (kg, model, dict(train_params), checkpoint_dir, resume, _kill),
                backend=backend or "gloo", timeout_s=timeout_s)
    mc = out["module_config"]
    module = KGEModule(mc["model"], mc["num_entities"], mc["num_relations"], mc["dim"], mc["gamma"],
                       reciprocal=mc["reciprocal"], interaction_kwargs=mc["interaction_kwargs"])
    with torch.no_grad():
        module.entity.copy_(torch.as_tensor(np.asarray(out["entity"])))
        module.relation.copy_(torch.as_tensor(np.asarray(out["relation"])))
    module.eval()
    return KGE(module, kg.entities, kg.relations, config={**out["config"], "nproc": nproc},
               history=out["history"], known_triples=kg.all_triples())


def run_kge_distributed(kg: Any, nproc: int, **train_params: Any):
    """Alias of :func:`train_distributed` (used by ``graphemb kge train --nproc``)."""
    return train_distributed(kg, nproc, **train_params)
