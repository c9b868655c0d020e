"""civicalloc: optimize stage."""
