"""The seller's language: message catalogs compiled at start-up, negotiation, and rendering at the edge."""
