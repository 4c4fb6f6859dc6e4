"""Knowledge-graph embeddings: NFE (Xiao, He and Cao, AAAI 2023) and classic models.

``train(kg, model=...)`` returns a :class:`KGE` that keeps its vocabularies and answers
link-prediction queries; ``evaluate(model, triples, kg)`` ranks fairly (filtered, ties
counted optimistically, pessimistically and realistically).
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .config import DEFAULTS
from .evaluation import RankingResult, evaluate, evaluate_ogb, filter_from_triples, rank_targets
from .interactions import (INTERACTIONS, ComplExInteraction, DistMultInteraction, Interaction,
                           NFE1Interaction, NFE2Interaction, NFE3Interaction, NFEWithoutUncertaintyInteraction,
                           RotatEInteraction, TransEInteraction, make_interaction)
from .models import KGEModule
from .predict import KGE, load_model
from .presets import PRESETS, get_preset, list_presets
from .row_adagrad import RowAdagrad
from .training import train

__all__ = [
    "train", "evaluate", "evaluate_ogb", "RankingResult", "rank_targets", "filter_from_triples", "KGE",
    "KGEModule", "load_model", "PRESETS", "get_preset", "list_presets", "DEFAULTS", "INTERACTIONS",
    "Interaction", "NFE1Interaction", "NFE2Interaction", "NFE3Interaction", "NFEWithoutUncertaintyInteraction",
    "TransEInteraction", "DistMultInteraction", "ComplExInteraction", "RotatEInteraction", "make_interaction",
    "save_checkpoint", "load_checkpoint", "RowAdagrad",
]
