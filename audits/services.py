"""Writes of the audits app: certificates, audits, findings and their follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from improvement.models import Action
from improvement.services import action_create, default_due_date, default_owner
from indicators.referential import selectors as referential
from qualiopi_portal.core.signals import readiness_changed
from qualiopi_portal.core.text import fold

from . import imports, rules
from .models import Audit, Certificate, Finding, Slot

# Audits whose findings are the certifier's: a minor left open until the next one escalates.
OFFICIAL_KINDS = (
    Audit.Kind.INITIAL,
    Audit.Kind.SURVEILLANCE,
    Audit.Kind.RENEWAL,
    Audit.Kind.EXTENSION,
)
# The certifier audits that check the earlier corrective plans (an extension covers only the
# added category).
ESCALATING_KINDS = (Audit.Kind.INITIAL, Audit.Kind.SURVEILLANCE, Audit.Kind.RENEWAL)


@transaction.atomic
def certificate_save(
    *,
    certificate: Certificate | None,
    certifier: str,
    number: str,
    categories,
    issued_on: date,
    valid_from: date | None = None,
    expires_on: date | None = None,
    renews: Certificate | None = None,
) -> Certificate:
    """Record the certificate as printed: its start and end of validity.

    A renewal (`renews` the previous certificate) starts the day after the previous one
    expires (DOMAIN.md); left empty, the start is the issue date (or that day) and the end
    three years later.
    """
    errors = {}
    if not categories:
        errors["categories"] = _("Choisissez au moins une catégorie couverte.")
    if issued_on > timezone.localdate():
        errors["issued_on"] = _("La date d'émission ne peut pas être future.")
    if renews is not None:
        # The previous certificate's dates (the form shows them) are not the new one's.
        previous = renews.cycle
        valid_from = None if valid_from == previous.starts_on else valid_from
        expires_on = None if expires_on == previous.expires_on else expires_on
        start = rules.renewal_start(previous.expires_on)
        if valid_from is not None and valid_from != start:
            errors["valid_from"] = _(
                "Un certificat renouvelé commence le lendemain de l'expiration du précédent : "
                "le %(day)s."
            ) % {"day": date_format(start, "SHORT_DATE_FORMAT")}
        valid_from = start
    valid_from = valid_from or issued_on
    if expires_on is not None and expires_on <= valid_from:
        errors["expires_on"] = _("La fin de validité doit suivre le début de validité.")
    if errors:
        raise ValidationError(errors)
    certificate = certificate or Certificate()
    certificate.certifier = certifier.strip()
    certificate.number = number.strip()
    certificate.categories = sorted(set(categories))
    certificate.issued_on = issued_on
    certificate.valid_from = valid_from
    certificate.expires_on = expires_on or rules.default_expiry(valid_from)
    certificate.save()
    return certificate


def certifier_deadline(audit: Audit, kind: str) -> date | None:
    """The lifting deadline the certifier's report sets (minor 6 months, major 3).

    Only a certifier's audit sets one: a mock or internal audit's findings are followed
    through their corrective actions' own dates, never a certifier's deadline or reminder.
    """
    if audit.kind not in OFFICIAL_KINDS or kind not in Finding.NC_KINDS:
        return None
    if audit.report_date is None:
        return None
    return rules.nc_deadline(kind, audit.report_date)


def _check_audit_dates(starts_on: date, ends_on: date, report_date: date | None) -> None:
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = _("Le dernier jour ne peut pas précéder le premier jour.")
    if report_date is not None and report_date < starts_on:
        errors["report_date"] = _("Le rapport ne peut pas précéder l'audit.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def audit_save(*, audit: Audit | None, created_by=None, **fields: Any) -> Audit:
    """Create or edit an audit; the referential version is the one in force on its first day."""
    _check_audit_dates(fields["starts_on"], fields["ends_on"], fields.get("report_date"))
    try:
        version = referential.version_in_force_on(day=fields["starts_on"])
    except referential.NoVersionInForce:
        raise ValidationError(
            {"starts_on": _("Aucune version du référentiel n'est en vigueur à cette date.")}
        ) from None
    audit = audit or Audit(created_by=created_by)
    for name, value in fields.items():
        setattr(audit, name, value)
    audit.version_code = version.code
    audit.save()
    reported = audit.report_date is not None and audit.report_date <= timezone.localdate()
    if audit.kind in ESCALATING_KINDS and reported:
        _escalate_open_minors(audit)
    if audit.kind not in OFFICIAL_KINDS:
        audit.findings.update(deadline=None)
    elif audit.report_date is not None:
        # Deadlines follow the report; those already set by hand are kept.
        for finding in audit.findings.filter(kind__in=Finding.NC_KINDS, deadline__isnull=True):
            finding.deadline = certifier_deadline(audit, finding.kind)
            finding.save(update_fields=["deadline"])
    readiness_changed("audit saved")
    return audit


def _escalate_open_minors(audit: Audit) -> None:
    """Minors of earlier certifier audits still open when this one took place become majors,
    their 3-month deadline counted from this audit's report (DOMAIN.md, "Non-conformities").

    Called once the audit has happened and reported, never on planning it; an extension or a
    mock audit does not check the earlier corrective plans, so it escalates nothing.
    """
    if audit.report_date is None:
        return  # not reported yet: nothing to count the new deadlines from
    earlier = Finding.objects.filter(
        audit__kind__in=OFFICIAL_KINDS,
        audit__starts_on__lt=audit.starts_on,
        kind=Finding.Kind.MINOR,
    ).exclude(status=Finding.Status.LIFTED)
    for finding in earlier:
        finding.escalated_from = finding.kind
        finding.kind = rules.escalated(finding.kind, still_open_at_next_audit=True)
        finding.deadline = rules.nc_deadline(finding.kind, audit.report_date)
        finding.save(update_fields=["escalated_from", "kind", "deadline"])


@transaction.atomic
def finding_save(
    *,
    audit: Audit,
    finding: Finding | None,
    indicator_number: int,
    kind: str,
    description: str,
    missing: str = "",
    root_cause: str = "",
    deadline: date | None = None,
) -> Finding:
    indicator = (
        referential.version_get(code=audit.version_code)
        .indicators.filter(number=indicator_number)
        .first()
    )
    if indicator is None:
        raise ValidationError(
            {"indicator_number": _("Cet indicateur n'existe pas dans la version de l'audit.")}
        )
    if not description.strip():
        raise ValidationError({"description": _("Décrivez le constat.")})
    if kind == Finding.Kind.MINOR and indicator.is_fundamental:
        raise ValidationError(
            {
                "kind": _(
                    "L'indicateur %(number)s fait partie des 17 indicateurs dont toute "
                    "non-conformité est majeure : choisissez « NC majeure »."
                )
                % {"number": indicator_number}
            }
        )
    is_nc = kind in Finding.NC_KINDS
    if audit.kind not in OFFICIAL_KINDS:
        deadline = None
    elif is_nc and deadline is None:
        deadline = certifier_deadline(audit, kind)
    if deadline is not None and audit.report_date is not None and deadline < audit.report_date:
        raise ValidationError(
            {"deadline": _("L'échéance ne peut pas précéder la date du rapport.")}
        )
    finding = finding or Finding(audit=audit)
    finding.indicator_number = indicator_number
    finding.kind = kind
    finding.description = description.strip()
    finding.missing = missing.strip()
    finding.root_cause = root_cause.strip()
    finding.deadline = deadline if is_nc else None
    finding.save()
    readiness_changed("finding saved")
    return finding


# Each status, and what it needs before the finding may reach it.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Finding.Status.OPEN: (Finding.Status.PLANNED,),
    Finding.Status.PLANNED: (Finding.Status.OPEN, Finding.Status.PROOF_SUBMITTED),
    Finding.Status.PROOF_SUBMITTED: (Finding.Status.PLANNED, Finding.Status.LIFTED),
    Finding.Status.LIFTED: (Finding.Status.PROOF_SUBMITTED,),
}


@transaction.atomic
def finding_set_status(
    *,
    finding: Finding,
    status: str,
    proofs: list | None = None,
    actor: Any = None,
    lifted_on: date | None = None,
    lifting_reference: str = "",
) -> Finding:
    """open → actions planned → proof submitted → lifted, each step with what it needs.

    Only the certifier lifts a non-conformity (DOMAIN.md; guide de lecture V9, préambule): for
    a certifier's audit, "lifted" records its notice — the date and reference the certifier
    gave — and who recorded it; a mock or internal audit's finding is lifted on the date the
    organisation closes it. Either way at least one proof of correction stays linked.
    """
    if finding.is_cancelled:
        raise ValidationError(_("Ce constat a été annulé : il n'a plus de suivi."))
    if not finding.is_nc:
        raise ValidationError(_("Seules les non-conformités ont un suivi de levée."))
    if status not in TRANSITIONS[finding.status]:
        raise ValidationError(_("Ce changement d'état n'est pas possible."))
    if proofs is not None:
        finding.proofs.set(proofs)
    if status == Finding.Status.PLANNED and not finding.actions.exists():
        raise ValidationError(
            _("Ajoutez au moins une action corrective, avec son ou sa responsable.")
        )
    errors: dict[str, str] = {}
    needs_proof = status in (Finding.Status.PROOF_SUBMITTED, Finding.Status.LIFTED)
    if needs_proof and not finding.proofs.exists():
        errors["proofs"] = _("Joignez au moins une preuve de correction.")
    lifting_reference = lifting_reference.strip()
    by_certifier = finding.audit.kind in OFFICIAL_KINDS
    if status == Finding.Status.LIFTED:
        if lifted_on is None:
            errors["lifted_on"] = (
                _("Indiquez la date de l'avis de levée du certificateur.")
                if by_certifier
                else _("Indiquez la date de la levée.")
            )
        elif lifted_on > timezone.localdate():
            errors["lifted_on"] = _("La date de levée ne peut pas être future.")
        if by_certifier and not lifting_reference:
            errors["lifting_reference"] = _(
                "Seul le certificateur lève une non-conformité : indiquez la référence de son "
                "avis de levée (courriel, rapport complémentaire…)."
            )
    if errors:
        raise ValidationError(errors)
    finding.status = status
    lifted = status == Finding.Status.LIFTED
    finding.lifted_at = timezone.now() if lifted else None
    finding.lifted_on = lifted_on if lifted else None
    finding.lifting_reference = lifting_reference if lifted else ""
    finding.lifted_by = actor if lifted and getattr(actor, "is_authenticated", False) else None
    finding.save(
        update_fields=["status", "lifted_at", "lifted_on", "lifting_reference", "lifted_by"]
    )
    readiness_changed("finding status")
    return finding


@transaction.atomic
def finding_cancel(*, finding: Finding, actor: Any, reason: str) -> Finding:
    """A finding entered by mistake leaves every count; it is never deleted."""
    reason = reason.strip()
    if finding.is_cancelled:
        raise ValidationError(_("Ce constat est déjà annulé."))
    if not reason:
        raise ValidationError(
            {"reason": _("Indiquez pourquoi ce constat est annulé (il reste dans l'historique).")}
        )
    finding.cancelled_at = timezone.now()
    finding.cancelled_by = actor
    finding.cancellation_reason = reason
    finding.save(update_fields=["cancelled_at", "cancelled_by", "cancellation_reason"])
    readiness_changed("finding cancelled")
    return finding


def corrective_action_create(*, organisation, finding: Finding, created_by):
    """One click on a non-conformity: a corrective action due by its lifting deadline."""
    due = finding.deadline or default_due_date(organisation=organisation)
    return action_create(
        organisation=organisation,
        title=_("Lever la %(kind)s de l'indicateur %(number)s")
        % {"kind": finding.get_kind_display(), "number": finding.indicator_number},
        description=finding.description,
        indicator_numbers=[finding.indicator_number],
        owner=default_owner(organisation, created_by),
        due_date=due,
        created_by=created_by,
        source=Action.Source.FINDING,
        finding=finding,
    )


@transaction.atomic
def slot_save(*, audit: Audit, slot: Slot | None, **fields: Any) -> Slot:
    """A timetable line inside the audit's dates, ending after it starts."""
    errors = {}
    if not audit.starts_on <= fields["day"] <= audit.ends_on:
        errors["day"] = _("Le créneau doit tomber pendant l'audit (du %(start)s au %(end)s).") % {
            "start": date_format(audit.starts_on, "SHORT_DATE_FORMAT"),
            "end": date_format(audit.ends_on, "SHORT_DATE_FORMAT"),
        }
    if fields["ends_at"] <= fields["starts_at"]:
        errors["ends_at"] = _("La fin du créneau doit suivre son début.")
    numbers = sorted(set(fields.get("indicator_numbers") or []))
    known = {
        i.number
        for i in referential.indicators_of(referential.version_get(code=audit.version_code))
    }
    if set(numbers) - known:
        errors["indicator_numbers"] = _("Cet indicateur n'existe pas dans la version de l'audit.")
    if errors:
        raise ValidationError(errors)
    slot = slot or Slot(audit=audit)
    for name, value in fields.items():
        setattr(slot, name, value)
    slot.indicator_numbers = numbers
    slot.subject = slot.subject.strip()
    slot.save()
    return slot


