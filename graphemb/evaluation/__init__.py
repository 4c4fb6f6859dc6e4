"""Evaluation: node classification, link prediction ranking, RESTORE reconstruction."""

from .node_classification import ClassificationResult, evaluate_node_classification

__all__ = ["ClassificationResult", "evaluate_node_classification"]

# RESTORE reconstruction, semantic tests and reports
from .report import RestoreReport, evaluate_restore  # noqa: E402
from .restore import (KGReconstructionResult, ReconstructionResult, global_precision_at_k,  # noqa: E402
                      kg_reconstruction, kg_to_graph, node_reconstruction)
from .semantic import SemanticResult, analogy_accuracy, average_distance, semantic_scores, word_similarity  # noqa: E402

__all__ += ["RestoreReport", "evaluate_restore", "KGReconstructionResult", "ReconstructionResult",
            "global_precision_at_k", "kg_reconstruction", "kg_to_graph", "node_reconstruction", "SemanticResult",
            "analogy_accuracy", "average_distance", "semantic_scores", "word_similarity"]
