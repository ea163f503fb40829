"""Accessibility checks shared by the journeys: axe-core (RGAA 4.1 follows WCAG 2.1) and the
320 px reflow criterion (WCAG 1.4.10: no sideways scrolling at 320 CSS pixels)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def axe_violations(page) -> list[str]:
    """One line per WCAG 2.1 A/AA violation on the page as it is now: rule, impact, targets."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    lines = []
    for violation in results.response["violations"]:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{page.url}: {violation['id']} ({violation['impact']}) — {targets}")
    return lines


def sideways_overflow(page) -> list[str]:
    """The elements wider than the viewport, when the page scrolls sideways (else empty)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          const wide = [];
          for (const element of document.querySelectorAll('body *')) {
            const box = element.getBoundingClientRect();
            if (box.right > width + 1 && getComputedStyle(element).position !== 'fixed') {
              let inside = element.parentElement, clipped = false;
              while (inside) {
                const style = getComputedStyle(inside);
                if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) {
                  clipped = true; break;
                }
                inside = inside.parentElement;
              }
              if (!clipped) wide.push(element.tagName.toLowerCase() +
                (element.className && typeof element.className === 'string'
                  ? '.' + element.className.trim().split(/\\s+/).join('.') : ''));
            }
          }
          return wide.slice(0, 8);
        }"""
    )
