"""graphemb.node: node embedders (see the design card)."""

from .fastrp import FastRP

__all__ = ["FastRP"]

# factorisation and deep-autoencoder baselines (RESTORE)
from .hope import HOPE  # noqa: E402
from .sdne import SDNE  # noqa: E402

__all__ += ["HOPE", "SDNE"]

from .gcn import GCNClassifier  # noqa: E402  (text-attributed graphs: GCN baseline on node features)

__all__ += ["GCNClassifier"]

from .skipgram import DeepWalk, Node2Vec  # noqa: E402

__all__ += ["DeepWalk", "Node2Vec"]

from .irwe import IRWE  # noqa: E402

__all__ = [*__all__, "IRWE"]
