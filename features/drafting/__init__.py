"""Drafting a dataset profile from a raw CRM export."""
