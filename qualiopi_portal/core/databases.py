"""Organisations spread over several PostgreSQL databases (docs/decisions/0022).

The public schema (accounts, organisations, memberships, sessions, audit trail…) lives on the
main database, alias "default". An organisation's schema lives on the database its row names
(`Organisation.database`): "default" or an alias listed in ORGANISATION_DATABASES.

While the thread works inside an organisation kept on another database, `database_bound()`
makes the alias "default" answer with that database's connection, so that every `connection`,
`transaction.atomic()` and tenant model query of the existing code goes there unchanged, and
keeps the main connection reachable as "public". `OrganisationDatabaseRouter` sends the shared
apps' models to "public" while such a binding is active, and to "default" otherwise: a
single-database install behaves exactly as before, public writes included.

Tenant tables hold foreign keys to the users table (`accounts.fields.user_fk`), and pages join
it (`select_related("owner")`). A secondary database therefore keeps a copy of the users'
identity (no password) in its own public schema, written by `users_replicate()` on each save
and fully by `migrate_portal`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

MAIN = DEFAULT_DB_ALIAS
# The main database's connection while "default" is bound to another one (never in settings).
PUBLIC = "public"
# Identity columns copied to the secondary databases; the password never leaves the main one.
REPLICA_UNUSABLE_PASSWORD = "!replica"  # noqa: S105 (not a password: matches no password)


def _local() -> Any:
    """Where Django keeps this thread's connections, one attribute per alias (asgiref Local)."""
    return connections._connections  # type: ignore[attr-defined]


def organisation_databases() -> list[str]:
    """The aliases an organisation may live on: "default" first, then the configured extras."""
    return [alias for alias in connections.settings if alias != PUBLIC]


def is_bound() -> bool:
    """Whether "default" currently answers with another database's connection."""
    return hasattr(_local(), PUBLIC)


def main_connection() -> BaseDatabaseWrapper:
    """The connection to the main database (public schema), whatever the binding."""
    local = _local()
    if hasattr(local, PUBLIC):
        wrapper: BaseDatabaseWrapper = getattr(local, PUBLIC)
        return wrapper
    return connections[MAIN]


def connection_for(alias: str) -> BaseDatabaseWrapper:
    """The connection of database `alias` ("default": the main one), whatever the binding."""
    return main_connection() if alias == MAIN else connections[alias]


def bound_alias() -> str:
    """The alias "default" currently answers for (the main database when not bound)."""
    if not is_bound():
        return MAIN
    alias: str = connections[MAIN].alias
    return alias


@contextmanager
def database_bound(alias: str) -> Iterator[None]:
    """Make "default" answer with `alias`'s connection inside the block (this thread only).

    Nested blocks restore what was bound before; binding the main database lifts the binding.
    """
    local = _local()
    main = main_connection()
    target = main if alias == MAIN else connections[alias]
    was_bound = hasattr(local, PUBLIC)
    previous_default = getattr(local, MAIN, None)
    if target is main:
        if not was_bound:
            yield
            return
        setattr(local, MAIN, main)
        delattr(local, PUBLIC)
    else:
        setattr(local, PUBLIC, main)
        setattr(local, MAIN, target)
    try:
        yield
    finally:
        if previous_default is None:
            if hasattr(local, MAIN):
                delattr(local, MAIN)
        else:
            setattr(local, MAIN, previous_default)
        if was_bound:
            setattr(local, PUBLIC, main)
        elif hasattr(local, PUBLIC):
            delattr(local, PUBLIC)


_state = threading.local()


@contextmanager
def routing_suspended() -> Iterator[None]:
    """Migrations of a secondary database: every model on the bound connection, so that data
    migrations (which do not pass `using`) read and write that database's own tables."""
    previous = getattr(_state, "suspended", False)
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = previous


@contextmanager
def main_routing() -> Iterator[None]:
    """Shared models routed to the main database again inside a routing_suspended() block."""
    previous = getattr(_state, "suspended", False)
    _state.suspended = False
    try:
        yield
    finally:
        _state.suspended = previous


def _shared_labels() -> frozenset[str]:
    tenant_apps = set(settings.TENANT_APPS)
    return frozenset(
        config.label
        for config in apps.get_app_configs()
        if config.name in settings.SHARED_APPS and config.name not in tenant_apps
    )


