"""Artifact repositories: where a run's files live."""
