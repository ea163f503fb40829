"""Append-only audit events: in a quality system the history is itself evidence; and the
choice labels of the models read on every page."""

from functools import lru_cache

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@lru_cache(maxsize=1024)
def _choice_labels(field: models.Field, language: str | None) -> dict:
    """A field's choices as translated text, once per field and language (bounded by both)."""
    return {make_hashable(value): force_str(label) for value, label in field.flatchoices}


class ChoiceLabels(models.Model):
    """`get_<field>_display()` from a per-language table instead of Django's default, which
    rebuilds the choices and translates every label on each call: a register of 50 proofs
    asked ~900 translations per page (docs/decisions/0021)."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        return force_str(
            _choice_labels(field, get_language()).get(make_hashable(value), value),
            strings_only=True,
        )


class AuditEvent(models.Model):
    """Who did what, when, on which organisation. Never edited nor deleted."""

    occurred_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("auteur"),
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        verbose_name=_("organisation"),
    )
    action = models.CharField(_("action"), max_length=80)
    details = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("journal des événements")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"
