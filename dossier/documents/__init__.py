"""Document types: one module per document (briefing, sakigake, orphan), found through registry.py."""
