"""Template helpers: links inside the current organisation, durations as people write them."""

from decimal import Decimal

from django import template

from qualiopi_portal.core.reverse import fast_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def org_url(context, name: str, organisation=None, **kwargs) -> str:
    """`{% org_url "org:members" %}` → /o/<current slug>/membres/ (keyword arguments only)."""
    organisation = organisation or context["request"].organisation
    return fast_reverse(name, {"organisation_slug": organisation.slug, **kwargs})


@register.filter
def hours_minutes(hours: Decimal | float | None) -> str:
    """6.5 → « 6 h 30 », 7 → « 7 h »: a timetable's length as a planner writes it."""
    if hours is None:
        return ""
    minutes = round(Decimal(str(hours)) * 60)
    whole, rest = divmod(int(minutes), 60)
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


@register.filter
def lookup(mapping: dict | None, key: object) -> object:
    """`{{ by_line|lookup:line.pk }}`: a dictionary's value for a key known only in the loop."""
    return mapping.get(key) if mapping else None
