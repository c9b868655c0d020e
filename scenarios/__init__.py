"""civicalloc: scenarios stage."""
