"""Steps of `civicalloc demo`: each module has ORDER, TITLE and run(ctx); they run in ORDER."""
