"""CLI subcommands contributed by feature modules.

Every module in this package defines ``register(subparsers)`` which adds its
subcommands (with ``set_defaults(func=...)``); :mod:`graphemb.cli` discovers them.
"""
