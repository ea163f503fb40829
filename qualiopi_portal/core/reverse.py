"""reverse() for the links a page repeats: a register row, a grid cell, a menu entry.

Django's reverse() walks the URL patterns on every call (~20 µs); an attendance grid of 20
learners × 20 half-days asked it 400 times per page. Here each (URL name, argument names) is
reversed once with numeric stand-ins, and the stand-ins are then replaced by the values —
only for values reverse() would not quote (slugs, numbers); anything else goes to reverse().
The cache is bounded by the number of URL names, not by the data (docs/decisions/0021).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.urls import get_script_prefix, get_urlconf, reverse

_PLAIN = re.compile(r"[-a-zA-Z0-9_]+")
# Digits pass every converter the portal uses (int, slug, str); long enough never to occur in
# a path of the portal by chance.
_STAND_IN = "7391546{:02d}8264"


@lru_cache(maxsize=1024)
def _template(
    name: str, keys: tuple[str, ...], prefix: str, urlconf: str | None
) -> tuple[str, ...] | None:
    """The reversed path cut at each stand-in, or None when the stand-ins do not fit."""
    stand_ins = {key: _STAND_IN.format(index) for index, key in enumerate(keys)}
    path = reverse(name, kwargs=stand_ins, urlconf=urlconf)
    if not keys:
        return (path,)
    parts = re.split("(" + "|".join(stand_ins.values()) + ")", path)
    if sum(1 for part in parts if part in stand_ins.values()) != len(keys):
        return None
    by_stand_in = {value: key for key, value in stand_ins.items()}
    return tuple(f"\0{by_stand_in[part]}" if part in by_stand_in else part for part in parts)


def fast_reverse(name: str, kwargs: dict[str, Any]) -> str:
    """The same path as reverse(name, kwargs=kwargs), without walking the patterns each time.

    One difference: a value of the wrong kind for its converter (letters for an `<int:…>`)
    is not refused here; callers pass primary keys and slugs, as the tests check.
    """
    values = {key: str(value) for key, value in kwargs.items()}
    if not all(_PLAIN.fullmatch(value) for value in values.values()):
        return reverse(name, kwargs=kwargs)
    template = _template(name, tuple(sorted(values)), get_script_prefix(), get_urlconf())
    if template is None:
        return reverse(name, kwargs=kwargs)
    return "".join(values[part[1:]] if part.startswith("\0") else part for part in template)


def path_maker(name: str, fixed: dict[str, Any], varying: str) -> Callable[[int], str]:
    """A function giving the path of `name` for each value of the integer argument `varying`,
    the others `fixed`: reversed once for a whole table instead of once per row."""
    stand_in = 739154608264
    path = fast_reverse(name, {**fixed, varying: stand_in})
    head, found, tail = path.partition(str(stand_in))
    if not found or str(stand_in) in tail:
        return lambda value: fast_reverse(name, {**fixed, varying: value})
    return lambda value: f"{head}{int(value)}{tail}"
