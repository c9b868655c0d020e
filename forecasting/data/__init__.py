"""Default demographic tables (life table, fertility, migration profiles) as small CSVs."""
