"""civicalloc: demand stage."""
