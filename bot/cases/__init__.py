"""The case record: reading cases and the queue (queries.py) and appending to a case's timeline (timeline.py)."""
