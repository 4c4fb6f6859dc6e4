"""graphemb.distributed (see the design card)."""
