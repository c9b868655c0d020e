"""What commands and the demo print: each bureau's results as terminal tables (rich)."""

from rich.console import Console

#: The console commands print to.
console = Console(highlight=False, soft_wrap=True)
