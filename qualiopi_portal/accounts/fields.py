"""Model fields shared by tenant apps that point at users."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def user_fk(verbose_name, related_name: str = "+", *, null: bool = True) -> models.ForeignKey:
    """A foreign key from a tenant table to a user.

    Users live in the public schema; DO_NOTHING keeps Django's deletion collector out of tenant
    tables it cannot see, while the database constraint still refuses to delete a user that
    tenant data refers to.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=null,
        blank=null,
        related_name=related_name,
        verbose_name=verbose_name,
    )