@dataclass(frozen=True)
class FindingsImported:
    created: list[Finding]
    already: list[imports.Row]  # lines this audit already has (imported before, or twice)


def _finding_key(indicator_number: int, kind: str, description: str) -> tuple:
    return (indicator_number, kind, fold(description))


@transaction.atomic
def findings_import(*, audit: Audit, data: bytes) -> FindingsImported:
    """All the lines or none: the errors name each bad line.

    Sending the same report again adds nothing: a line whose indicator, severity and text
    (case, accents and spacing aside) the audit already has, cancelled or not, is reported as
    already imported instead of counted twice.
    """
    version = referential.version_get(code=audit.version_code)
    rows, errors = imports.parse(
        data, known_numbers=set(version.indicators.values_list("number", flat=True))
    )
    fundamental = set(
        version.indicators.filter(is_fundamental=True).values_list("number", flat=True)
    )
    errors += [
        _(
            "Ligne %(line)s : l'indicateur %(number)s fait partie des 17 indicateurs dont toute "
            "non-conformité est majeure : « NC mineure » n'y est pas possible."
        )
        % {"line": row.line, "number": row.indicator_number}
        for row in rows
        if row.kind == Finding.Kind.MINOR and row.indicator_number in fundamental
    ]
    if errors:
        raise ValidationError(errors)
    # Locked so that two uploads of the same file at once cannot both pass the check below.
    Audit.objects.select_for_update().filter(pk=audit.pk).first()
    known = {
        _finding_key(*values)
        for values in Finding.all_objects.filter(audit=audit).values_list(
            "indicator_number", "kind", "description"
        )
    }
    new_rows, already = [], []
    for row in rows:
        key = _finding_key(row.indicator_number, row.kind, row.description)
        if key in known:
            already.append(row)
        else:
            known.add(key)
            new_rows.append(row)
    # Every line is already checked: one insert for the file, one readiness request.
    created = Finding.objects.bulk_create(
        Finding(
            audit=audit,
            indicator_number=row.indicator_number,
            kind=row.kind,
            description=row.description,
            deadline=certifier_deadline(audit, row.kind),
        )
        for row in new_rows
    )
    if created:
        readiness_changed("findings imported")
    return FindingsImported(created=created, already=already)
