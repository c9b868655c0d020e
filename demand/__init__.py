"""civicalloc: demand stage — read and validate a city (demand.bundle), turn population and
mobility into service need (demand.need, demand.daytime) with editable rates (demand.rates).
See docs/demand.md."""
