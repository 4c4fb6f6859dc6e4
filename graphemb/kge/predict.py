"""A trained KGE model with its vocabularies: link-prediction queries by label, save and load.

The model answers ``(head, relation, ?)`` and ``(?, relation, tail)`` queries by scoring all
entities with the interaction of the trained module (see :mod:`graphemb.kge.interactions`;
the NFE models are from Xiao, He and Cao, AAAI 2023). Known true triples can be filtered out of
the answers. Saved models are a directory with ``model.safetensors`` and ``model.json``; no
pickle is used and loading never executes code from the files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..errors import InvalidParameterError, InvalidTriplesError
from ..kg import FilterIndex, Vocabulary
from ..utils import atomic_write_bytes, atomic_write_json, check_bool, check_int, resolve_device
from ..utils.io import read_json_meta
from .evaluation import filter_from_triples
from .models import KGEModule

PathLike = Union[str, os.PathLike]
FORMAT = "graphemb-kge-model/1"


class KGE:
    """A trained knowledge-graph embedding model (returned by :func:`graphemb.kge.train`).

    Attributes
    ----------
    module : KGEModule
        The torch module (parameters ``module.entity`` / ``module.relation``).
    entities_, relations_ : Vocabulary
    config_ : dict
        The training settings.
    history_ : list of dict
        Per-epoch loss, time, learning rate and validation MRR.
    best_ : dict
        Best validation MRR and its epoch (the parameters kept when ``keep_best``).
    kg_filter_ : FilterIndex or None
        Known true triples (train + valid + test of the training graph), used by
        ``filter_known`` and as the default filter of :func:`graphemb.kge.evaluate`.
    """

    def __init__(self, module: KGEModule, entities: Vocabulary, relations: Vocabulary, *,
                 config: Optional[Dict[str, Any]] = None, history: Optional[List[Dict[str, Any]]] = None,
                 known_triples: Optional[np.ndarray] = None, best: Optional[Dict[str, Any]] = None) -> None:
        if len(entities) != module.num_entities or len(relations) != module.num_relations:
            raise InvalidParameterError("entities/relations vocabularies do not match the module's sizes")
        self.module = module
        self.entities_ = entities
        self.relations_ = relations
        self.config_ = dict(config or {})
        self.history_ = list(history or [])
        self.best_ = dict(best or {})
        self.known_triples_ = (np.asarray(known_triples, dtype=np.int64).reshape(-1, 3)
                               if known_triples is not None else np.zeros((0, 3), np.int64))
        self.kg_filter_: Optional[FilterIndex] = (
            filter_from_triples(self.known_triples_, module.num_entities, module.num_relations)
            if known_triples is not None else None)

    # ------------------------------------------------------------- properties
    @property
    def entity_embeddings_(self) -> np.ndarray:
        """Entity parameters as a float32 array (num_entities, blocks * dim)."""
        return self.module.entity.detach().cpu().numpy().copy()

    @property
    def relation_embeddings_(self) -> np.ndarray:
        """Relation parameters (2R rows with reciprocal relations)."""
        return self.module.relation.detach().cpu().numpy().copy()

    def to(self, device) -> "KGE":
        """Move the module to ``device`` (``'auto'``, ``'cpu'``, ``'cuda'``)."""
        self.module.to(resolve_device(device))
        return self

    # ----------------------------------------------------------------- queries
    def triples_to_ids(self, triples: Sequence[Tuple[str, str, str]]) -> np.ndarray:
        """Map labelled triples to ids; unknown labels raise an error suggesting near matches."""
        out = []
        for i, trip in enumerate(triples):
            if len(trip) != 3:
                raise InvalidTriplesError(f"triples[{i}]: expected (head, relation, tail), got {trip!r}")
            h, r, t = trip
            out.append((self.entities_.id(h), self.relations_.id(r), self.entities_.id(t)))
        return np.array(out, dtype=np.int64).reshape(-1, 3)

    def score_triples(self, triples) -> np.ndarray:
        """Scores of labelled triples (list of (head, relation, tail)) or an id array (m, 3)."""
        arr = np.asarray(triples) if not isinstance(triples, list) else None
        ids = arr.astype(np.int64) if arr is not None and arr.dtype.kind in "iu" else self.triples_to_ids(triples)
        dev = self.module.entity.device
        with torch.no_grad():
            return self.module.score_hrt(torch.as_tensor(ids, device=dev)).float().cpu().numpy()

    def _top(self, scores: torch.Tensor, known: np.ndarray, k: int, filter_known: bool,
             keep: Optional[int] = None) -> List[Tuple[str, float]]:
        scores = scores.float().clone()
        if filter_known and len(known):
            scores[torch.as_tensor(known, device=scores.device)] = float("-inf")
        k = min(k, scores.numel())
        vals, idx = torch.topk(scores, k)
        return [(self.entities_.label(int(i)), float(v)) for v, i in zip(vals.tolist(), idx.tolist())
                if v != float("-inf")]

    def _known(self, head_or_tail: int, rel: int) -> np.ndarray:
        if self.kg_filter_ is None:
            return np.zeros(0, np.int64)
        return self.kg_filter_.tails(head_or_tail, rel)

    def predict_tails(self, head: str, relation: str, k: int = 10,
                      filter_known: bool = True) -> List[Tuple[str, float]]:
        """The ``k`` best tails of ``(head, relation, ?)`` as ``(label, score)``, best first.

        ``filter_known`` drops tails already known true (train + valid + test).
        """
        k = check_int(k, "k", min_value=1)
        check_bool(filter_known, "filter_known")
        h, r = self.entities_.id(head), self.relations_.id(relation)
        dev = self.module.entity.device
        with torch.no_grad():
            s = self.module.score_t(torch.tensor([h], device=dev), torch.tensor([r], device=dev))[0]
        return self._top(s, self._known(h, r), k, filter_known)

    def predict_heads(self, relation: str, tail: str, k: int = 10,
                      filter_known: bool = True) -> List[Tuple[str, float]]:
        """The ``k`` best heads of ``(?, relation, tail)`` as ``(label, score)``, best first."""
        k = check_int(k, "k", min_value=1)
        check_bool(filter_known, "filter_known")
        r, t = self.relations_.id(relation), self.entities_.id(tail)
        dev = self.module.entity.device
        with torch.no_grad():
            s = self.module.score_h(torch.tensor([r], device=dev), torch.tensor([t], device=dev))[0]
        return self._top(s, self._known(t, r + self.module.num_relations), k, filter_known)

    # --------------------------------------------------------------- save/load
    def save(self, path: PathLike) -> Path:
        """Save to directory ``path`` (``model.safetensors`` + ``model.json``), atomically."""
        from safetensors.torch import save

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        tensors = {"entity": self.module.entity.detach().cpu().contiguous(),
                   "relation": self.module.relation.detach().cpu().contiguous(),
                   "known_triples": torch.as_tensor(self.known_triples_)}
        atomic_write_bytes(path / "model.safetensors", save(tensors))
        atomic_write_json(path / "model.json", {
            "format": FORMAT, "module": self.module.config(), "config": self.config_, "history": self.history_,
            "best": self.best_, "entities": self.entities_.labels, "relations": self.relations_.labels,
            "has_filter": self.kg_filter_ is not None})
        return path

    @classmethod
    def load(cls, path: PathLike, device="cpu") -> "KGE":
        """Load a model saved with :meth:`save` (no pickle)."""
        from safetensors.torch import load_file

        path = Path(path)
        meta_path, tensor_path = path / "model.json", path / "model.safetensors"
        if not meta_path.exists() or not tensor_path.exists():
            raise FileNotFoundError(f"{path}: not a saved KGE model (model.json and model.safetensors expected)")
        meta = read_json_meta(meta_path, FORMAT, InvalidParameterError)
        tensors = load_file(str(tensor_path))
        mc = meta["module"]
        module = KGEModule(mc["model"], mc["num_entities"], mc["num_relations"], mc["dim"], mc["gamma"],
                           reciprocal=mc["reciprocal"], interaction_kwargs=mc.get("interaction_kwargs"))
        with torch.no_grad():
            module.entity.copy_(tensors["entity"])
            module.relation.copy_(tensors["relation"])
        module.to(resolve_device(device)).eval()
        known = tensors["known_triples"].numpy() if meta.get("has_filter") else None
        return cls(module, Vocabulary(meta["entities"], "entity"), Vocabulary(meta["relations"], "relation"),
                   config=meta.get("config"), history=meta.get("history"), known_triples=known,
                   best=meta.get("best"))

    def __repr__(self) -> str:
        return (f"KGE(model={self.module.model_name!r}, dim={self.module.dim}, entities={len(self.entities_)}, "
                f"relations={len(self.relations_)})")


def load_model(path: PathLike, device="cpu") -> KGE:
    """Load a model saved with :meth:`KGE.save`."""
    return KGE.load(path, device=device)


__all__ = ["KGE", "load_model"]
