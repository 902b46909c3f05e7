"""Core's querysets (the other apps keep theirs in ``<app>/querysets.py`` too)."""

from .policies import PolicyQuerySet


class ImportBatchQuerySet(PolicyQuerySet):
    """An import is seen by whoever uploaded it and by staff of its whole region (and superusers):
    core.policies.ImportBatchPolicy."""
