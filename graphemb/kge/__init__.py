"""graphemb.kge (see the design card)."""
