"""Forms for organisations, invitations and security settings. Services do the writing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ActionCategory, ConsultancyFirm, Organisation, Role
from .services import PROFILE_FIELDS
from .validators import validate_nda, validate_organisation_slug, validate_siret

PROFILE_FORM_FIELDS = list(PROFILE_FIELDS)


class OrganisationProfileForm(forms.ModelForm):
    """Profile and scope. Validation of the whole object happens in the service."""

    categories = forms.MultipleChoiceField(
        label=_("Catégories d'actions"),
        choices=ActionCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Choisissez au moins une catégorie d'actions.")},
    )
    # Wider than the stored values: people paste "732 829 320 00074"; spaces are removed below.
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=20,
        help_text=_("14 chiffres."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    nda = forms.CharField(
        label=_("Numéro de déclaration d'activité (NDA)"),
        max_length=16,
        help_text=_("11 chiffres."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Organisation
        fields = PROFILE_FORM_FIELDS
        widgets = {
            "next_audit_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    # Field checks run here too so that every error shows in one round; the service repeats them.
    def clean_siret(self) -> str:
        siret = "".join(self.cleaned_data["siret"].split())
        validate_siret(siret)
        return siret

    def clean_nda(self) -> str:
        nda = "".join(self.cleaned_data["nda"].split())
        validate_nda(nda)
        return nda

    def _post_clean(self) -> None:
        # Model validation runs in the service (organisation_validate), not twice here.
        pass


class OrganisationCreateForm(OrganisationProfileForm):
    slug = forms.CharField(
        label=_("Identifiant (adresse)"),
        max_length=40,
        help_text=_(
            "Lettres minuscules, chiffres et tirets ; l'adresse sera /o/identifiant/. "
            "Il ne pourra plus être modifié."
        ),
    )
    firm = forms.ModelChoiceField(
        label=_("Cabinet de conseil qui suit l'organisation"),
        queryset=ConsultancyFirm.objects.none(),
        required=False,
    )
    referent_email = forms.EmailField(
        label=_("E-mail du ou de la référent·e qualité"),
        required=False,
        help_text=_("Une invitation lui sera envoyée avec le rôle de référent·e qualité."),
    )

    class Meta(OrganisationProfileForm.Meta):
        fields = ["name", "slug", *PROFILE_FORM_FIELDS[1:]]

    def __init__(self, *args, firms=None, firm_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms if firms is not None else ConsultancyFirm.objects.all()
        self.fields["firm"].required = firm_required
        self.order_fields(["name", "slug"])

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        validate_organisation_slug(slug)
        return slug


class PortalForm(forms.Form):
    """Labels without Django's " :" suffix, like the model forms above."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TwoFactorPolicyForm(PortalForm):
    requires_two_factor = forms.BooleanField(
        label=_("Exiger la double authentification (TOTP) pour tous les membres"),
        required=False,
    )


class InvitationForm(PortalForm):
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.CONTRIBUTOR)
