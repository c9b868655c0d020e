"""Subcommands of `civicalloc`: one module per command, each with ``register(app)``."""
