"""civicalloc: dashboard stage."""
