"""Evaluation: node classification, link prediction ranking, RESTORE reconstruction."""

from .node_classification import ClassificationResult, evaluate_node_classification

__all__ = ["ClassificationResult", "evaluate_node_classification"]
