"""Alerts: what `civicalloc watch` finds (surveillance of counts, time to breach, indicator
rules), stored beside the runs with a state and an owner bureau, and pushed to that bureau.

- ``scenarios.alerts.store``: the alert store (``open_alerts(engine, bureau)`` for briefs and
  the app, ``acknowledge``, ``resolve``, ``list_alerts``);
- ``scenarios.alerts.rules``: the watch file (detectors, rules, push settings);
- ``scenarios.alerts.evaluate``: one evaluation (``watch``);
- ``scenarios.alerts.breach``: time to breach for a city's schools, wards and centres;
- ``scenarios.alerts.push``: e-mail (SMTP) and webhook pushes per bureau.
See docs/alerts.md.
"""
