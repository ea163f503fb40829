"""Forms of the evidence library: they validate input; services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.tenancy.forms import NativeDateInput, PortalForm, PortalModelForm
from qualiopi_portal.tenancy.models import Membership, Organisation, Role

from .models import ChecklistEntry, EvidenceItem, Kind, Responsibility

User = get_user_model()

ALLOWED_ACCEPT = (
    ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.png,.jpg,.jpeg,.webp,.txt,.csv,"
    "application/pdf,image/png,image/jpeg,image/webp,text/plain,text/csv"
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; content checks happen in the service, all before storing."""

    widget = MultipleFileInput

    def clean(self, data, initial=None) -> list:
        if not data:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]

    def __init__(self, *args, **kwargs):
        # Empty files reach the service, which names the file in its refusal.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)


class TagsField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        tags = []
        for raw in text.split(","):
            tag = " ".join(raw.split())[:40]
            if tag and tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
        return tags

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


def indicator_choices(indicators, applicable: set[int]) -> list[tuple[int, str]]:
    choices = []
    for indicator in indicators:
        label = f"{indicator.number} — {indicator.title}"
        if indicator.number not in applicable:
            label = _("%(label)s (non applicable)") % {"label": label}
        choices.append((indicator.number, label))
    return choices


def member_queryset(organisation: Organisation, roles: set[str]):
    return User.objects.filter(
        pk__in=Membership.objects.filter(organisation=organisation, role__in=roles).values(
            "user_id"
        )
    ).order_by("first_name", "last_name", "email")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class EvidenceForm(PortalModelForm):
    """Create or edit an item. Contributors do not choose whom it concerns: it is theirs."""

    title = forms.CharField(
        label=_("Titre"),
        max_length=200,
        required=False,
        help_text=_("Laissé vide, le nom du fichier sert de titre."),
    )
    indicator_numbers = forms.TypedMultipleChoiceField(
        label=_("Indicateurs prouvés"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "indicator-choices"}),
        error_messages={"required": _("Reliez la preuve à au moins un indicateur.")},
    )
    url = forms.URLField(
        label=_("Adresse web"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Pour une preuve en ligne, par exemple la page publique de l'offre."),
    )
    tags = TagsField(
        label=_("Étiquettes"),
        required=False,
        help_text=_("Séparées par des virgules, par exemple : session 2026, Toulouse."),
    )
    files = MultipleFileField(
        label=_("Fichiers"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ALLOWED_ACCEPT}),
        help_text=_(
            "Glissez-déposez un ou plusieurs fichiers (une preuve par fichier). PDF, Word, "
            "Excel, PowerPoint, OpenDocument, PNG, JPEG, WebP, TXT ou CSV ; 50 Mo au plus."
        ),
    )

    class Meta:
        model = EvidenceItem
        fields = [
            "title",
            "kind",
            "indicator_numbers",
            "description",
            "url",
            "checklist_entry",
            "responsibility",
            "concerns",
            "owner",
            "valid_from",
            "valid_until",
            "tags",
        ]
        widgets = {
            "valid_from": NativeDateInput(),
            "valid_until": NativeDateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"valid_until": _("La preuve passera « Expirée » après cette date.")}

    def __init__(
        self,
        *args,
        organisation: Organisation,
        indicator_choices: list[tuple[int, str]],
        is_contributor: bool,
        with_files: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["indicator_numbers"].choices = indicator_choices
        self.fields["kind"].choices = Kind.choices
        entries = ChecklistEntry.objects.filter(is_active=True)
        self.fields["checklist_entry"].queryset = entries
        self.fields["checklist_entry"].empty_label = _("Aucune")
        self.fields["checklist_entry"].help_text = _(
            "Si la pièce répond à la liste demandée aux intervenants."
        )
        if is_contributor:
            for name in ("responsibility", "concerns", "owner"):
                del self.fields[name]
        else:
            self.fields["concerns"] = UserChoiceField(
                label=_("Personne concernée"),
                queryset=member_queryset(organisation, {Role.CONTRIBUTOR}),
                required=False,
                empty_label=_("Personne en particulier"),
                help_text=_("Le formateur ou sous-traitant dont c'est la pièce (CV, contrat…)."),
            )
            self.fields["owner"] = UserChoiceField(
                label=_("Responsable de la preuve"),
                queryset=member_queryset(organisation, {Role.REFERENT, Role.CONTRIBUTOR}),
                required=False,
                empty_label=_("Moi"),
            )
            self.fields["responsibility"].choices = Responsibility.choices
            self.fields["responsibility"].required = False
            self.fields["responsibility"].initial = Responsibility.ORGANISATION
        if not with_files:
            del self.fields["files"]
        self.order_fields(["files", "title", "kind", "indicator_numbers"])

    def clean_responsibility(self) -> str:
        return self.cleaned_data.get("responsibility") or Responsibility.ORGANISATION

    def _post_clean(self) -> None:
        # The service compares, validates and writes; the form must not touch the instance.
        pass


class VersionUploadForm(PortalForm):
    file = forms.FileField(
        label=_("Nouvelle version"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ALLOWED_ACCEPT}),
        error_messages={"required": _("Choisissez le fichier de la nouvelle version.")},
    )
    expected_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewForm(PortalForm):
    transition = forms.ChoiceField(
        choices=[("submit", "submit"), ("validate", "validate"), ("reject", "reject")]
    )
    reason = forms.CharField(
        label=_("Motif du refus"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(PortalForm):
    body = forms.CharField(
        label=_("Votre commentaire"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Le commentaire est vide.")},
    )


class EvidenceFilterForm(PortalForm):
    """The list's filters (GET). Invalid values are ignored rather than answered with an error."""

    q = forms.CharField(label=_("Rechercher"), required=False, max_length=200)
    indicateur = forms.TypedChoiceField(
        label=_("Indicateur"), required=False, coerce=int, empty_value=None
    )
    statut = forms.ChoiceField(label=_("Statut"), required=False)
    nature = forms.ChoiceField(label=_("Nature"), required=False)
    responsable = forms.TypedChoiceField(
        label=_("Responsable"), required=False, coerce=int, empty_value=None
    )
    expire_sous = forms.TypedChoiceField(
        label=_("Expire dans"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Peu importe")),
            (7, _("7 jours")),
            (30, _("30 jours")),
            (90, _("90 jours")),
        ],
    )
    archives = forms.BooleanField(label=_("Archives"), required=False)

    def __init__(self, *args, indicator_numbers: list[int], owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicateur"].choices = [("", _("Tous"))] + [
            (n, str(n)) for n in indicator_numbers
        ]
        self.fields["statut"].choices = [("", _("Tous")), *EvidenceItem.Status.choices]
        self.fields["nature"].choices = [("", _("Toutes")), *Kind.choices]
        self.fields["responsable"].choices = [("", _("Tous"))] + [
            (user.pk, user.get_full_name() or user.email) for user in owners
        ]


class ChecklistEntryForm(PortalModelForm):
    indicator_numbers = forms.TypedMultipleChoiceField(
        label=_("Indicateurs"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "indicator-choices"}),
    )

    class Meta:
        model = ChecklistEntry
        fields = [
            "title",
            "description",
            "kind",
            "indicator_numbers",
            "frequency",
            "validity_months",
            "due_day",
            "due_month",
            "is_required",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"due_day": _("Échéance : jour"), "due_month": _("Échéance : mois")}

    def __init__(self, *args, indicator_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_numbers"].choices = indicator_choices
        self.fields["due_day"].widget.attrs.update(min=1, max=31)
        self.fields["due_month"].widget.attrs.update(min=1, max=12)
        self.fields["due_day"].help_text = _(
            "Pour une pièce à rendre chaque année à date fixe (ex. 30 mars)."
        )
        self.fields["validity_months"].widget.attrs.update(min=1, max=120)

    def _post_clean(self) -> None:
        # The service assigns and validates; the form must not write to the instance.
        pass
