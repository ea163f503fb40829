"""The organisation's dashboard and a contributor's own space: pages that read every domain."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.reminders import reminders_for
from evidence import selectors as evidence_selectors
from evidence.models import EvidenceItem
from financing import selectors as funding_selectors
from improvement import selectors as improvement_selectors
from indicators import selectors as indicator_selectors
from indicators.referential import selectors as referential
from learners import selectors as learner_selectors
from qualiopi_portal.tenancy import selectors
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.models import Role
from qualiopi_portal.tenancy.permissions import Permission


def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    access = request.organisation_access
    if access.role == Role.CONTRIBUTOR:
        # A trainer's landing is what is expected of them, not the organisation's figures.
        return my_space(request)
    today = timezone.localdate()
    member_count = selectors.memberships_for_organisation(organisation=organisation).count()
    next_steps = []
    if organisation.next_audit_date is None and access.has(Permission.ORGANISATION_EDIT):
        next_steps.append(
            {
                "text": _("Renseignez la date de votre prochain audit."),
                "url": reverse("org:profile", kwargs={"organisation_slug": organisation.slug}),
            }
        )
    if member_count < 2 and access.has(Permission.MEMBERS_MANAGE):
        next_steps.append(
            {
                "text": _("Invitez votre équipe : direction, formateurs et sous-traitants."),
                "url": reverse("org:members", kwargs={"organisation_slug": organisation.slug}),
            }
        )
    if not organisation.requires_two_factor and access.has(Permission.ORGANISATION_SECURITY):
        next_steps.append(
            {
                "text": _("Protégez l'accès à vos preuves par la double authentification."),
                "url": reverse("org:security", kwargs={"organisation_slug": organisation.slug}),
            }
        )
    audit_date = organisation.next_audit_date
    try:
        version = referential.version_for_organisation(organisation, today=today)
        applicable_count = len(referential.applicable_numbers(organisation, version))
    except referential.NoVersionInForce:
        version, applicable_count = None, None
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "days_to_audit": (audit_date - today).days if audit_date else None,
            "member_count": member_count,
            "next_steps": next_steps,
            "referential_version": version,
            "version_mismatch": referential.pinned_version_mismatch(organisation, today=today),
            "applicable_count": applicable_count,
            **_dashboard_readiness(access, today),
            "reminders": list(reminders_for(request.user, limit=8)),
            "funding_risk": _funding_risk(access, today),
        },
    )


def _funding_risk(access, today):
    """Planned revenue a financer will refuse for want of a certificate; None when nothing."""
    if not access.has(Permission.FUNDING_VIEW):
        return None
    risk = funding_selectors.revenue_at_risk(today=today)
    return risk if risk.sessions else None


def _dashboard_readiness(access, today) -> dict:
    """Readiness, its trend, items expiring before the audit and overdue actions."""
    if not access.has(Permission.EVIDENCE_VIEW_ALL):
        return {"readiness": None}
    panel = indicator_selectors.readiness_panel(
        trend_days=indicator_selectors.TREND_DAYS, today=today
    )
    context = {
        "readiness": panel,
        "trend": panel.trend if panel else [],
        "trend_width": indicator_selectors.TREND_WIDTH,
        "trend_height": indicator_selectors.TREND_HEIGHT,
        "expiring": evidence_selectors.evidence_expiring_before(
            target=panel.snapshot.target_date if panel else today, limit=8
        )
        if panel
        else [],
    }
    context["incomplete_sessions"] = _incomplete_sessions(_gap_sessions(panel, access))
    context["recent_days"] = settings.READINESS_RECENT_SESSIONS_DAYS
    if access.has(Permission.ACTIONS_VIEW):
        # The first eight and how many in all, in one statement (a window count).
        overdue = list(
            improvement_selectors.actions_overdue(today=today)
            .select_related("owner")
            .annotate(overdue_total=Window(Count("pk")))[:8]
        )
        context["overdue_actions"] = overdue
        context["overdue_count"] = overdue[0].overdue_total if overdue else 0
    return context


def _gap_sessions(panel, access) -> dict:
    """The sessions and learners the gaps name (names only for who may read them)."""
    named = {gap.number: list(gap.session_gaps) for gap in (panel.gaps if panel else [])}
    named = {number: gaps for number, gaps in named.items() if gaps}
    if not named:
        return {}
    return learner_selectors.gap_sessions(named, with_names=access.has(Permission.LEARNERS_VIEW))


def _incomplete_sessions(gap_sessions: dict) -> list[dict]:
    """The same, session by session: which indicators each one's learners miss, and who."""
    by_session: dict[int, dict] = {}
    for number, items in sorted(gap_sessions.items()):
        for item in items:
            entry = by_session.setdefault(
                item.session.pk,
                {"session": item.session, "indicators": [], "learners": [], "count": 0},
            )
            entry["indicators"].append(number)
            entry["learners"] += [name for name in item.learners if name not in entry["learners"]]
            entry["count"] = max(entry["count"], item.count)
    for entry in by_session.values():
        entry["learners"].sort()
    return sorted(by_session.values(), key=lambda e: e["session"].starts_on, reverse=True)


@organisation_permission_required(Permission.ORGANISATION_VIEW)
def my_space(request: HttpRequest) -> HttpResponse:
    """A trainer's or subcontractor's page (and their landing): what they still owe, what was
    refused and why, with the dates."""
    lines = evidence_selectors.checklist_for_user(user=request.user)
    own = EvidenceItem.objects.filter(is_archived=False).filter(
        Q(concerns=request.user) | Q(created_by=request.user)
    )
    return render(
        request,
        "dashboard/my_space.html",
        {
            "lines": lines,
            "owed": [line for line in lines if line.is_owed],
            "refused": list(
                own.filter(status=EvidenceItem.Status.REJECTED)
                .select_related("reviewed_by")
                .order_by("-reviewed_at")
            ),
            "items": own.select_related("checklist_entry").order_by("-updated_at")[:50],
            "actions": list(improvement_selectors.actions_owned_by(user=request.user)),
            "sessions": learner_selectors.trainer_sessions(
                user=request.user, today=timezone.localdate()
            ),
            "day": learner_selectors.trainer_day(user=request.user, now=timezone.now()),
            "today": timezone.localdate(),
        },
    )
