"""Writes of the plan de progrès; each asks readiness to follow
(qualiopi_portal.core.signals.readiness_changed)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qualiopi_portal.core.signals import readiness_changed
from qualiopi_portal.tenancy.models import Membership, Organisation, Role
from qualiopi_portal.tenancy.selectors import member_user_ids

from .models import Action

ACTION_FIELDS = ("title", "description", "indicator_numbers", "owner", "due_date")


def _action_check(*, organisation: Organisation, owner, due_date, title: str) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Décrivez l'action.")
    if owner is None:
        errors["owner"] = _("Choisissez la personne responsable de l'action.")
    elif owner.pk not in member_user_ids(organisation=organisation):
        errors["owner"] = _("La personne responsable doit être membre de l'organisation.")
    if due_date is None:
        errors["due_date"] = _("Fixez une échéance.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_create(
    *,
    organisation: Organisation,
    title: str,
    owner,
    due_date: date | None,
    created_by,
    indicator_numbers: list[int] | None = None,
    description: str = "",
    source: str = Action.Source.MANUAL,
    campaign: Any = None,  # an assessments.Campaign: that app builds on this one
    finding=None,
) -> Action:
    _action_check(organisation=organisation, owner=owner, due_date=due_date, title=title)
    assert due_date is not None  # refused above with its French message
    action = Action.objects.create(
        title=title.strip(),
        description=description.strip(),
        indicator_numbers=sorted(set(indicator_numbers or [])),
        owner=owner,
        due_date=due_date,
        source=source,
        campaign=campaign,
        finding=finding,
        created_by=created_by,
    )
    readiness_changed("action created")
    return action


@transaction.atomic
def action_update(
    *,
    organisation: Organisation,
    action: Action,
    status: str,
    completion_evidence=None,
    completion_note: str = "",
    **fields: Any,
) -> Action:
    """Edit an action; "réalisée" needs its proof (an evidence item or a written record)."""
    values = {name: fields.get(name, getattr(action, name)) for name in ACTION_FIELDS}
    _action_check(
        organisation=organisation,
        owner=values["owner"],
        due_date=values["due_date"],
        title=values["title"],
    )
    if status == Action.Status.DONE and completion_evidence is None and not completion_note.strip():
        raise ValidationError(
            {
                "completion_note": _(
                    "Une action réalisée a besoin de sa preuve : choisissez une preuve de la "
                    "bibliothèque ou décrivez ce qui a été fait."
                )
            }
        )
    for name, value in values.items():
        setattr(action, name, value)
    action.title = action.title.strip()
    action.indicator_numbers = sorted(set(action.indicator_numbers))
    if status == Action.Status.DONE and action.status != Action.Status.DONE:
        action.completed_at = timezone.now()
    elif status != Action.Status.DONE:
        action.completed_at = None
    action.status = status
    action.completion_evidence = completion_evidence
    action.completion_note = completion_note.strip()
    action.save()
    readiness_changed("action updated")
    return action


@transaction.atomic
def action_save(
    *,
    organisation: Organisation,
    action: Action | None,
    created_by=None,
    status: str = Action.Status.TODO,
    completion_evidence=None,
    completion_note: str = "",
    **fields: Any,
) -> Action:
    """The action form: create (possibly already started or done) or edit, in one step."""
    if action is None:
        action = action_create(organisation=organisation, created_by=created_by, **fields)
        fields = {}
        if status == Action.Status.TODO and completion_evidence is None and not completion_note:
            return action
    return action_update(
        organisation=organisation,
        action=action,
        status=status,
        completion_evidence=completion_evidence,
        completion_note=completion_note,
        **fields,
    )


def default_due_date(*, organisation: Organisation, today: date | None = None) -> date:
    """A month from now, or two weeks before the audit when that comes first."""
    today = today or timezone.localdate()
    due = today + timedelta(days=30)
    audit = organisation.next_audit_date
    if audit and today < audit - timedelta(days=14) < due:
        due = audit - timedelta(days=14)
    return due


def default_owner(organisation: Organisation, user) -> Any:
    """Whoever clicked, when a member; a firm's consultant hands it to the referent."""
    if user.pk in member_user_ids(organisation=organisation):
        return user
    membership = (
        Membership.objects.filter(organisation=organisation, role=Role.REFERENT)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def action_create_from_gap(*, organisation: Organisation, indicator: Any, created_by) -> Action:
    """One click on a dashboard gap: an action for that indicator, owned by whoever clicked."""
    return action_create(
        organisation=organisation,
        title=_("Indicateur %(number)s — %(title)s : réunir une preuve validée")
        % {"number": indicator.number, "title": indicator.title},
        indicator_numbers=[indicator.number],
        owner=default_owner(organisation, created_by),
        due_date=default_due_date(organisation=organisation),
        created_by=created_by,
        source=Action.Source.GAP,
    )
