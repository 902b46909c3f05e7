"""An optional read replica (DATABASE_REPLICA_URL) for the heavy reads: the API's lists and the report builders.

Only code that asks for it reads from the replica — ``with replica_reads():`` around the API's list and detail
(api.base.SyncViewSet, after authentication: a revoked key is checked on the primary) and around a report's
build (reports.services.report_build). Everything else reads from ``default``, and every write goes there, so a
page never reads its own write from a replica that has not received it yet. Inside a transaction reads stay on
``default`` too: a transaction sees one database. Without a replica configured the router sends everything to
``default``. What decides access is always read on ``default`` (``primary_reads()``), even inside such a block.

The replica lags behind the primary by the replication delay (usually well under a second): an API client or a
справка may miss a change of the last moments, never sees a half-written one, and the next sync or report has it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside the block go to the replica, when one is configured and no transaction is open."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside the block go to ``default`` even within ``replica_reads()``: what decides access (a user's
    role assignments, an API key's municipalities, a mentor's orders) is never read from a replica that may
    not yet have a grant withdrawn a moment ago (core.territory.user_scope, api.auth.ApiPrincipal)."""
    token = _reading_from_replica.set(False)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """``db_for_write`` is always ``default``; ``db_for_read`` is the replica only inside ``replica_reads()``."""

    def db_for_read(self, model, **hints) -> str:
        if (
            _reading_from_replica.get()
            and replica_configured()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica holds the same rows as the primary: an object read there may point to one read here.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica receives the schema by replication; only the primary is migrated.
        return db == DEFAULT_DB_ALIAS
