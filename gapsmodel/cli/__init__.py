"""The command line (DOMAIN.md §9), one module per command group; :func:`main` is the entry point."""
from .main import main

__all__ = ["main"]
