"""civicalloc: supply stage."""
