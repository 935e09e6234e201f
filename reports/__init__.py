"""Closed-loop reporting over scored leads: the funnel, the weekly report, rule impact, and their charts.

Depends on `models` and `features` only, never on `serving` or `training`; its HTML lives in `templates/`.
"""
