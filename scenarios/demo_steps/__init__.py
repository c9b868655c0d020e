"""Steps of `civicalloc demo`: each module has ORDER, TITLE and run(ctx); they run in ORDER."""

#: What a step prints when the city has no service history (e.g. a city built from OSM).
NO_HISTORY = "no service history in this bundle (a city built from OpenStreetMap has none)"
