"""graphemb.node: node embedders (see the design card)."""

from .fastrp import FastRP

__all__ = ["FastRP"]
