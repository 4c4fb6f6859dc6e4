r"""Training loops for knowledge-graph embeddings: 1-vs-all, k-vs-all and negative sampling.

1-vs-all with reciprocal relations and binary cross-entropy over all entities follows the NFE
reference (Xiao, He and Cao, "Knowledge Graph Embedding by Normalizing Flows", AAAI 2023) and
Lacroix et al. (ICML 2018); k-vs-all groups the training tails of each ``(h, r)`` query
(Dettmers et al., "ConvE", AAAI 2018). With ``reciprocal=False`` 1-vs-all instead scores both
queries of each triple, ``(h, r, ?)`` and ``(?, r, t)``, with the same relation (LibKGE's 1vsAll;
Ruffinelli, Broscheit and Gemulla, ICLR 2020), so head prediction uses the model's own inverse
instead of a learned reciprocal relation. Negative sampling corrupts heads or tails through any
:class:`graphemb.sampling.base.NegativeSampler` (Bordes et al., NeurIPS 2013).

.. math::
    L_{1vsall} = \frac1b\sum_{(h,r,t)} \sum_{e} \mathrm{softplus}\big((1 - 2[e = t])\, s(h, r, e)\big)

Training is checkpointed atomically without pickle (:mod:`graphemb.kge.checkpoint`) every
``checkpoint_every`` epochs and on SIGINT/SIGTERM; ``resume=True`` continues from the last
checkpoint and, on CPU with a fixed seed, ends with the same parameters as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import warnings
from typing import Any, Callable, Dict, Optional, Union

import numpy as np
import torch

from ..errors import CheckpointError, InvalidParameterError
from ..kg import KnowledgeGraph
from ..utils import check_bool, get_logger, progress, resolve_device
from ..utils import seed_from
from . import checkpoint as ckpt
from .config import DEFAULTS, resolve_config
from .evaluation import evaluate
from .losses import all_entity_loss, dura_regularizer, n3_regularizer, negative_loss, one_vs_all_loss
from .models import KGEModule
from .predict import KGE
from .row_adagrad import RowAdagrad
from .shared_negatives import chunk_shared_scores, normalize_rows_, row_gathered_step, shared_negative_scores
from .transe_margin_kernel import supports_transe_margin_kernel

logger = get_logger("graphemb.kge.training")


def _resolve_sampler(spec, kg: KnowledgeGraph, num_negatives: int):
    from ..sampling.base import NegativeSampler

    if isinstance(spec, NegativeSampler):
        return spec
    if spec is None:
        spec = "uniform"
    if spec not in ("uniform", "bernoulli"):
        raise InvalidParameterError(
            f"negative_sampler must be 'uniform', 'bernoulli' or a NegativeSampler instance, got {spec!r}")
    try:
        from ..sampling import negatives
    except ImportError as exc:
        raise InvalidParameterError(
            f"negative_sampler={spec!r} needs graphemb.sampling.negatives, which is not available ({exc})") from exc
    cls = negatives.UniformNegativeSampler if spec == "uniform" else negatives.BernoulliNegativeSampler
    return cls.from_kg(kg, num_negatives=num_negatives)


class _StopFlag:
    """SIGINT/SIGTERM set a flag; the loop checkpoints at the next batch and stops."""

    def __init__(self, enabled: bool = True) -> None:
        self.signum: Optional[int] = None
        self.enabled = enabled
        self._old: Dict[int, Any] = {}

    def __enter__(self) -> "_StopFlag":
        if self.enabled and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.signum = signum

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _kvsall_queries(train: np.ndarray):
    """Unique (h, r) queries and a CSR of their training tails."""
    keys = np.unique(train[:, 0] * (train[:, 1].max() + 1) + train[:, 1], return_inverse=True)
    order = np.argsort(keys[1], kind="stable")
    q_of_row = keys[1][order]
    indptr = np.r_[0, np.cumsum(np.bincount(q_of_row, minlength=len(keys[0])))]
    first = order[indptr[:-1]]
    return train[first, :2], indptr, train[order, 2]


def train(kg, model: str = "nfe-1", *, preset: Optional[str] = None, dim: Optional[int] = None,
          epochs: Optional[int] = None, batch_size: Optional[int] = None, lr: Optional[float] = None,
          training: Optional[str] = None, negative_sampler=None, num_negatives: Optional[int] = None,
          loss: Optional[str] = None, gamma: Optional[float] = None, device: Union[None, str, torch.device] = "auto",
          random_state: int = 0, checkpoint_dir=None, resume: bool = False, verbose: bool = False,
          callback: Optional[Callable[[Dict[str, Any]], None]] = None, **options) -> KGE:
    """Train a knowledge-graph embedding model and return it with its vocabularies.

    Parameters
    ----------
    kg : KnowledgeGraph or str
        The graph (or a dataset name for :func:`graphemb.datasets.load_kg`).
    model : str
        ``'nfe-1'``, ``'nfe-2'``, ``'nfe-3'``, ``'nfe-w/o-uncertainty'``, ``'transe'``,
        ``'distmult'``, ``'complex'`` or ``'rotate'``.
    preset : str, optional
        ``"dataset/model"`` from :mod:`graphemb.kge.presets`; explicit arguments override it.
    dim, epochs, batch_size, lr, gamma : training size and optimisation settings.
    training : {'1vsall', 'kvsall', 'negative'}
        1-vs-all / k-vs-all score every entity (reciprocal relations; 1-vs-all with
        ``reciprocal=False`` scores the head and the tail query of each triple, so a batch of
        ``b`` triples holds ``2b`` queries); 'negative' samples.
    negative_sampler : None, 'uniform', 'bernoulli' or a NegativeSampler
        Used when ``training='negative'``. A sampler with a ``sample()`` method returning
        chunk-shared negatives (``graphemb.sampling.negatives.ChunkSharedNegativeSampler``) is
        scored by matrix products instead of expanding ``(b, k, 3)`` triples.
    num_negatives : int
        Negatives per positive for string samplers.
    loss : str
        1vsall/kvsall: 'bce' (default) or 'softmax'; negative: 'margin' (default), 'bce',
        'softmax', 'self-adversarial'.
    device : 'auto', 'cpu', 'cuda', ...
    random_state : int
        Seeds the initialisation, shuffling and negative sampling (no global seeding).
    checkpoint_dir : path, optional
        Where to checkpoint every ``checkpoint_every`` epochs and on SIGINT/SIGTERM.
    resume : bool
        Continue from the checkpoint in ``checkpoint_dir`` (settings must match, except
        ``epochs``, which may be raised to train longer); without a checkpoint there yet, training
        starts from scratch and says so in the log.
    verbose : bool
        Progress bar with loss and validation MRR.
    callback : callable, optional
        Called after every epoch with a dict (epoch, loss, valid_mrr, lr).
    **options
        ``lr_decay`` (exponential per epoch), ``lr_schedule`` ('exponential', 'cosine',
        'constant'), ``optimizer`` ('adam', 'adagrad', 'sgd', 'sparse_adam': the lazy Adam of
        ``torch.optim.SparseAdam`` updating only the rows a batch touches, negative training only, or
        'row_adagrad': PyTorch-BigGraph / DGL-KE's row-wise AdaGrad, :mod:`graphemb.kge.row_adagrad`;
        with ``shared_negatives=True`` both lazy optimizers gather the touched rows once, see
        :mod:`graphemb.kge.shared_negatives`), ``weight_decay``,
        ``regularizer`` ('n3', 'dura'), ``regularizer_weight``, ``label_smoothing``, ``margin``,
        ``adversarial_temperature``, ``grad_clip``, ``reciprocal``, ``valid_every``,
        ``early_stopping_patience``, ``keep_best``, ``eval_batch_size``, ``mixed_precision``
        (training under bfloat16 autocast, on CUDA or on a CPU: with AMX / AVX512-BF16 the all-entity
        products run several times faster, without them they may run slower; parameters and
        evaluation stay float32, and so do the distance models' norms and scores, see
        :func:`graphemb.kge.interactions._sq_dist_all`),
        ``checkpoint_every``, ``interaction_kwargs``, ``init`` ('default' or LibKGE's 'xavier_normal' /
        'xavier_uniform'), ``entity_dropout`` / ``relation_dropout`` (dropout on looked-up embeddings,
        see :class:`~graphemb.kge.models.KGEModule`), ``lr_plateau_factor`` / ``lr_plateau_patience``
        (``lr_schedule='plateau'``: LibKGE's ReduceLROnPlateau on validation MRR, patience counted
        in validations), ``shared_negatives`` (negative training
        with uniform negatives drawn once per batch and shared by its positives, scored by
        matrix products: much faster, see :func:`graphemb.kge.shared_negatives.shared_negative_scores`),
        ``ema_decay`` (Polyak averaging: keep an exponential moving average of the
        parameters, updated after every step with this decay, e.g. 0.995; validation, the kept
        best model and the returned model use the average; see :func:`_ema_update`),
        ``entity_constraint`` ('auto', 'none', 'unit_norm': entity rows rescaled to unit L2 norm at
        initialisation and after every step, the touched rows on the row-gathered path, else all; 'auto'
        is 'unit_norm' for TransE as in Bordes et al. 2013 and PyKEEN, 'none' for other models).

    Returns
    -------
    KGE
        The trained model (``predict_tails``, ``predict_heads``, ``score_triples``, ``save``).

    Examples
    --------
    >>> import graphemb as ge
    >>> kg = ge.datasets.load_kg("umls")
    >>> m = ge.kge.train(kg, "nfe-1", dim=64, epochs=2, device="cpu")  # doctest: +SKIP
    >>> ge.kge.evaluate(m, kg.test, kg).mrr  # doctest: +SKIP
    """
    if isinstance(kg, str):
        from ..datasets import load_kg

        kg = load_kg(kg)
    if not isinstance(kg, KnowledgeGraph):
        raise InvalidParameterError(f"kg must be a KnowledgeGraph or a dataset name, got {type(kg).__name__}")
    cfg = resolve_config(model, preset=preset, dim=dim, epochs=epochs, batch_size=batch_size, lr=lr,
                         training=training, num_negatives=num_negatives, loss=loss, gamma=gamma, **options)
    check_bool(resume, "resume")
    check_bool(verbose, "verbose")
    if resume and checkpoint_dir is None:
        raise InvalidParameterError("resume=True needs checkpoint_dir")
    dev = resolve_device(device)
    if cfg["mixed_precision"] and dev.type not in ("cuda", "cpu"):
        raise InvalidParameterError(f"mixed_precision=True needs a CUDA or CPU device, got {dev.type!r}")
    seed = seed_from(random_state)
    init_gen = torch.Generator().manual_seed(seed)
    shuffle_gen = torch.Generator().manual_seed(seed + 1)
    sample_gen = torch.Generator(device=dev).manual_seed(seed + 2)

    module = KGEModule(cfg["model"], kg.num_entities, kg.num_relations, cfg["dim"], cfg["gamma"],
                       reciprocal=cfg["reciprocal"], generator=init_gen,
                       interaction_kwargs=cfg["interaction_kwargs"], init=cfg["init"],
                       entity_dropout=cfg["entity_dropout"], relation_dropout=cfg["relation_dropout"]).to(dev)
    module.dropout_generator = torch.Generator(device=dev).manual_seed(seed + 3)
    unit_norm = cfg["entity_constraint"] == "unit_norm"
    if unit_norm:  # the constraint holds from the start (PyKEEN applies it after initialising, too)
        normalize_rows_(module.entity.data)
    if cfg["optimizer"] == "sparse_adam":
        module.sparse_grad = True
        optimizer = torch.optim.SparseAdam(list(module.parameters()), lr=cfg["lr"])
    elif cfg["optimizer"] == "row_adagrad":
        optimizer = RowAdagrad(module.parameters(), lr=cfg["lr"])
    else:
        opt_cls = {"adam": torch.optim.Adam, "adagrad": torch.optim.Adagrad, "sgd": torch.optim.SGD}[cfg["optimizer"]]
        # one fused kernel per step (CUDA and CPU: on CPU a sixth of the for-loop step's time on a wide table)
        extra = {"fused": True} if cfg["optimizer"] == "adam" and dev.type in ("cuda", "cpu") else {}
        optimizer = opt_cls(module.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"], **extra)
    if cfg["lr_schedule"] == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["epochs"])
    elif cfg["lr_schedule"] == "plateau":  # LibKGE's ReduceLROnPlateau on validation MRR
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="max", factor=cfg["lr_plateau_factor"], patience=cfg["lr_plateau_patience"],
            threshold=1e-4)
    else:
        gamma_lr = cfg["lr_decay"] if cfg["lr_schedule"] == "exponential" else 1.0
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=gamma_lr)

    sampler = None
    if cfg["training"] == "negative" and cfg["shared_negatives"]:
        if negative_sampler not in (None, "uniform"):
            raise InvalidParameterError("shared_negatives=True draws its own uniform negatives; pass "
                                        f"negative_sampler=None or 'uniform', got {negative_sampler!r}")
        data = torch.as_tensor(kg.train, device=dev)
        rows = len(kg.train)
    elif cfg["training"] == "negative":
        sampler = _resolve_sampler(negative_sampler, kg, cfg["num_negatives"])
        data = torch.as_tensor(kg.train, device=dev)
        rows = len(kg.train)
    elif cfg["training"] == "1vsall":
        data = torch.as_tensor(kg.with_reciprocals(kg.train) if cfg["reciprocal"] else kg.train, device=dev)
        rows = len(data)
    else:
        queries, indptr, tails = _kvsall_queries(kg.with_reciprocals(kg.train))
        data = torch.as_tensor(queries, device=dev)
        kv_indptr = torch.as_tensor(indptr, device=dev)
        kv_tails = torch.as_tensor(tails, device=dev)
        rows = len(queries)
    valid_index = kg.filter_index() if len(kg.valid) and cfg["valid_every"] else None

    state: Dict[str, Any] = {"epoch": 0, "batch": 0, "perm": None, "history": [], "best_mrr": None,
                             "best_epoch": None, "bad_validations": 0, "stopped_early": False}
    best_params: Optional[Dict[str, torch.Tensor]] = None
    ema: Optional[Dict[str, torch.Tensor]] = None
    if cfg["ema_decay"] is not None:
        ema = {"entity": module.entity.detach().clone(), "relation": module.relation.detach().clone()}
    if resume and ckpt.has_checkpoint(checkpoint_dir):
        tensors, meta = ckpt.load_checkpoint(checkpoint_dir, dev)
        meta["config"].setdefault("entity_constraint", "none")  # checkpoints older than the option
        meta["config"].setdefault("ema_decay", None)
        same = {k: v for k, v in meta["config"].items() if k != "epochs"}
        if same != {k: v for k, v in _jsonable(cfg).items() if k != "epochs"}:
            raise CheckpointError(f"{checkpoint_dir}: the checkpoint was written with different settings; "
                                  f"checkpoint {meta['config']} vs now {_jsonable(cfg)}")
        module.entity.data.copy_(tensors["model.entity"])
        module.relation.data.copy_(tensors["model.relation"])
        ckpt.load_optimizer_state(optimizer, tensors, meta["optimizer"])
        scheduler.load_state_dict(meta["scheduler"])
        shuffle_gen.set_state(tensors["rng.shuffle"].cpu())
        sample_gen.set_state(tensors["rng.sample"].cpu())
        if "rng.dropout" in tensors:
            module.dropout_generator.set_state(tensors["rng.dropout"].cpu())
        state.update(meta["state"])
        state["perm"] = tensors["perm"].to(dev) if "perm" in tensors else None
        if "best.entity" in tensors:
            best_params = {"entity": tensors["best.entity"], "relation": tensors["best.relation"]}
        if ema is not None:
            ema = {"entity": tensors["ema.entity"].clone(), "relation": tensors["ema.relation"].clone()}
        logger.info("resumed from %s at epoch %d batch %d", checkpoint_dir, state["epoch"], state["batch"])
    elif resume:
        logger.warning("resume=True but %s holds no checkpoint yet: training starts from epoch 0", checkpoint_dir)

    def save(reason: str) -> None:
        if checkpoint_dir is None:
            return
        tensors = {"model.entity": module.entity, "model.relation": module.relation,
                   "rng.shuffle": shuffle_gen.get_state(), "rng.sample": sample_gen.get_state(),
                   "rng.dropout": module.dropout_generator.get_state()}
        opt_tensors, opt_meta = ckpt.optimizer_state(optimizer)
        tensors.update(opt_tensors)
        if state["perm"] is not None:
            tensors["perm"] = state["perm"]
        if best_params is not None:
            tensors["best.entity"], tensors["best.relation"] = best_params["entity"], best_params["relation"]
        if ema is not None:
            tensors["ema.entity"], tensors["ema.relation"] = ema["entity"], ema["relation"]
        meta_state = {k: v for k, v in state.items() if k != "perm"}
        ckpt.save_checkpoint(checkpoint_dir, tensors, {"config": _jsonable(cfg), "optimizer": opt_meta,
                                                       "scheduler": scheduler.state_dict(), "state": meta_state,
                                                       "reason": reason})

    # batch-shared negatives + lazy Adam: gather the touched rows once, update only them (shared_negatives.py);
    # TransE-L2 + margin: the same step with its gradient in closed form (transe_margin_kernel.py)
    row_step = cfg["shared_negatives"] and cfg["optimizer"] in ("sparse_adam", "row_adagrad")
    closed_form = row_step and not cfg["mixed_precision"] and supports_transe_margin_kernel(module, cfg["loss"])
    amp = torch.autocast(dev.type, dtype=torch.bfloat16) if cfg["mixed_precision"] else contextlib.nullcontext()
    bs = cfg["batch_size"]
    n_batches = (rows + bs - 1) // bs
    bar = progress(total=cfg["epochs"], verbose=verbose, desc=f"train {cfg['model']}", unit="epoch")
    bar.update(state["epoch"])
    stop = _StopFlag(enabled=checkpoint_dir is not None)  # without checkpoints signals act as usual
    with stop:
        while state["epoch"] < cfg["epochs"] and not state["stopped_early"]:
            t0 = time.perf_counter()
            if state["perm"] is None:
                state["perm"] = torch.randperm(rows, generator=shuffle_gen).to(dev)
                state["batch"], state["loss_sum"] = 0, 0.0
            module.train()
            while state["batch"] < n_batches:
                if stop.signum is not None:
                    save(f"signal {stop.signum}")
                    logger.warning("interrupted by signal %d; checkpoint saved to %s", stop.signum, checkpoint_dir)
                    raise KeyboardInterrupt(f"training interrupted by signal {stop.signum}")
                idx = state["perm"][state["batch"] * bs:(state["batch"] + 1) * bs]
                batch = data[idx]
                with amp:
                    if row_step:  # scores, gradient and lazy Adam / row-wise AdaGrad on the touched rows only
                        loss_val = row_gathered_step(module, batch, optimizer, cfg["num_negatives"], sample_gen,
                                                     cfg["loss"], cfg["margin"], cfg["adversarial_temperature"],
                                                     unit_norm=unit_norm, closed_form=closed_form)
                    elif cfg["shared_negatives"]:
                        scores = shared_negative_scores(module, batch, cfg["num_negatives"], sample_gen)
                        loss_val = negative_loss(cfg["loss"], scores[:, 0], scores[:, 1:], cfg["margin"],
                                                 cfg["adversarial_temperature"])
                    elif cfg["training"] == "negative" and hasattr(sampler, "sample"):
                        scores = chunk_shared_scores(module, batch, sampler.sample(batch, sample_gen))
                        loss_val = negative_loss(cfg["loss"], scores[:, 0], scores[:, 1:], cfg["margin"],
                                                 cfg["adversarial_temperature"])
                    elif cfg["training"] == "negative":
                        negs = sampler.corrupt(batch, sample_gen)
                        scores = module.score_hrt(torch.cat([batch.unsqueeze(1), negs], dim=1)).float()
                        loss_val = negative_loss(cfg["loss"], scores[:, 0], scores[:, 1:], cfg["margin"],
                                                 cfg["adversarial_temperature"])
                    elif not cfg["reciprocal"]:  # 1vsall both ways: (h, r, ?) and (?, r, t) of each triple
                        scores = torch.cat([module.score_t(batch[:, 0], batch[:, 1]),
                                            module.score_h(batch[:, 1], batch[:, 2])]).float()
                        loss_val = one_vs_all_loss(cfg["loss"], scores, torch.cat([batch[:, 2], batch[:, 0]]),
                                                   cfg["label_smoothing"])
                    else:
                        scores = module.score_t(batch[:, 0], batch[:, 1]).float()
                        if cfg["training"] == "1vsall":
                            loss_val = one_vs_all_loss(cfg["loss"], scores, batch[:, 2], cfg["label_smoothing"])
                        else:  # kvsall: the label matrix of each query's training tails
                            labels = torch.zeros_like(scores)
                            starts, ends = kv_indptr[idx], kv_indptr[idx + 1]
                            lens = ends - starts
                            r_ids = torch.repeat_interleave(torch.arange(len(idx), device=dev), lens)
                            offs = torch.arange(int(lens.sum()), device=dev) - torch.repeat_interleave(
                                torch.cumsum(lens, 0) - lens, lens) + torch.repeat_interleave(starts, lens)
                            labels[r_ids, kv_tails[offs]] = 1.0
                            loss_val = all_entity_loss(cfg["loss"], scores, labels, cfg["label_smoothing"])
                    if cfg["regularizer"]:
                        t_ids = batch[:, 2] if batch.shape[1] == 3 else batch[:, 0]
                        fac = (module.entity[batch[:, 0]], module.relation[batch[:, 1]], module.entity[t_ids])
                        reg = n3_regularizer(*fac) if cfg["regularizer"] == "n3" else dura_regularizer(*fac)
                        loss_val = loss_val + cfg["regularizer_weight"] * reg
                if not row_step:
                    optimizer.zero_grad(set_to_none=True)
                    loss_val.backward()
                    if cfg["grad_clip"]:
                        torch.nn.utils.clip_grad_norm_(module.parameters(), cfg["grad_clip"])
                    optimizer.step()
                    if unit_norm:  # every row, as PyKEEN's post_parameter_update (Adam moves untouched rows too)
                        normalize_rows_(module.entity.data)
                if ema is not None:
                    _ema_update(ema, module, cfg["ema_decay"])
                state["loss_sum"] += float(loss_val.detach()) * len(idx)
                state["batch"] += 1
            if cfg["lr_schedule"] != "plateau":
                with warnings.catch_warnings():
                    # the row-gathered step updates the rows itself, so torch's "scheduler before
                    # optimizer.step()" check does not see it
                    warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step",
                                            category=UserWarning)
                    scheduler.step()
            state["epoch"] += 1
            record = {"epoch": state["epoch"], "loss": state["loss_sum"] / rows,
                      "time_s": time.perf_counter() - t0, "lr": optimizer.param_groups[0]["lr"]}
            state["perm"], state["batch"] = None, 0
            if valid_index is not None and state["epoch"] % cfg["valid_every"] == 0:
                with _swapped_in(module, ema):  # with ema_decay, the average is validated and kept
                    res = evaluate(module, kg.valid, valid_index, batch_size=cfg["eval_batch_size"])
                    improved = state["best_mrr"] is None or res.mrr > state["best_mrr"]
                    if improved and cfg["keep_best"]:
                        best_params = {"entity": module.entity.detach().clone(),
                                       "relation": module.relation.detach().clone()}
                record["valid_mrr"] = res.mrr
                if cfg["lr_schedule"] == "plateau":
                    scheduler.step(res.mrr)
                if improved:
                    state["best_mrr"], state["best_epoch"], state["bad_validations"] = res.mrr, state["epoch"], 0
                else:
                    state["bad_validations"] += 1
                    pat = cfg["early_stopping_patience"]
                    if pat is not None and state["bad_validations"] >= pat:
                        state["stopped_early"] = True
            state["history"].append(record)
            bar.set_postfix({k: round(v, 4) for k, v in record.items() if k in ("loss", "valid_mrr")})
            bar.update(1)
            if callback is not None:
                callback(dict(record))
            if checkpoint_dir is not None and (state["epoch"] % cfg["checkpoint_every"] == 0
                                               or state["epoch"] == cfg["epochs"] or state["stopped_early"]):
                save("epoch")
    bar.close()
    if ema is not None:  # the returned model is the average (or the best average, below)
        with torch.no_grad():
            module.entity.copy_(ema["entity"])
            module.relation.copy_(ema["relation"])
    if cfg["keep_best"] and best_params is not None:
        with torch.no_grad():
            module.entity.copy_(best_params["entity"])
            module.relation.copy_(best_params["relation"])
    module.eval()
    module.sparse_grad = False
    return KGE(module, kg.entities, kg.relations, config=_jsonable(cfg), history=state["history"],
               known_triples=kg.all_triples(),
               best={"valid_mrr": state["best_mrr"], "epoch": state["best_epoch"]})


def _ema_update(ema: Dict[str, torch.Tensor], module, decay: float) -> None:
    """``ema <- decay * ema + (1 - decay) * params``: Polyak averaging of the iterates (Polyak and
    Juditsky, "Acceleration of stochastic approximation by averaging", SIAM J. Control Optim. 1992),
    in its exponential form. Every row is averaged after every step, a cost of one pass over the
    parameters per step, small next to 1-vs-all scoring but not next to a sampled-negative step on a
    large graph."""
    with torch.no_grad():
        ema["entity"].lerp_(module.entity.detach(), 1.0 - decay)
        ema["relation"].lerp_(module.relation.detach(), 1.0 - decay)


@contextlib.contextmanager
def _swapped_in(module, params: Optional[Dict[str, torch.Tensor]]):
    """Temporarily load ``params`` (the moving average) into ``module``; a no-op for ``None``."""
    if params is None:
        yield
        return
    with torch.no_grad():
        saved = {"entity": module.entity.detach().clone(), "relation": module.relation.detach().clone()}
        module.entity.copy_(params["entity"])
        module.relation.copy_(params["relation"])
    try:
        yield
    finally:
        with torch.no_grad():
            module.entity.copy_(saved["entity"])
            module.relation.copy_(saved["relation"])


def _jsonable(cfg: Dict[str, Any]) -> Dict[str, Any]:
    import json

    return json.loads(json.dumps(cfg))


__all__ = ["train", "DEFAULTS"]
