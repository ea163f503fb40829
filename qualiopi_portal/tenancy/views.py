"""Home, organisation chooser, consultant portfolio, organisation pages, invitations."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .decorators import organisation_permission_required
from .forms import (
    InvitationForm,
    OrganisationCreateForm,
    OrganisationProfileForm,
    ReferentInvitationForm,
    TwoFactorPolicyForm,
)
from .models import Organisation, Role
from .permissions import Permission
from .shortcuts import apply_errors


def _dashboard_url(slug: str) -> str:
    return reverse("org:dashboard", kwargs={"organisation_slug": slug})


def home(request: HttpRequest) -> HttpResponse:
    """Landing for visitors; after login, where the user's role expects them."""
    if not request.user.is_authenticated:
        return render(request, "tenancy/landing.html")
    if selectors.firms_for_user(user=request.user).exists():
        return redirect("portfolio")
    accesses = selectors.organisation_accesses_for_user(user=request.user)
    if len(accesses) == 1 and not request.user.is_staff:
        return redirect(_dashboard_url(accesses[0].organisation.slug))
    platform_page = None
    if request.user.is_staff:
        platform_page = Paginator(Organisation.objects.order_by("name", "pk"), 50).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "tenancy/chooser.html",
        {
            "accesses": accesses,
            "can_create": request.user.is_staff,
            "platform_page": platform_page,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    """Platform staff create any organisation; a consultancy firm creates its own clients."""
    firms = selectors.firms_for_user(user=request.user)
    if not request.user.is_staff and not firms.exists():
        raise Http404
    form_kwargs = {"firms": firms if not request.user.is_staff else None}
    form_kwargs["firm_required"] = not request.user.is_staff
    form = OrganisationCreateForm(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        slug, firm, referent_email = data.pop("slug"), data.pop("firm"), data.pop("referent_email")
        try:
            organisation = services.organisation_create(
                slug=slug, created_by=request.user, firm=firm, **data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("L'organisation %(name)s a été créée.") % {"name": organisation.name}
            )
            if referent_email:
                try:
                    services.invitation_create(
                        organisation=organisation,
                        email=referent_email,
                        role=Role.REFERENT,
                        invited_by=request.user,
                        base_url=request.build_absolute_uri("/"),
                    )
                    messages.info(
                        request,
                        _("Une invitation a été envoyée à %(email)s.") % {"email": referent_email},
                    )
                except ValidationError as error:
                    messages.warning(request, " ".join(error.messages))
            if not request.user.is_staff:
                return redirect(_dashboard_url(organisation.slug))
            # Staff are no member of the organisation: they land on its platform page.
            return redirect("platform_organisation", slug=organisation.slug)
    return render(request, "tenancy/organisation_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def platform_organisation(request: HttpRequest, slug: str) -> HttpResponse:
    """Platform staff's page of one organisation: its identity, team and first invitations.

    Staff hold no membership, so they never see the organisation's own data (evidence,
    audits…); what this page shows lives in the public schema.
    """
    if not request.user.is_staff:
        raise Http404
    organisation = get_object_or_404(Organisation, slug=slug)
    form = ReferentInvitationForm(request.POST or None)
    if request.method == "POST" and _invite(request, organisation, form, role=Role.REFERENT):
        return redirect("platform_organisation", slug=organisation.slug)
    return render(
        request,
        "tenancy/platform_organisation.html",
        {
            "organisation": organisation,
            "memberships": selectors.memberships_for_organisation(organisation=organisation),
            "invitations": selectors.pending_invitations_for_organisation(
                organisation=organisation
            ),
            "firms": organisation.consultancy_firms.order_by("name"),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _invite(request: HttpRequest, organisation: Organisation, form, *, role: str) -> bool:
    """Send the invitation a valid form asks for; its refusal (already a member, already
    invited…) lands on the form's fields. True once sent."""
    if not form.is_valid():
        return False
    try:
        services.invitation_create(
            organisation=organisation,
            email=form.cleaned_data["email"],
            role=role,
            invited_by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        apply_errors(form, error)
        return False
    messages.success(
        request, _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]}
    )
    return True


@organisation_permission_required(Permission.ORGANISATION_EDIT)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = OrganisationProfileForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=organisation, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            organisation.refresh_from_db()
            apply_errors(form, error)
        else:
            messages.success(request, _("Le profil de l'organisation a été enregistré."))
            return redirect(reverse("org:profile", kwargs={"organisation_slug": organisation.slug}))
    return render(request, "tenancy/organisation_edit.html", {"form": form})


@organisation_permission_required(Permission.ORGANISATION_SECURITY)
@require_http_methods(["GET", "POST"])
def organisation_security(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = TwoFactorPolicyForm(
        request.POST or None, initial={"requires_two_factor": organisation.requires_two_factor}
    )
    if request.method == "POST" and form.is_valid():
        services.organisation_set_two_factor(
            organisation=organisation,
            actor=request.user,
            required=form.cleaned_data["requires_two_factor"],
        )
        messages.success(request, _("La politique de sécurité a été enregistrée."))
        return redirect(reverse("org:security", kwargs={"organisation_slug": organisation.slug}))
    return render(request, "tenancy/organisation_security.html", {"form": form})


@organisation_permission_required(Permission.MEMBERS_VIEW)
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    can_manage = request.organisation_access.has(Permission.MEMBERS_MANAGE)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid() and _invite(request, organisation, form, role=form.cleaned_data["role"]):
            return redirect(reverse("org:members", kwargs={"organisation_slug": organisation.slug}))
    return render(
        request,
        "tenancy/members.html",
        {
            "memberships": selectors.memberships_for_organisation(organisation=organisation),
            "invitations": selectors.pending_invitations_for_organisation(
                organisation=organisation
            ),
            "firms": organisation.consultancy_firms.all(),
            "form": form,
            "can_manage": can_manage,
        },
    )


def _confirm_then_act(
    request: HttpRequest, *, template: str, context: dict, action, success_message: str
) -> HttpResponse:
    """GET shows a confirmation page; POST runs the action and returns to the team page."""
    members_url = reverse("org:members", kwargs={"organisation_slug": request.organisation.slug})
    if request.method == "POST":
        try:
            action()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success_message)
        return redirect(members_url)
    return render(request, template, {**context, "cancel_url": members_url})


@organisation_permission_required(Permission.MEMBERS_MANAGE)
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get(organisation=request.organisation, pk=pk)
    return _confirm_then_act(
        request,
        template="tenancy/member_remove.html",
        context={"membership": membership},
        action=lambda: services.membership_remove(membership=membership, actor=request.user),
        success_message=_("%(email)s n'a plus accès à l'organisation.")
        % {"email": membership.user.email},
    )


@organisation_permission_required(Permission.MEMBERS_MANAGE)
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get(organisation=request.organisation, pk=pk)
    return _confirm_then_act(
        request,
        template="tenancy/invitation_revoke.html",
        context={"invitation": invitation},
        action=lambda: services.invitation_revoke(invitation=invitation, actor=request.user),
        success_message=_("L'invitation de %(email)s est révoquée.") % {"email": invitation.email},
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: explains the invitation, sends newcomers to sign up, accepts for the right user."""
    try:
        invitation = services.invitation_get_by_token(token=token)
        services.invitation_check_usable(invitation)
    except services.InvitationError as error:
        return render(request, "tenancy/invitation_error.html", {"error": error}, status=404)
    if not request.user.is_authenticated:
        # The link proves the address: allauth will not ask to verify it again at sign-up,
        # nor at login for an account created there before the invitation.
        get_adapter(request).stash_verified_email(request, invitation.email)
        services.invitation_proves_address(invitation=invitation)
        return render(
            request,
            "tenancy/invitation_accept.html",
            {"invitation": invitation, "next": request.get_full_path()},
        )
    try:
        services.invitation_check_recipient(invitation, request.user)
        if request.method == "POST":
            membership = services.invitation_accept(token=token, user=request.user)
    except services.InvitationError as error:
        return render(request, "tenancy/invitation_error.html", {"error": error}, status=403)
    if request.method == "POST":
        messages.success(
            request,
            _("Bienvenue dans %(organisation)s.") % {"organisation": membership.organisation.name},
        )
        return redirect(_dashboard_url(membership.organisation.slug))
    return render(request, "tenancy/invitation_accept.html", {"invitation": invitation})
