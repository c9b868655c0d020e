"""civicalloc forecasting stage: project need forward per area and facility, with intervals.

Time series (``forecasting.models``: AutoForecaster and friends over ``series_id, ds, y``),
rolling-origin backtests (``forecasting.backtest``), reconciliation (``forecasting.reconcile``),
cohort-component population projection (``forecasting.cohort``), school enrolment by grade
progression (``forecasting.enrolment``), quantile regression of need
(``forecasting.need_regression``) and need projected from cohorts (``forecasting.outlook``).
See docs/forecasting.md.

Submodules are imported where used, so ``import forecasting`` stays light.
"""
