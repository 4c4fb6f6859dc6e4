"""graphemb.text (see the design card)."""
