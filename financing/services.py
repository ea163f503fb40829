"""Writes of the financing app: funding lines, the session's price, service-fait documents and the
budget's assumptions. Each checks everything before writing and writes all or nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from evidence.models import EvidenceItem
from training_offers.models import Session

from . import rules
from .catalogue import Route, catalogue
from .models import CertificationBudget, FundingLine, SessionDocument
from .selectors import cpf_refusals

ZERO = Decimal("0")


def _money(value: Decimal) -> str:
    return number_format(value, decimal_pos=2, force_grouping=True)


def _day(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _validity_text(route: Route) -> str:
    if route.valid_from and route.valid_until:
        return _("La voie « %(route)s » n'était ouverte que du %(start)s au %(end)s.") % {
            "route": route.name,
            "start": _day(route.valid_from),
            "end": _day(route.valid_until),
        }
    if route.valid_until:
        return _("La voie « %(route)s » n'existe plus depuis le %(day)s.") % {
            "route": route.name,
            "day": _day(route.valid_until + timedelta(days=1)),
        }
    return _("La voie « %(route)s » n'est ouverte que depuis le %(day)s.") % {
        "route": route.name,
        "day": _day(route.valid_from),
    }


def _funded_elsewhere(session: Session, line: FundingLine | None) -> Decimal:
    others = FundingLine.objects.filter(session=session)
    if line is not None and line.pk:
        others = others.exclude(pk=line.pk)
    return others.aggregate(total=Sum("amount"))["total"] or ZERO


def funding_line_errors(
    *, session: Session, line: FundingLine | None, **fields: Any
) -> dict[str, list[str]]:
    """Every problem with a funding line, by field: the amount against the session's price,
    the hours, and the route's own rules. Fields left out (the form could not read them) are
    not judged."""
    errors: dict[str, list[str]] = {}
    route = catalogue().route(fields.get("route_code") or "")
    amount = fields.get("amount")
    trainees = fields.get("trainees") or 0
    planned, present = fields.get("hours_planned"), fields.get("hours_present")
    if route is None:
        errors.setdefault("route_code", []).append(
            _("Choisissez une voie de financement du catalogue.")
        )
    if amount is not None and amount < 0:
        errors.setdefault("amount", []).append(_("Le montant ne peut pas être négatif."))
    elif amount is not None and session.price is None:
        errors.setdefault("amount", []).append(
            _(
                "Renseignez d'abord le prix de la session : "
                "le montant financé ne peut pas le dépasser."
            )
        )
    elif amount is not None and session.price is not None:
        total = _funded_elsewhere(session, line) + amount
        if total > session.price:
            errors.setdefault("amount", []).append(
                _("Le total financé (%(total)s €) dépasserait le prix de la session (%(price)s €).")
                % {"total": _money(total), "price": _money(session.price)}
            )
    if trainees < 1:
        errors.setdefault("trainees", []).append(_("Au moins un stagiaire est financé."))
    if planned is not None and planned <= 0:
        errors.setdefault("hours_planned", []).append(_("Indiquez les heures prévues (plus de 0)."))
    if present is not None and planned is not None and present > planned:
        errors.setdefault("hours_present", []).append(
            _(
                "Les heures de présence (%(present)s h) dépassent "
                "les heures prévues (%(planned)s h)."
            )
            % {"present": number_format(present), "planned": number_format(planned)}
        )
    if route is not None and planned is not None and planned > 0 and trainees >= 1:
        problems = rules.rule_errors(
            route,
            starts_on=session.starts_on,
            ends_on=session.ends_on,
            trainees=trainees,
            hours_planned=planned,
        )
        if "validity" in problems:
            errors.setdefault("route_code", []).append(
                _validity_text(route)
                + " "
                + _("La session du %(start)s au %(end)s ne peut pas en relever.")
                % {"start": _day(session.starts_on), "end": _day(session.ends_on)}
            )
        min_hours = route.rules.min_hours_per_trainee
        if "min_hours" in problems and min_hours is not None:
            errors.setdefault("hours_planned", []).append(
                _(
                    "La voie « %(route)s » demande au moins %(hours)s h par stagiaire : "
                    "%(minimum)s h pour %(trainees)s stagiaire(s)."
                )
                % {
                    "route": route.name,
                    "hours": number_format(min_hours),
                    "minimum": number_format(min_hours * trainees),
                    "trainees": trainees,
                }
            )
        if "max_months" in problems:
            errors.setdefault("route_code", []).append(
                _("La voie « %(route)s » ne finance pas une formation de plus de %(months)s mois.")
                % {"route": route.name, "months": route.rules.max_months}
            )
    if route is not None:
        # The CPF's own rules: eligible actions (L6323-6) and subcontracting (L6323-9-2).
        errors.setdefault("route_code", []).extend(cpf_refusals(route, session))
        if not errors["route_code"]:
            del errors["route_code"]
    return errors


@transaction.atomic
def funding_line_save(
    *, session: Session, line: FundingLine | None, created_by=None, **fields: Any
) -> FundingLine:
    # Lock the session: two financers saved at once must not together exceed its price.
    session = Session.objects.select_for_update().select_related("offer").get(pk=session.pk)
    errors = funding_line_errors(session=session, line=line, **fields)
    if errors:
        raise ValidationError(errors)
    line = line or FundingLine(session=session, created_by=created_by)
    for name, value in fields.items():
        setattr(line, name, value)
    line.catalogue_version = catalogue().version
    line.save()
    return line


def funding_line_hours_present_set(*, line: FundingLine, hours: Decimal) -> FundingLine:
    """The hours present from the attendance, checked by the same rules as the typed ones."""
    fields = {
        name: getattr(line, name)
        for name in (
            "route_code",
            "financer",
            "reference",
            "trainees",
            "hours_planned",
            "amount",
        )
    }
    return funding_line_save(session=line.session, line=line, **fields, hours_present=hours)


@transaction.atomic
def funding_line_remove(*, line: FundingLine) -> None:
    """Remove a financer from the plan; the proofs filed for it stay in the library."""
    SessionDocument.objects.filter(
        session_id=line.session_id, key__regex=rules.line_keys_regex(line.pk)
    ).delete()
    line.delete()


@transaction.atomic
def session_price_set(*, session: Session, price: Decimal | None) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    funded = _funded_elsewhere(session, None)
    if price is not None and price < 0:
        raise ValidationError({"price": _("Le prix ne peut pas être négatif.")})
    if price is None and funded:
        raise ValidationError(
            {"price": _("Des financements sont saisis : le prix de la session est nécessaire.")}
        )
    if price is not None and price < funded:
        raise ValidationError(
            {
                "price": _(
                    "Le prix ne peut pas être inférieur au total déjà financé (%(total)s €)."
                )
                % {"total": _money(funded)}
            }
        )
    session.price = price
    session.save(update_fields=["price"])
    return session


@transaction.atomic
def document_link(
    *, session: Session, key: str, evidence: EvidenceItem, linked_by
) -> SessionDocument:
    """File an evidence item as one of the session's expected documents (replacing another)."""
    from .selectors import expected_keys

    if key not in expected_keys(session):
        raise ValidationError(_("Cette pièce n'est pas attendue pour cette session."))
    if evidence.is_archived:
        raise ValidationError(
            _("Cette preuve est archivée : restaurez-la ou choisissez-en une autre.")
        )
    document, _created = SessionDocument.objects.update_or_create(
        session=session, key=key, defaults={"evidence": evidence, "linked_by": linked_by}
    )
    return document


def document_unlink(*, session: Session, key: str) -> None:
    """Detach the proof from the expected document; the proof itself stays in the library."""
    SessionDocument.objects.filter(session=session, key=key).delete()


def budget_save(
    *, budget: CertificationBudget | None, updated_by, **fields: Any
) -> CertificationBudget:
    budget = budget or CertificationBudget()
    for name, value in fields.items():
        setattr(budget, name, value)
    budget.updated_by = updated_by
    budget.full_clean()
    budget.save()
    return budget
