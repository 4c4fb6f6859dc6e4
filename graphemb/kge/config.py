"""Training settings: defaults, preset merging and validation for :func:`graphemb.kge.train`.

Precedence: explicit argument > preset (:mod:`graphemb.kge.presets`) > model default > global default.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ..errors import InvalidParameterError
from ..utils import check_bool, check_choice, check_float, check_int
from .interactions import canonical_model_name
from .presets import get_preset

DEFAULTS: Dict[str, Any] = {
    "dim": 200, "epochs": 50, "batch_size": 1024, "lr": 0.001, "training": None, "num_negatives": 32,
    "loss": None, "gamma": None, "optimizer": "adam", "lr_schedule": "exponential", "lr_decay": 1.0,
    "weight_decay": 0.0, "regularizer": None, "regularizer_weight": 0.0, "label_smoothing": 0.0,
    "margin": 1.0, "adversarial_temperature": 1.0, "grad_clip": None, "reciprocal": None,
    "valid_every": 1, "early_stopping_patience": None, "keep_best": True, "eval_batch_size": 256,
    "mixed_precision": False, "checkpoint_every": 1, "interaction_kwargs": None, "shared_negatives": False,
    "init": "default", "entity_dropout": 0.0, "relation_dropout": 0.0, "lr_plateau_factor": 0.5,
    "lr_plateau_patience": 5, "entity_constraint": "auto", "ema_decay": None,
}

#: models whose entity rows are kept at unit L2 norm by default (``entity_constraint='auto'``):
#: TransE (Bordes et al. 2013 normalise entities at every iteration; PyKEEN's TransE default)
UNIT_NORM_MODELS = ("transe",)

#: default ``gamma`` (score offset) per model for BCE-style training
MODEL_GAMMA = {"nfe-1": 1.0, "nfe-2": 1.0, "nfe-3": 2.0, "nfe-w/o-uncertainty": 0.0, "transe": 0.0,
               "distmult": 0.0, "complex": 0.0, "rotate": 6.0}


def resolve_config(model: str, preset: Optional[str] = None, **given: Any) -> Dict[str, Any]:
    """Merge explicit arguments, a preset and defaults; validate every value."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise InvalidParameterError(f"unknown training option(s) {unknown}; known: {sorted(DEFAULTS)}")
    cfg = dict(DEFAULTS)
    name = canonical_model_name(model)
    if preset is not None:
        p = get_preset(preset)
        p.pop("source", None)
        pmodel = preset.split("/", 1)[-1]
        if canonical_model_name(pmodel) != name:
            raise InvalidParameterError(f"preset {preset!r} is for model {pmodel!r}, but model={model!r}")
        cfg.update(p)
    cfg.update({k: v for k, v in given.items() if v is not None})
    cfg["model"] = name
    cfg["training"] = check_choice(cfg["training"] or "1vsall", "training", ["1vsall", "kvsall", "negative"])
    if cfg["reciprocal"] is None:
        cfg["reciprocal"] = cfg["training"] != "negative"
    check_bool(cfg["reciprocal"], "reciprocal")
    if cfg["training"] == "kvsall" and not cfg["reciprocal"]:
        raise InvalidParameterError("reciprocal=False needs training='1vsall' or 'negative' (kvsall predicts the "
                                    "tails of reciprocal queries)")
    if cfg["loss"] is None:
        cfg["loss"] = "margin" if cfg["training"] == "negative" else "bce"
    allowed = ("margin", "bce", "softmax", "self-adversarial") if cfg["training"] == "negative" else ("bce", "softmax")
    check_choice(cfg["loss"], "loss", allowed)
    if cfg["gamma"] is None:
        cfg["gamma"] = MODEL_GAMMA[name]
    cfg["gamma"] = check_float(cfg["gamma"], "gamma")
    cfg["dim"] = check_int(cfg["dim"], "dim", min_value=1)
    cfg["epochs"] = check_int(cfg["epochs"], "epochs", min_value=0)
    cfg["batch_size"] = check_int(cfg["batch_size"], "batch_size", min_value=1)
    cfg["num_negatives"] = check_int(cfg["num_negatives"], "num_negatives", min_value=1)
    cfg["lr"] = check_float(cfg["lr"], "lr", min_value=0.0, min_inclusive=False)
    cfg["lr_decay"] = check_float(cfg["lr_decay"], "lr_decay", min_value=0.0, max_value=1.0, min_inclusive=False)
    check_choice(cfg["optimizer"], "optimizer", ["adam", "sparse_adam", "row_adagrad", "adagrad", "sgd"])
    check_choice(cfg["lr_schedule"], "lr_schedule", ["exponential", "cosine", "constant", "plateau"])
    cfg["lr_plateau_factor"] = check_float(cfg["lr_plateau_factor"], "lr_plateau_factor", min_value=0.0,
                                           max_value=1.0, min_inclusive=False, max_inclusive=False)
    cfg["lr_plateau_patience"] = check_int(cfg["lr_plateau_patience"], "lr_plateau_patience", min_value=0)
    if cfg["lr_schedule"] == "plateau" and not cfg["valid_every"]:
        raise InvalidParameterError("lr_schedule='plateau' lowers the learning rate when validation MRR stalls; "
                                    "it needs valid_every >= 1")
    check_choice(cfg["init"], "init", ["default", "xavier_normal", "xavier_uniform", "xavier_uniform_norm"])
    check_choice(cfg["entity_constraint"], "entity_constraint", ["auto", "none", "unit_norm"])
    if cfg["entity_constraint"] == "auto":
        cfg["entity_constraint"] = "unit_norm" if name in UNIT_NORM_MODELS else "none"
    for key in ("entity_dropout", "relation_dropout"):
        cfg[key] = check_float(cfg[key], key, min_value=0.0, max_value=1.0, max_inclusive=False)
    cfg["weight_decay"] = check_float(cfg["weight_decay"], "weight_decay", min_value=0.0)
    check_choice(cfg["regularizer"], "regularizer", [None, "n3", "dura"])
    if cfg["regularizer"] == "dura" and name not in ("distmult", "complex"):
        raise InvalidParameterError(f"regularizer='dura' is defined for bilinear models (distmult, complex), "
                                    f"not {name!r}; use 'n3'")
    cfg["ema_decay"] = check_float(cfg["ema_decay"], "ema_decay", min_value=0.0, max_value=1.0,
                                   min_inclusive=False, max_inclusive=False, allow_none=True)
    cfg["regularizer_weight"] = check_float(cfg["regularizer_weight"], "regularizer_weight", min_value=0.0)
    cfg["label_smoothing"] = check_float(cfg["label_smoothing"], "label_smoothing", min_value=0.0, max_value=1.0)
    cfg["margin"] = check_float(cfg["margin"], "margin", min_value=0.0)
    cfg["adversarial_temperature"] = check_float(cfg["adversarial_temperature"], "adversarial_temperature",
                                                 min_value=0.0)
    cfg["grad_clip"] = check_float(cfg["grad_clip"], "grad_clip", min_value=0.0, min_inclusive=False,
                                   allow_none=True)
    cfg["valid_every"] = check_int(cfg["valid_every"], "valid_every", min_value=0)
    if cfg["early_stopping_patience"] is not None:
        check_int(cfg["early_stopping_patience"], "early_stopping_patience", min_value=1)
    check_bool(cfg["keep_best"], "keep_best")
    cfg["eval_batch_size"] = check_int(cfg["eval_batch_size"], "eval_batch_size", min_value=1)
    check_bool(cfg["mixed_precision"], "mixed_precision")
    check_bool(cfg["shared_negatives"], "shared_negatives")
    if cfg["shared_negatives"] and cfg["training"] != "negative":
        raise InvalidParameterError("shared_negatives=True needs training='negative'")
    cfg["checkpoint_every"] = check_int(cfg["checkpoint_every"], "checkpoint_every", min_value=1)
    if cfg["optimizer"] == "sparse_adam":
        if cfg["training"] != "negative":
            raise InvalidParameterError("optimizer='sparse_adam' needs training='negative' (1vsall/kvsall touch "
                                        "every entity, so their gradients are dense)")
        if cfg["weight_decay"] or cfg["grad_clip"] or cfg["regularizer"]:
            raise InvalidParameterError("optimizer='sparse_adam' does not support weight_decay, grad_clip or "
                                        "regularizer")
    if cfg["optimizer"] == "row_adagrad" and cfg["weight_decay"]:
        raise InvalidParameterError("optimizer='row_adagrad' does not support weight_decay (use regularizer)")
    if cfg["interaction_kwargs"] is not None and not isinstance(cfg["interaction_kwargs"], dict):
        raise InvalidParameterError(f"interaction_kwargs must be a dict, got {cfg['interaction_kwargs']!r}")
    cfg["interaction_kwargs"] = dict(cfg["interaction_kwargs"] or {})
    return cfg
