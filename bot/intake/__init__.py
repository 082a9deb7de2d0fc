"""Accepting mentions and tickets: validate, dedupe on (source, external_id), commit before answering."""