class OrganisationDatabaseRouter:
    """Shared apps' models always read and write the main database.

    Answers "default" when nothing is bound (so an instance loaded while bound, whose
    `_state.db` says "public", still saves on the main database afterwards).
    """

    def __init__(self) -> None:
        self._shared: frozenset[str] | None = None

    def _route(self, model: type[Any]) -> str | None:
        if self._shared is None:
            self._shared = _shared_labels()
        if model._meta.app_label in self._shared:
            if getattr(_state, "suspended", False):
                return None
            return PUBLIC if is_bound() else MAIN
        return None

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return self._route(model)

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return self._route(model)

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        """On a secondary database, django-tenants' own rule (shared apps in public, tenant
        apps elsewhere), which it applies to "default" only: migrations there run on the
        connection bound to "default", whose alias still says its own name."""
        if db in (MAIN, PUBLIC) or db not in connections.settings:
            return None
        from django_tenants.routers import TenantSyncRouter
        from django_tenants.utils import get_public_schema_name

        public = connections[db].schema_name == get_public_schema_name()  # type: ignore[attr-defined]
        installed = settings.SHARED_APPS if public else settings.TENANT_APPS
        return bool(TenantSyncRouter().app_in_list(app_label, installed))

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # A tenant row and the user it names are on different connections while bound.
        return True


# --- The users' copy on secondary databases ---------------------------------------------------


def _replica_fields() -> list[str]:
    from qualiopi_portal.accounts.models import User

    return [f.attname for f in User._meta.concrete_fields]


def users_replicate(users: Iterable[Any], aliases: Iterable[str] | None = None) -> int:
    """Copy these users' identity (ids, names, e-mail, flags) to each secondary database.

    Tenant rows on those databases reference the copy; nothing authenticates against it.
    Upsert by primary key, so a second run changes nothing.
    """
    from qualiopi_portal.accounts.models import User

    targets = [a for a in (aliases or organisation_databases()) if a != MAIN]
    rows = list(users)
    if not targets or not rows:
        return 0
    fields = _replica_fields()
    copies = []
    for user in rows:
        copy = User(**{name: getattr(user, name) for name in fields})
        copy.password = REPLICA_UNUSABLE_PASSWORD
        copies.append(copy)
    updated = [name for name in fields if name != "id"]
    for alias in targets:
        User.objects.using(alias).bulk_create(
            copies, update_conflicts=True, unique_fields=["id"], update_fields=updated
        )
    return len(copies) * len(targets)


def users_replicate_all(alias: str, batch: int = 2000) -> int:
    """The whole users table to one secondary database (migrate_portal; catches up bulk edits
    that sent no signal)."""
    from qualiopi_portal.accounts.models import User

    total = 0
    queryset = User.objects.using(PUBLIC if is_bound() else MAIN).order_by("pk")
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:batch])
        if not chunk:
            return total
        total += users_replicate(chunk, [alias])
        last = chunk[-1].pk


def user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """post_save of User: keep the copies current (a login's last_login alone is not copied)."""
    if len(organisation_databases()) <= 1:
        return
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    users_replicate([instance])


# --- One atomic block, both databases ---------------------------------------------------------

_PARTNERS = "_qualiopi_public_partners"


def _partners(wrapper: Any) -> list[Any]:
    stack: list[Any] = wrapper.__dict__.setdefault(_PARTNERS, [])
    return stack


def install_paired_atomic() -> None:
    """While bound, `transaction.atomic()` on "default" also opens one on the main database.

    The existing code writes tenant rows and public rows (audit trail, readiness summary,
    `select_for_update` of a public row) in one `transaction.atomic()`. Bound to another
    database, that block would cover the organisation's database only. Paired, both roll back
    together on an exception; on success the organisation's database commits first, then the
    main one (two commits, not a two-phase commit: a crash between them keeps the tenant rows
    without their public counterpart, which the recovery sweeps already tolerate). Nothing
    changes when nothing is bound.
    """
    from django.db.transaction import Atomic

    if getattr(Atomic, "_qualiopi_paired", False):
        return
    original_enter = Atomic.__enter__
    original_exit = Atomic.__exit__

    def enter(self: Any) -> None:
        original_enter(self)
        partner = None
        if self.using in (None, MAIN) and is_bound() and not getattr(_state, "suspended", False):
            partner = Atomic(PUBLIC, self.savepoint, False)
            try:
                original_enter(partner)
            except BaseException as error:
                original_exit(self, type(error), error, error.__traceback__)
                raise
        _partners(connections[self.using or MAIN]).append(partner)

    def exit_(self: Any, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        stack = _partners(connections[self.using or MAIN])
        partner = stack.pop() if stack else None
        if partner is None:
            original_exit(self, exc_type, exc_value, traceback)
            return
        try:
            original_exit(self, exc_type, exc_value, traceback)
        except BaseException as error:
            original_exit(partner, type(error), error, error.__traceback__)
            raise
        original_exit(partner, exc_type, exc_value, traceback)

    Atomic.__enter__ = enter  # type: ignore[method-assign]
    Atomic.__exit__ = exit_  # type: ignore[method-assign]
    Atomic._qualiopi_paired = True  # type: ignore[attr-defined]
