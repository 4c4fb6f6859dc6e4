"""graphemb.sampling (see the design card)."""
