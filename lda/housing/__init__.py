"""Housing supply and matching (spec 3). For now: the pure matching engine (`matching.py`)."""
