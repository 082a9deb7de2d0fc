"""The long-running workers: classification, outbox dispatch, the scheduler, the ingest writer (`start.py`
starts this process's share)."""
