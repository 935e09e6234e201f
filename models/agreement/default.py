"""The agreement that grades when none was given: the usual bounds and no rules."""

DEFAULT_AGREEMENT = """
version: default
signed_off: {sales: "nobody (default grade bounds)", marketing: "nobody (default grade bounds)", date: 1970-01-01}
grades: {A: 0.50, B: 0.25, C: 0.10}
labels: {A: hot, B: warm, C: cold, D: not now}
"""
