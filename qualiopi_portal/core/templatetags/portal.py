"""Template helpers for links inside the current organisation."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def org_url(context, name: str, organisation=None, **kwargs) -> str:
    """`{% org_url "org:members" %}` → /o/<current slug>/membres/ (keyword arguments only)."""
    organisation = organisation or context["request"].organisation
    return reverse(name, kwargs={"organisation_slug": organisation.slug, **kwargs})
