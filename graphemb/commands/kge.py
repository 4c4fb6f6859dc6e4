"""``graphemb kge train|evaluate|predict``: knowledge-graph embeddings from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _load_graph(args):
    from ..datasets import load_kg
    from ..errors import InvalidParameterError
    from ..kg import KnowledgeGraph

    if args.dataset and args.train:
        raise InvalidParameterError("--dataset and --train are exclusive")
    if args.dataset:
        return load_kg(args.dataset)
    if not args.train:
        raise InvalidParameterError("give --dataset NAME or --train FILE [--valid FILE --test FILE]")
    return KnowledgeGraph.from_files(args.train, args.valid, args.test)


def _add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", default=None, help="benchmark name (umls, codex-s, wn18rr, fb15k-237, ...)")
    p.add_argument("--train", default=None, help="training triples file (head<TAB>relation<TAB>tail)")
    p.add_argument("--valid", default=None)
    p.add_argument("--test", default=None)


#: ``kge train`` flags passed to train() when given (the parser's dest names)
TRAIN_FLAGS = ("dim", "epochs", "batch_size", "lr", "gamma", "training", "loss", "num_negatives", "lr_decay",
               "valid_every", "optimizer", "entity_constraint", "regularizer", "regularizer_weight",
               "entity_dropout", "relation_dropout", "init", "lr_schedule", "early_stopping_patience")


def _cmd_train(args) -> int:
    from .. import kge

    kg = _load_graph(args)
    opts = {}
    for name in TRAIN_FLAGS:
        val = getattr(args, name)
        if val is not None:
            opts[name] = val
    if args.mixed_precision:
        opts["mixed_precision"] = True
    opts.update(parse_key_values(args.option, "--option"))
    model_name = args.model or (args.preset.split("/", 1)[-1] if args.preset else "nfe-1")
    sampler = args.negative_sampler
    if sampler == "lemon":
        from ..sampling.lemon import lemon_sampler_from_args

        sampler = lemon_sampler_from_args(args, kg, args.num_negatives or kge.DEFAULTS["num_negatives"],
                                          device=args.device, random_state=args.seed)
        opts.setdefault("training", "negative")
    if args.nproc > 1:
        from ..distributed import train_distributed

        model = train_distributed(kg, args.nproc, model_name, preset=args.preset, negative_sampler=sampler,
                                  random_state=args.seed, checkpoint_dir=args.checkpoint_dir, resume=args.resume,
                                  **opts)
    else:
        model = kge.train(kg, model_name, preset=args.preset, negative_sampler=sampler,
                          device=args.device, random_state=args.seed, checkpoint_dir=args.checkpoint_dir,
                          resume=args.resume, verbose=not args.quiet, **opts)
    model.save(args.out)
    summary = {"saved": str(args.out), "best": model.best_, "epochs_run": len(model.history_)}
    if len(kg.test) and not args.no_test:
        res = kge.evaluate(model, kg.test, kg, batch_size=args.eval_batch_size)
        summary["test"] = {k: v for k, v in res.to_dict().items() if k not in ("per_relation",)}
    print(json.dumps(summary, indent=2))
    return 0


def parse_key_values(items, flag: str) -> dict:
    """``["key=value", ...]`` -> train() keyword arguments (values parsed as JSON when they parse)."""
    from ..errors import InvalidParameterError

    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(f"{flag} expects KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(val)
        except ValueError:
            out[key.strip()] = val
    return out


def _cmd_evaluate(args) -> int:
    from .. import kge

    model = kge.load_model(args.model_dir, device=args.device if args.device != "auto" else "auto")
    kg = _load_graph(args)
    triples = kg.split(args.split)
    res = kge.evaluate(model, triples, kg, filtered=not args.raw, tie_policy=args.tie_policy,
                       batch_size=args.eval_batch_size, verbose=not args.quiet)
    out = res.to_dict()
    if not args.per_relation:
        out.pop("per_relation")
    print(json.dumps(out, indent=2))
    return 0


def _cmd_predict(args) -> int:
    from .. import kge
    from ..errors import InvalidParameterError

    model = kge.load_model(args.model_dir, device=args.device if args.device != "auto" else "auto")
    if (args.head is None) == (args.tail is None):
        raise InvalidParameterError("give exactly one of --head (predict tails) or --tail (predict heads)")
    if args.head is not None:
        answers = model.predict_tails(args.head, args.relation, k=args.k, filter_known=not args.keep_known)
    else:
        answers = model.predict_heads(args.relation, args.tail, k=args.k, filter_known=not args.keep_known)
    for label, score in answers:
        sys.stdout.write(f"{score:.4f}\t{label}\n")
    return 0


def register(subparsers) -> None:
    """Add ``kge train|evaluate|predict``."""
    p = subparsers.add_parser("kge", help="knowledge-graph embeddings (NFE, TransE, ComplEx, ...)")
    sub = p.add_subparsers(dest="kge_command", metavar="ACTION")
    sub.required = True

    t = sub.add_parser("train", help="train a KGE model and save it")
    _add_data_args(t)
    t.add_argument("--model", default=None, help="nfe-1 (default)|nfe-2|nfe-3|nfe-w/o-uncertainty|transe|"
                                                 "distmult|complex|rotate; defaults to the preset's model")
    t.add_argument("--preset", default=None, help="dataset/model preset, e.g. wn18rr/nfe-1")
    t.add_argument("--dim", type=int, default=None)
    t.add_argument("--epochs", type=int, default=None)
    t.add_argument("--batch-size", dest="batch_size", type=int, default=None)
    t.add_argument("--lr", type=float, default=None)
    t.add_argument("--lr-decay", dest="lr_decay", type=float, default=None)
    t.add_argument("--gamma", type=float, default=None)
    t.add_argument("--training", choices=["1vsall", "kvsall", "negative"], default=None)
    t.add_argument("--loss", default=None)
    t.add_argument("--negative-sampler", dest="negative_sampler", default=None, help="uniform|bernoulli|lemon")
    t.add_argument("--num-negatives", dest="num_negatives", type=int, default=None)
    t.add_argument("--valid-every", dest="valid_every", type=int, default=None)
    t.add_argument("--optimizer", choices=["adam", "sparse_adam", "row_adagrad", "adagrad", "sgd"], default=None)
    t.add_argument("--entity-constraint", dest="entity_constraint", choices=["auto", "none", "unit_norm"],
                   default=None, help="auto (default): unit-norm entity rows for TransE, none otherwise")
    t.add_argument("--regularizer", choices=["n3", "dura"], default=None)
    t.add_argument("--regularizer-weight", dest="regularizer_weight", type=float, default=None)
    t.add_argument("--entity-dropout", dest="entity_dropout", type=float, default=None)
    t.add_argument("--relation-dropout", dest="relation_dropout", type=float, default=None)
    t.add_argument("--init", choices=["default", "xavier_normal", "xavier_uniform", "xavier_uniform_norm"],
                   default=None)
    t.add_argument("--lr-schedule", dest="lr_schedule", choices=["exponential", "cosine", "constant", "plateau"],
                   default=None)
    t.add_argument("--early-stopping-patience", dest="early_stopping_patience", type=int, default=None,
                   help="stop after this many validations without a better MRR")
    t.add_argument("--mixed-precision", dest="mixed_precision", action="store_true",
                   help="train under bfloat16 autocast (CUDA, or a CPU with AMX / AVX512-BF16)")
    t.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="any other train() option (value parsed as JSON, else a string); repeatable, "
                        "e.g. --option label_smoothing=0.1")
    t.add_argument("--device", default="auto")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--checkpoint-dir", dest="checkpoint_dir", default=None)
    t.add_argument("--resume", action="store_true", help="continue from --checkpoint-dir")
    t.add_argument("--out", required=True, type=Path, help="directory to save the trained model")
    t.add_argument("--no-test", action="store_true", help="skip the final test evaluation")
    t.add_argument("--eval-batch-size", dest="eval_batch_size", type=int, default=256)
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--nproc", type=int, default=1,
                   help="train with N local data-parallel processes (torch.distributed, gloo on CPU)")
    from ..sampling.lemon import add_lemon_arguments

    add_lemon_arguments(t)
    t.set_defaults(func=_cmd_train)

    e = sub.add_parser("evaluate", help="filtered ranking metrics of a saved model")
    e.add_argument("model_dir", type=Path)
    _add_data_args(e)
    e.add_argument("--split", choices=["train", "valid", "test"], default="test")
    e.add_argument("--raw", action="store_true", help="unfiltered ranking")
    e.add_argument("--tie-policy", dest="tie_policy", choices=["realistic", "optimistic", "pessimistic"],
                   default="realistic")
    e.add_argument("--per-relation", dest="per_relation", action="store_true")
    e.add_argument("--eval-batch-size", dest="eval_batch_size", type=int, default=256)
    e.add_argument("--device", default="auto")
    e.add_argument("--quiet", action="store_true")
    e.set_defaults(func=_cmd_evaluate)

    q = sub.add_parser("predict", help="top-k answers of (head, relation, ?) or (?, relation, tail)")
    q.add_argument("model_dir", type=Path)
    q.add_argument("--head", default=None)
    q.add_argument("--relation", required=True)
    q.add_argument("--tail", default=None)
    q.add_argument("-k", type=int, default=10)
    q.add_argument("--keep-known", dest="keep_known", action="store_true", help="do not filter known triples")
    q.add_argument("--device", default="auto")
    q.set_defaults(func=_cmd_predict)
