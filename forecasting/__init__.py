"""civicalloc: forecasting stage."""
