"""Reads of surveys: what the daily schedule sends, when, and on what authority (the portal's
defaults: the referential sets no delay)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Questionnaire


@dataclass(frozen=True)
class ScheduleLine:
    kind: str
    title: str
    who: str
    when: str
    source: str
    installed: bool


def _at() -> str:
    return _("chaque jour à %(hour)s h %(minute)02d") % {
        "hour": settings.SURVEY_SCHEDULE_HOUR,
        "minute": settings.SURVEY_SCHEDULE_MINUTE,
    }


def _days(count: int) -> str:
    return ngettext("%(count)s jour", "%(count)s jours", count) % {"count": count}


def schedule_lines() -> list[ScheduleLine]:
    """One line per questionnaire the schedule sends (current schema): to whom, when, where the
    delay comes from, and whether the organisation has the questionnaire (without it, nothing
    goes)."""
    installed = set(
        Questionnaire.objects.filter(is_current=True).values_list("kind", flat=True).distinct()
    )
    hot = settings.SURVEY_HOT_WINDOW_DAYS
    cold = settings.SURVEY_COLD_DAYS
    window = settings.SURVEY_COLD_WINDOW_DAYS
    hot_when = _(
        "%(at)s, dès le lendemain du dernier jour de la session et pendant %(days)s ; le "
        "bouton de la session l'envoie dès le dernier jour."
    ) % {"at": _at(), "days": _days(hot)}
    hot_source = _("%(days)s : valeur par défaut du portail, aucune règle.") % {"days": _days(hot)}
    cold_when = _(
        "%(at)s, %(days)s après le dernier jour de la session (rattrapé pendant les "
        "%(window)s qui suivent, pas au-delà)."
    ) % {"at": _at(), "days": _days(cold), "window": _days(window)}
    cold_source = _(
        "%(days)s : valeur par défaut du portail, le référentiel ne fixe pas de délai."
    ) % {"days": _days(cold)}
    yearly_when = _(
        "%(at)s, à chaque contact qui n'a pas reçu ce questionnaire depuis 12 mois : un "
        "contact ajouté est interrogé au passage suivant."
    ) % {"at": _at()}
    yearly_source = _("Une fois tous les 12 mois : valeur par défaut du portail.")
    kind = Questionnaire.Kind
    rows = [
        (
            kind.SATISFACTION_HOT,
            _("Les apprenant·es de la session qui ne l'ont pas encore reçu."),
            hot_when,
            hot_source,
        ),
        (
            kind.APPRENTICE_EVALUATION,
            _("Les apprenti·es des sessions d'une offre en apprentissage (indicateur 33)."),
            hot_when,
            hot_source,
        ),
        (
            kind.APPRAISAL_COLD,
            _("Les apprenant·es qui ont suivi la session."),
            cold_when,
            cold_source,
        ),
        (
            kind.APPRAISAL_COLD_EMPLOYER,
            _(
                "Les contacts employeurs dont l'entreprise est l'employeur d'un·e apprenant·e "
                "de la session (nom comparé sans majuscules, accents ni espaces en trop)."
            ),
            cold_when,
            cold_source,
        ),
        (kind.FINANCER, _("Les contacts financeurs."), yearly_when, yearly_source),
        (
            kind.TEACHING_TEAM,
            _("Les contacts de l'équipe pédagogique."),
            yearly_when,
            yearly_source,
        ),
    ]
    return [
        ScheduleLine(
            kind=code,
            title=str(kind(code).label),
            who=who,
            when=when,
            source=source,
            installed=code in installed,
        )
        for code, who, when, source in rows
    ]


def reminders_line() -> str:
    """How reminders follow every invitation, scheduled or not."""
    return _(
        "Rappels : au plus %(count)s, %(days)s après le dernier message, tant que la personne "
        "n'a pas répondu ni demandé à ne plus en recevoir (réglages du portail, aucune règle)."
    ) % {"count": settings.SURVEY_REMINDERS, "days": _days(settings.SURVEY_REMINDER_DAYS)}


@dataclass(frozen=True)
class Schedule:
    lines: list[ScheduleLine]
    reminders: str


def schedule() -> Schedule:
    """What the pages show under « Programmation des envois »."""
    return Schedule(lines=schedule_lines(), reminders=reminders_line())
