"""Node embedders: FastRP, IRWE, and the baselines they are compared with
(DeepWalk / node2vec skip-gram, HOPE factorisation, SDNE autoencoder, GCN on features)."""

from .fastrp import FastRP
from .gcn import GCNClassifier
from .hope import HOPE
from .irwe import IRWE
from .sdne import SDNE
from .skipgram import DeepWalk, Node2Vec

__all__ = ["FastRP", "IRWE", "DeepWalk", "Node2Vec", "HOPE", "SDNE", "GCNClassifier"]
