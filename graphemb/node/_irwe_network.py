"""The attention network of :class:`graphemb.node.IRWE` (identity and position units).

* Identity unit: one token per walk step :math:`k = 0..K` carrying the exact walk
  statistics of that step (plus a learned step embedding) and one "pattern" token carrying
  the exact closed-walk statistics, the neighbour maxima (with ``neighbor_max``) and the
  anonymous-walk distribution. A transformer
  encoder over these tokens, mean pooling and a linear map (``identity_out``) form a
  residual added to a linear skip map of the features (``identity_skip``).
  ``identity_out`` starts at zero, so the untrained identity embedding is a linear image of
  the walk statistics (full rank when ``identity_dim`` is at least the number of features;
  nothing is scrambled by a random nonlinear map) and the attention branch grows only as far as the losses ask; on the
  airports this is what keeps the USA-trained unit useful on Brazil (transfer accuracy
  0.60-0.66 -> 0.66-0.73 over two seeds). A linear decoder reconstructs the standardised
  feature vector from the embedding.
* Position unit: each sampled walk from :math:`v` is a sequence of tokens, token
  :math:`j` being the (projected) identity embedding of the :math:`j`-th visited node plus
  a learned embedding of the step :math:`j` and of the node's anonymous first-visit rank
  (so revisits are visible without any node id). A transformer encoder runs over each
  walk, padded steps masked; token means are averaged over the walks of :math:`v` and
  mapped linearly to the position embedding.

Parameters are initialised from an explicit ``torch.Generator`` (never the global RNG)
and dropout is off, so training on CPU is deterministic for a seed.
"""

from __future__ import annotations

import torch
from torch import nn

from ._irwe_features import anonymize_walks


def _encoder(d_model: int, num_heads: int, num_layers: int) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(d_model, num_heads, dim_feedforward=2 * d_model, dropout=0.0,
                                       batch_first=True, norm_first=True)
    return nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)


class IRWENetwork(nn.Module):
    """Identity and position attention units sharing the identity representation."""

    def __init__(self, num_steps: int, num_step_stats: int, num_pattern: int, identity_dim: int,
                 position_dim: int, walk_length: int, d_model: int, num_heads: int, num_layers: int):
        super().__init__()
        # num_pattern: closed-walk statistics [+ neighbour maxima] [+ anonymous-walk distribution] (one token)
        self.num_steps, self.num_step_stats, self.num_pattern = num_steps, num_step_stats, num_pattern
        self.step_in = nn.Linear(num_step_stats, d_model)
        self.step_embedding = nn.Parameter(torch.zeros(num_steps, d_model))
        self.pattern_in = nn.Linear(max(num_pattern, 1), d_model)
        self.identity_encoder = _encoder(d_model, num_heads, num_layers)
        self.identity_out = nn.Linear(d_model, identity_dim)
        self.identity_skip = nn.Linear(num_steps * num_step_stats + num_pattern, identity_dim)
        self.identity_decoder = nn.Linear(identity_dim, num_steps * num_step_stats + num_pattern)
        self.node_in = nn.Linear(identity_dim, d_model)
        self.walk_step_embedding = nn.Parameter(torch.zeros(walk_length, d_model))
        self.anonymous_rank_embedding = nn.Embedding(walk_length, d_model)
        self.position_encoder = _encoder(d_model, num_heads, num_layers)
        self.position_out = nn.Linear(d_model, position_dim)

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Xavier-uniform weights, zero biases, N(0, 0.02) embeddings, unit LayerNorm scales,
        all drawn from ``generator``; the identity branch's output map starts at zero."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if "norm" in name:
                    p.fill_(1.0 if name.endswith("weight") else 0.0)
                elif name.endswith("bias"):
                    p.zero_()
                elif "embedding" in name:
                    p.normal_(0.0, 0.02, generator=generator)
                elif p.dim() >= 2:
                    nn.init.xavier_uniform_(p, generator=generator)
                else:
                    p.zero_()
            self.identity_out.weight.zero_()

    def identity(self, features: torch.Tensor) -> torch.Tensor:
        """Identity embeddings (B, identity_dim) from standardised features (B, F)."""
        n_step = self.num_steps * self.num_step_stats
        steps = features[:, :n_step].reshape(-1, self.num_steps, self.num_step_stats)
        tokens = self.step_in(steps) + self.step_embedding
        if self.num_pattern > 0:
            tokens = torch.cat([tokens, self.pattern_in(features[:, n_step:]).unsqueeze(1)], dim=1)
        hidden = self.identity_encoder(tokens)
        return self.identity_out(hidden.mean(dim=1)) + self.identity_skip(features)

    def reconstruct(self, identity: torch.Tensor) -> torch.Tensor:
        """Decode identity embeddings back to the standardised feature space."""
        return self.identity_decoder(identity)

    def position(self, walks: torch.Tensor, node_identity: torch.Tensor) -> torch.Tensor:
        """Position embeddings (B, position_dim).

        ``walks`` (B, W, L): rows of ``node_identity`` visited by the W walks of each of the
        B nodes, -1 where a walk stopped at a dead end.
        """
        B, W, L = walks.shape
        flat = walks.reshape(B * W, L)
        pad = flat < 0
        anon = anonymize_walks(flat).clamp(min=0)
        tokens = self.node_in(node_identity[flat.clamp(min=0)])
        tokens = tokens + self.walk_step_embedding[:L] + self.anonymous_rank_embedding(anon)
        hidden = self.position_encoder(tokens, src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).to(hidden.dtype)
        per_walk = (hidden * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)
        return self.position_out(per_walk.reshape(B, W, -1).mean(dim=1))
