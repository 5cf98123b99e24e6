"""Alerts: budgets, spend spikes, broken connections, stale data, keys due for rotation, unpriced models.

The evaluator (``evaluator.py``) turns priced usage and account events into alerts, each created once per
rule, period and threshold, and publishes them on the alerts topic; subscriber functions deliver them
(``delivery.py``: signed webhooks and email). ``rules.py`` holds the pure decisions, ``model.py`` the
records, ``ports.py`` the stores they need.
"""
