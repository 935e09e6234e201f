"""The one Jinja2 environment of the reports: their templates (package data in templates/) and filters."""

from __future__ import annotations

from functools import cache

import jinja2

from reports.charts import percent


def count(value: int) -> str:
    """A count with thousands separators."""
    return f"{value:,}"


@cache
def environment() -> jinja2.Environment:
    """Templates of this package; every value escaped, an unknown name an error."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("reports", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(percent=percent, count=count)
    return env


def report_template(name: str) -> jinja2.Template:
    """A template by file name."""
    return environment().get_template(name)
