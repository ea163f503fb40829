"""Writes of the self-assessment: campaigns, answers, the agreed ratings; each asks readiness
to follow (qualiopi_portal.core.signals.readiness_changed)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from improvement.models import Action
from improvement.services import action_create, default_due_date, default_owner
from qualiopi_portal.core.signals import readiness_changed
from qualiopi_portal.tenancy.models import Organisation, Role
from qualiopi_portal.tenancy.selectors import member_user_ids

from .models import AgreedRating, Answer, Campaign, Rating, Respondent

RESPONDENT_ROLES = (Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT)


def rating_check(*, indicator: Any, rating: str, justification: str, field: str = "rating") -> None:
    """ "Non applicable" only where the referential allows it, and always justified."""
    if rating != Rating.NOT_APPLICABLE:
        return
    if not indicator.may_be_not_applicable:
        raise ValidationError(
            {
                field: _(
                    "L'indicateur %(number)s ne peut pas être déclaré non applicable : le "
                    "référentiel ne le permet pas."
                )
                % {"number": indicator.number}
            }
        )
    if not justification.strip():
        raise ValidationError(
            {"justification": _("Justifiez pourquoi l'indicateur ne s'applique pas à vous.")}
        )


@transaction.atomic
def campaign_create(
    *, organisation: Organisation, title: str, version_code: str, respondents: list, created_by
) -> Campaign:
    if not respondents:
        raise ValidationError({"respondents": _("Choisissez au moins un·e répondant·e.")})
    allowed = member_user_ids(organisation=organisation, roles=RESPONDENT_ROLES)
    if any(user.pk not in allowed for user in respondents):
        raise ValidationError(
            {"respondents": _("Les répondant·es doivent être membres de l'organisation.")}
        )
    campaign = Campaign.objects.create(
        title=title.strip(), version_code=version_code, created_by=created_by
    )
    Respondent.objects.bulk_create(Respondent(campaign=campaign, user=user) for user in respondents)
    return campaign


@transaction.atomic
def campaign_set_status(*, campaign: Campaign, status: str) -> Campaign:
    """open → review → closed; a review can be reopened for answers, a closed one cannot."""
    allowed: dict[str, set[str]] = {
        Campaign.Status.OPEN: {Campaign.Status.REVIEW},
        Campaign.Status.REVIEW: {Campaign.Status.OPEN, Campaign.Status.CLOSED},
        Campaign.Status.CLOSED: set(),
    }
    if status not in allowed[campaign.status]:
        raise ValidationError(_("Ce changement d'état n'est pas possible."))
    campaign.status = status
    campaign.closed_at = timezone.now() if status == Campaign.Status.CLOSED else None
    campaign.save(update_fields=["status", "closed_at"])
    return campaign


@transaction.atomic
def answer_save(
    *,
    campaign: Campaign,
    respondent,
    indicator: Any,
    process: str,
    evidence: list,
    rating: str,
    justification: str,
    corrective_actions: str,
) -> Answer:
    """Steps 2 to 5 of one indicator for one respondent (step 1 is the referential's)."""
    if campaign.status != Campaign.Status.OPEN:
        raise ValidationError(_("Cette campagne n'accepte plus de réponses."))
    if not campaign.respondents.filter(user=respondent).exists():
        raise ValidationError(_("Vous ne faites pas partie des répondant·es de cette campagne."))
    rating_check(indicator=indicator, rating=rating, justification=justification)
    answer, _created = Answer.objects.update_or_create(
        campaign=campaign,
        respondent=respondent,
        indicator_number=indicator.number,
        defaults={
            "process": process.strip(),
            "rating": rating,
            "justification": justification.strip() if rating == Rating.NOT_APPLICABLE else "",
            "corrective_actions": corrective_actions.strip(),
        },
    )
    answer.evidence.set(evidence)
    readiness_changed("self-assessment answer")
    return answer


@transaction.atomic
def agreed_rating_set(
    *,
    campaign: Campaign,
    indicator: Any,
    rating: str,
    justification: str,
    comment: str,
    reviewed_by,
) -> AgreedRating:
    """The review step: the reviewer comments and sets the rating everyone agrees on."""
    if campaign.status != Campaign.Status.REVIEW:
        raise ValidationError(_("Passez la campagne en revue avant de fixer les appréciations."))
    rating_check(indicator=indicator, rating=rating, justification=justification)
    agreed, _created = AgreedRating.objects.update_or_create(
        campaign=campaign,
        indicator_number=indicator.number,
        defaults={
            "rating": rating,
            "justification": justification.strip() if rating == Rating.NOT_APPLICABLE else "",
            "comment": comment.strip(),
            "reviewed_by": reviewed_by,
        },
    )
    readiness_changed("agreed rating")
    return agreed


def action_create_from_answers(
    *, organisation: Organisation, campaign: Campaign, indicator: Any, created_by
) -> Action:
    """One click in the self-assessment: the respondents' corrective actions become one action."""
    texts = list(
        campaign.answers.filter(indicator_number=indicator.number)
        .exclude(corrective_actions="")
        .order_by("pk")
        .values_list("corrective_actions", flat=True)
    )
    if not texts:
        raise ValidationError(_("Aucune action corrective n'a été proposée pour cet indicateur."))
    first_line = texts[0].splitlines()[0][:250]
    return action_create(
        organisation=organisation,
        title=first_line,
        description="\n\n".join(texts),
        indicator_numbers=[indicator.number],
        owner=default_owner(organisation, created_by),
        due_date=default_due_date(organisation=organisation),
        created_by=created_by,
        source=Action.Source.SELF_ASSESSMENT,
        campaign=campaign,
    )
