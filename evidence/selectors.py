"""Reads on the evidence library. Views fetch items only through `evidence_get_for_user`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.selectors import OrganisationAccess

from .models import ChecklistEntry, EvidenceItem, EvidenceVersion

Status = EvidenceItem.Status


def evidence_visible_to(*, access: OrganisationAccess, user: Any) -> QuerySet[EvidenceItem]:
    """Everything for referents, directors and consultants; a contributor's own items only."""
    items = EvidenceItem.objects.select_related("owner", "concerns", "checklist_entry")
    if access.has(Permission.EVIDENCE_VIEW_ALL):
        return items
    return items.filter(Q(concerns=user) | Q(created_by=user))


def evidence_get_for_user(*, access: OrganisationAccess, user: Any, pk: int) -> EvidenceItem:
    """The same 404 for an item that does not exist and one the user may not see."""
    item = evidence_visible_to(access=access, user=user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def version_get(*, item: EvidenceItem, number: int) -> EvidenceVersion:
    version = EvidenceVersion.objects.filter(item=item, number=number).first()
    if version is None:
        raise Http404
    return version


@dataclass(frozen=True)
class EvidenceFilters:
    query: str = ""
    indicator: int | None = None
    status: str = ""
    kind: str = ""
    owner: int | None = None
    expiring_within: int | None = None
    archived: bool = False


def evidence_filter(
    items: QuerySet[EvidenceItem], filters: EvidenceFilters, *, today: date | None = None
) -> QuerySet[EvidenceItem]:
    today = today or timezone.localdate()
    items = items.filter(is_archived=filters.archived)
    if filters.query:
        items = items.filter(
            Q(title__icontains=filters.query)
            | Q(description__icontains=filters.query)
            | Q(tags__icontains=filters.query)
        )
    if filters.indicator:
        items = items.filter(indicator_numbers__contains=[filters.indicator])
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.owner:
        items = items.filter(owner_id=filters.owner)
    if filters.expiring_within is not None:
        items = items.filter(
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=filters.expiring_within),
        )
    return items


@dataclass
class CoverageCounts:
    validated: int = 0
    pending: int = 0
    rejected: int = 0
    expired: int = 0
    expiring: int = 0

    @property
    def is_gap(self) -> bool:
        """Nothing validated and still valid: the auditor would find no proof here."""
        return self.validated == 0


