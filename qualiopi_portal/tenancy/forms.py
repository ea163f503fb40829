"""Forms for organisations, invitations and security settings. Services do the writing."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import ActionCategory, ConsultancyFirm, Organisation, Role
from .services import (
    NEW_ENTRANT_OUTSIDE_CATEGORIES,
    PERSONAL_DATA_FIELDS,
    PROFILE_FIELDS,
    SCOPE_FIELDS,
)
from .validators import validate_nda, validate_organisation_slug, validate_siret

# Longest text a free-text field takes when its model sets no limit: several pages of prose,
# far beyond any note a quality file holds, and small enough that a page stays readable.
TEXT_MAX_LENGTH = 5000


class PortalFormMixin:
    """What every form of the portal shares: labels without Django's " :" suffix, and no
    text field without a maximum length (Django's French error, and the browser's maxlength)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length is None:
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
                field.widget.attrs.setdefault("maxlength", str(TEXT_MAX_LENGTH))


class PortalForm(PortalFormMixin, forms.Form):
    pass


class PortalModelForm(PortalFormMixin, forms.ModelForm):
    pass


class NativeDateInput(forms.DateInput):
    """The browser's own date picker (ISO value, shown in the user's locale)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class _OrganisationForm(PortalModelForm):
    """Model validation runs once, in the service (organisation_validate)."""

    def _post_clean(self) -> None:
        pass


class OrganisationScopeForm(_OrganisationForm):
    """What decides the applicable indicators."""

    categories = forms.MultipleChoiceField(
        label=_("Catégories d'actions"),
        choices=ActionCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Choisissez au moins une catégorie d'actions.")},
    )
    new_entrant_categories = forms.MultipleChoiceField(
        label=_("Nouvel entrant dans les catégories"),
        choices=ActionCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Cochez les catégories où l'organisme débute : première année d'activité, ou "
            "nouvelle catégorie d'actions (FAQ AFNOR, 1er septembre 2023). La mise en œuvre de "
            "leurs indicateurs sera vérifiée à l'audit de surveillance."
        ),
    )

    class Meta:
        model = Organisation
        fields = list(SCOPE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "referential_version" in self.fields:
            self.fields["referential_version"].empty_label = _("Selon la date du prochain audit")

    def clean(self) -> dict:
        # Here as well as in the service, so that the live preview never sees such a scope.
        cleaned = super().clean()
        categories = set(cleaned.get("categories") or ())
        if set(cleaned.get("new_entrant_categories") or ()) - categories:
            self.add_error("new_entrant_categories", NEW_ENTRANT_OUTSIDE_CATEGORIES)
        return cleaned


class OrganisationProfileForm(_OrganisationForm):
    """Identity and audit planning."""

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
        fields = [*PROFILE_FIELDS, *PERSONAL_DATA_FIELDS]
        widgets = {
            "next_audit_date": NativeDateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "learner_retention_months" in self.fields:
            # Left empty: the period stays what it was.
            self.fields["learner_retention_months"].required = False

    def clean_learner_retention_months(self) -> int:
        value = self.cleaned_data.get("learner_retention_months")
        return self.instance.learner_retention_months if value is None else value

    # Field checks run here too so that every error shows in one round; the service repeats them.
    def clean_siret(self) -> str:
        siret = "".join(self.cleaned_data["siret"].split())
        validate_siret(siret)
        return siret

    def clean_nda(self) -> str:
        nda = "".join(self.cleaned_data["nda"].split())
        validate_nda(nda)
        return nda


class OrganisationCreateForm(OrganisationProfileForm, OrganisationScopeForm):
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
        # The version pin is left to the scope page: new organisations follow the calendar.
        fields = [*PROFILE_FIELDS, *(f for f in SCOPE_FIELDS if f != "referential_version")]

    def __init__(self, *args, firms=None, firm_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms if firms is not None else ConsultancyFirm.objects.all()
        self.fields["firm"].required = firm_required
        self.order_fields(["name", "slug", "siret", "nda", "categories"])

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        validate_organisation_slug(slug)
        return slug


class TwoFactorPolicyForm(PortalForm):
    requires_two_factor = forms.BooleanField(
        label=_("Exiger la double authentification (TOTP) pour tous les membres"),
        required=False,
    )


class InvitationForm(PortalForm):
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.CONTRIBUTOR)


class ReferentInvitationForm(PortalForm):
    """Platform staff invite an organisation's first referent; the referent invites the rest."""

    email = forms.EmailField(label=_("Adresse e-mail du ou de la référent·e qualité"))


class CsvFileForm(PortalForm):
    """One CSV file to import; the content is read (bounded) by `file_bytes()`."""

    file = forms.FileField(
        label=_("Fichier CSV"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def file_bytes(self) -> bytes:
        from qualiopi_portal.core.csvfiles import MAX_BYTES

        # One byte more than allowed, so that the reader can tell the file is too large.
        return self.cleaned_data["file"].read(MAX_BYTES + 1)
