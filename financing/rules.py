"""Funding rules: pure functions over plain data, pinned by tests.

- A route that requires Qualiopi pays only for a session that starts while a certificate covering
  the session's action category is valid (from 1 January 2022; before, the obligation did not
  exist). The start date is the one the financer's agreement is given for.
- A financer paying by attendance pays the planned amount times hours present over hours planned;
  where a verified threshold applies, attendance at or above it is paid in full. The CPF's
  « 80 % of attendance is paid in full » (seed 001) was found in no text: it is not applied, and
  the pages show it as « règle non sourcée » (catalogue: `rules.unsourced`).
- The CPF pays only the actions of Code du travail art. L6323-6 (training_offers/eligibility.py);
  a session sold on Mon Compte Formation and subcontracted since 1 April 2024 needs a
  Qualiopi-certified subcontractor (art. L6323-9-2), a micro-entrepreneur under the micro-social
  ceiling excepted (art. R6333-6-3).
- The service-fait documents are the union of each route's list: one per financer for invoices
  and certificates (one per calendar month where the route asks monthly), one per session for
  what all financers share (attendance sheets, the signed agreement).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from audits.rules import cycle
from qualiopi_portal.core.dates import add_months

from .catalogue import Document, Route

CENT = Decimal("0.01")


class Coverage(StrEnum):
    OK = "ok"
    NOT_REQUIRED = "not_required"
    NO_CERTIFICATE = "no_certificate"  # no certificate yet, or the session precedes the first
    EXPIRED = "expired"
    CATEGORY = "category"  # a certificate is valid but does not cover the session's category

    @property
    def is_blocking(self) -> bool:
        return self in (Coverage.NO_CERTIFICATE, Coverage.EXPIRED, Coverage.CATEGORY)


@dataclass(frozen=True)
class CertificateSpan:
    starts_on: datetime.date
    categories: tuple[str, ...]
    expires: datetime.date | None = None  # as printed; else three years of validity

    @property
    def expires_on(self) -> datetime.date:
        return cycle(self.starts_on, self.expires).expires_on


def coverage(
    route: Route,
    *,
    starts_on: datetime.date,
    category: str,
    certificates: Iterable[CertificateSpan],
    required_from: datetime.date,
) -> Coverage:
    """Whether a session starting on `starts_on` may be funded through `route`."""
    if not route.qualiopi_required or starts_on < required_from:
        return Coverage.NOT_REQUIRED
    started = [c for c in certificates if c.starts_on <= starts_on]
    if not started:
        return Coverage.NO_CERTIFICATE
    valid = [c for c in started if starts_on <= c.expires_on]
    if not valid:
        return Coverage.EXPIRED
    if not any(category in c.categories for c in valid):
        return Coverage.CATEGORY
    return Coverage.OK


def attendance_rate(hours_planned: Decimal, hours_present: Decimal | None) -> Decimal | None:
    """Percent of the planned hours attended, or None while attendance is not recorded."""
    if hours_present is None or not hours_planned:
        return None
    return (hours_present * 100 / hours_planned).quantize(Decimal("0.1"), ROUND_HALF_UP)


def amount_paid(
    amount: Decimal,
    *,
    route: Route,
    hours_planned: Decimal,
    hours_present: Decimal | None,
) -> Decimal:
    """What the financer will pay: the whole amount unless it pays by attendance."""
    rules = route.rules
    if not rules.pays_by_attendance or hours_present is None or not hours_planned:
        return amount
    threshold = rules.attendance_threshold
    if threshold is not None and hours_present * 100 >= threshold * hours_planned:
        return amount
    return (amount * hours_present / hours_planned).quantize(CENT, ROUND_HALF_UP)


def rule_errors(
    route: Route,
    *,
    starts_on: datetime.date,
    ends_on: datetime.date,
    trainees: int,
    hours_planned: Decimal,
) -> list[str]:
    """The route's own limits a session breaks, as codes the form turns into sentences."""
    errors = []
    if not route.is_valid_on(starts_on) or not route.is_valid_on(ends_on):
        errors.append("validity")
    minimum = route.rules.min_hours_per_trainee
    if minimum is not None and trainees and hours_planned < minimum * trainees:
        errors.append("min_hours")
    months = route.rules.max_months
    if months is not None and ends_on > add_months(starts_on, months):
        errors.append("max_months")
    return errors


# Code du travail art. L6323-9-2 (loi n° 2022-1587 du 19 décembre 2022) and R6333-6-2 to R6333-6-5
# (décret n° 2023-1350 du 28 décembre 2023), in force for the subcontracting contracts concluded
# from 1 April 2024 (Centre Inffo, « Avec la version 9 du guide de lecture [...], les
# sous-traitants devront-ils également être certifiés Qualiopi ? », 14 février 2024: « à compter
# du 1er avril 2024, un sous-traitant doit être certifié Qualiopi si l'organisme de formation qui
# fait appel à lui vend sa formation aux titulaires d'un compte personnel de formation (CPF) via
# la plateforme Mon compte formation »). The portal does not record the contract's date: a session
# starting before that day is taken to have its contract concluded before it, later ones after.
CPF_SUBCONTRACTING_FROM = datetime.date(2024, 4, 1)
SUBCONTRACTOR_ALLOWED = ("certified", "micro_exempt")  # Session.subcontractor_status values


def cpf_subcontracting_errors(
    route: Route,
    *,
    starts_on: datetime.date,
    subcontractor: str,
    subcontractor_status: str,
) -> list[str]:
    """What a subcontracted CPF session breaks, as codes the form turns into sentences."""
    if not route.cpf or not subcontractor.strip() or starts_on < CPF_SUBCONTRACTING_FROM:
        return []
    if subcontractor_status == "not_certified":
        return ["subcontractor_not_certified"]
    if subcontractor_status not in SUBCONTRACTOR_ALLOWED:
        return ["subcontractor_unknown"]
    return []


def session_months(starts_on: datetime.date, ends_on: datetime.date) -> list[datetime.date]:
    """The first day of every calendar month the session runs in."""
    months, month = [], starts_on.replace(day=1)
    while month <= ends_on:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class ExpectedDocument:
    # Stable, what a linked evidence item is stored under: "<document>" for the session,
    # "<document>:<line>" for one financer, "<document>:<line>:<YYYY-MM>" for one month.
    key: str
    document: Document
    line_id: int | None  # the funding line for per-financer documents
    month: datetime.date | None  # for monthly documents


def line_keys_regex(line_id: int) -> str:
    """The keys of one financer's own documents (not the session's shared ones)."""
    return rf"^[a-z_]+:{line_id}(:|$)"


def expected_documents(
    *,
    starts_on: datetime.date,
    ends_on: datetime.date,
    lines: Iterable[tuple[int, Route]],
) -> list[ExpectedDocument]:
    """Session-wide documents first (once each), then each financer's, in catalogue order."""
    shared: dict[str, ExpectedDocument] = {}
    own: list[ExpectedDocument] = []
    for line_id, route in lines:
        for document in route.documents:
            if document.per == "session":
                shared.setdefault(
                    document.code, ExpectedDocument(document.code, document, None, None)
                )
            elif document.frequency == "monthly":
                own += [
                    ExpectedDocument(
                        f"{document.code}:{line_id}:{month:%Y-%m}", document, line_id, month
                    )
                    for month in session_months(starts_on, ends_on)
                ]
            else:
                own.append(ExpectedDocument(f"{document.code}:{line_id}", document, line_id, None))
    return [*shared.values(), *own]
