"""graphemb.node (see the design card)."""