def coverage_counts(*, today: date | None = None) -> dict[int, CoverageCounts]:
    """Per indicator number: validated / pending / rejected / expired / expiring-soon items.

    One grouped query over the unnested indicator numbers (current schema), whatever the
    library's size. Archived items do not count.
    """
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.EVIDENCE_EXPIRING_SOON_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT number, status,
                   (valid_until IS NOT NULL AND valid_until <= %s) AS expiring,
                   count(*)
              FROM evidence_evidenceitem, unnest(indicator_numbers) AS number
             WHERE NOT is_archived
             GROUP BY 1, 2, 3
            """,
            [soon],
        )
        rows = cursor.fetchall()
    counts: dict[int, CoverageCounts] = defaultdict(CoverageCounts)
    for number, status, expiring, count in rows:
        line = counts[number]
        if status == Status.VALIDATED:
            line.validated += count
            if expiring:
                line.expiring += count
        elif status in (Status.DRAFT, Status.SUBMITTED):
            line.pending += count
        elif status == Status.REJECTED:
            line.rejected += count
        elif status == Status.EXPIRED:
            line.expired += count
    return counts


def evidence_predating(
    *, numbers: set[int], before: date, access: OrganisationAccess, user: Any
) -> dict[int, list[EvidenceItem]]:
    """Items linked to these indicators whose latest file (or creation) predates `before`,
    among those the viewer may open (a contributor sees only their own).

    Used by the V9 ↔ V10 page: proofs prepared under V9 for a reworded indicator are to review.
    """
    items = (
        evidence_visible_to(access=access, user=user)
        .filter(is_archived=False, indicator_numbers__overlap=sorted(numbers))
        .filter(v10_confirmed_at__isnull=True)
        .filter(
            Q(last_uploaded_at__date__lt=before)
            | Q(last_uploaded_at__isnull=True, created_at__date__lt=before)
        )
        .order_by("title")
    )
    found: dict[int, list[EvidenceItem]] = defaultdict(list)
    for item in items:
        for number in item.indicator_numbers:
            if number in numbers:
                found[number].append(item)
    return dict(found)


# --- Checklist of what trainers and subcontractors owe -------------------------------------


class ChecklistState:
    MISSING = "missing"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REJECTED = "rejected"
    VALIDATED = "validated"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    OVERDUE = "overdue"


@dataclass
class ChecklistLine:
    entry: ChecklistEntry
    items: list[EvidenceItem] = field(default_factory=list)
    state: str = ChecklistState.MISSING
    due_date: date | None = None

    @property
    def is_owed(self) -> bool:
        """A required piece still to provide: missing, refused, expired or overdue."""
        return self.entry.is_required and self.state in (
            ChecklistState.MISSING,
            ChecklistState.REJECTED,
            ChecklistState.EXPIRED,
            ChecklistState.OVERDUE,
        )


def _next_due_date(entry: ChecklistEntry, today: date) -> date | None:
    if entry.due_month is None or entry.due_day is None:
        return None
    this_year = date(today.year, entry.due_month, entry.due_day)
    return this_year if this_year >= today else this_year.replace(year=today.year + 1)


def _period_start(due: date) -> date:
    """Items filed after the previous deadline count for the coming one (e.g. 30 March)."""
    return due.replace(year=due.year - 1) + timedelta(days=1)


def checklist_for_user(*, user: Any, today: date | None = None) -> list[ChecklistLine]:
    """What one trainer or subcontractor owes, with the state of their latest piece for each."""
    return checklist_for_users(users=[user], today=today)[user.pk]


def checklist_for_users(
    *, users: list, today: date | None = None
) -> dict[int, list[ChecklistLine]]:
    """The same for several people in two queries, whatever their number (the follow-up page)."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.EVIDENCE_EXPIRING_SOON_DAYS)
    entries = list(ChecklistEntry.objects.filter(is_active=True))
    ids = [user.pk for user in users]
    items = (
        EvidenceItem.objects.filter(is_archived=False, checklist_entry__in=entries)
        .filter(Q(concerns__in=ids) | Q(created_by__in=ids))
        .order_by("-created_at", "-pk")
    )
    by_person: dict[tuple[int | None, int | None], list[EvidenceItem]] = defaultdict(list)
    for item in items:
        # An item counts for whom it concerns and for who filed it (once if the same person).
        for person in {item.concerns_id, item.created_by_id} & set(ids):
            by_person[(person, item.checklist_entry_id)].append(item)
    result = {}
    for user in users:
        lines = []
        for entry in entries:
            line = ChecklistLine(entry=entry, items=by_person[(user.pk, entry.pk)])
            line.due_date = _next_due_date(entry, today)
            relevant = line.items
            if line.due_date:
                start = _period_start(line.due_date)
                relevant = [item for item in relevant if item.created_at.date() >= start]
            line.state = _line_state(relevant, line.due_date, today, soon)
            lines.append(line)
        result[user.pk] = lines
    return result


def _line_state(items: list[EvidenceItem], due: date | None, today: date, soon: date) -> str:
    if not items:
        # With a yearly deadline, nothing filed since the last one means "to provide".
        return ChecklistState.MISSING
    statuses = {item.status for item in items}
    validated = [item for item in items if item.status == Status.VALIDATED]
    if validated:
        if any(item.valid_until is None or item.valid_until > soon for item in validated):
            return ChecklistState.VALIDATED
        return ChecklistState.EXPIRING
    for status, state in (
        (Status.SUBMITTED, ChecklistState.SUBMITTED),
        (Status.DRAFT, ChecklistState.DRAFT),
        (Status.REJECTED, ChecklistState.REJECTED),
    ):
        if status in statuses:
            return state
    return ChecklistState.EXPIRED


def evidence_expiring_before(*, target: date, limit: int = 20) -> list[EvidenceItem]:
    """Validated items that will no longer be valid on the audit date, soonest first."""
    return list(
        EvidenceItem.objects.filter(
            is_archived=False,
            status=EvidenceItem.Status.VALIDATED,
            valid_until__isnull=False,
            valid_until__lt=target,
        ).order_by("valid_until", "pk")[:limit]
    )
