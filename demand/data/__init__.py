"""Shipped data tables of the demand stage (need_rates.csv) and how they were derived."""
