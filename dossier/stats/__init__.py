"""Statistical engines: pure functions on arrays and frames, no document knowledge."""
