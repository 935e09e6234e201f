"""The lead store: every score logged with what produced it, outcomes, and the seller queue.

Written only by `serving`; `training` reads it through a dataset profile whose source is an SQL URL and
query (profiles/demo-store.yaml), so the two never import each other.
"""
