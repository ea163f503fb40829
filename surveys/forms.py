"""Forms of the surveys pages: the room's address form, the CSV file to import, a
questionnaire edited into its next version, and a stakeholder contact. They read input;
services decide (surveys.services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.tenancy.forms import CsvFileForm, PortalForm, PortalModelForm

from . import editing, imports
from .models import Question, Questionnaire, Stakeholder


class RoomAnswerForm(PortalForm):
    """From the room's QR code: the learner names themself by their address, since the page
    lists nobody."""

    email = forms.EmailField(
        label=_("Votre adresse e-mail (celle de votre inscription)"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        error_messages={
            "required": _("Indiquez votre adresse e-mail."),
            "invalid": _("Indiquez une adresse e-mail valide, par exemple nom@exemple.fr."),
        },
    )


class AnswersFileForm(CsvFileForm):
    """The CSV file of answers collected elsewhere (read bounded to imports.MAX_BYTES)."""

    def file_bytes(self) -> bytes:
        # One byte more than allowed, so that the reader can tell the file is too large.
        return self.cleaned_data["file"].read(imports.MAX_BYTES + 1)


class QuestionnaireEditForm(PortalForm):
    title = forms.CharField(
        label=_("Titre"), max_length=Questionnaire._meta.get_field("title").max_length
    )
    intro = forms.CharField(
        label=_("Introduction (lue par le répondant)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(
        label=_(
            "Anonyme : les réponses ne sont pas reliées à la personne (c'est dit au répondant)"
        ),
        required=False,
    )


class QuestionForm(PortalForm):
    """One question of the next version; `code` names the question kept (empty: a new one)."""

    code = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    label = forms.CharField(
        label=_("Question"), max_length=Question._meta.get_field("label").max_length
    )
    type = forms.ChoiceField(
        label=_("Type de réponse"), choices=Question.Type.choices, initial=Question.Type.SCALE5
    )
    required = forms.BooleanField(label=_("Obligatoire"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Réponses proposées (choix), une par ligne : « code: libellé » ou « libellé »"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    role = forms.ChoiceField(
        label=_("Rôle dans les taux calculés"),
        choices=[("", _("— aucun —")), *editing.ROLES.items()],
        required=False,
        initial="",
    )
    position = forms.IntegerField(label=_("Ordre"), required=False, min_value=1, max_value=999)


QuestionFormSet = forms.formset_factory(
    QuestionForm,
    extra=5,
    can_delete=True,
    max_num=editing.MAX_QUESTIONS,
    validate_max=True,
)


def question_initial(questions: list[Question]) -> list[dict]:
    return [
        {
            "code": q.code,
            "label": q.label,
            "type": q.type,
            "required": q.required,
            "choices": editing.choices_text(q.choices or []),
            "role": q.role,
            "position": index,
        }
        for index, q in enumerate(questions, start=1)
    ]


def question_drafts(formset) -> list[editing.QuestionDraft]:
    """The questions kept, changed or added (a blank extra line or a deleted one is left out)."""
    drafts = []
    for row, form in enumerate(formset.forms, start=1):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        drafts.append(
            editing.QuestionDraft(
                row=row,
                code=data["code"].strip(),
                label=data["label"],
                type=data["type"],
                required=data["required"],
                role=data["role"],
                choices_text=data["choices"],
                position=data["position"] or 1000 + row,
            )
        )
    return drafts


class StakeholderForm(PortalModelForm):
    class Meta:
        model = Stakeholder
        fields = ["audience", "organisation_name", "name", "email"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off"})}
        error_messages = {"email": {"invalid": _("Saisissez une adresse e-mail valide.")}}

    def _post_clean(self) -> None:
        pass  # the service validates and creates (stakeholder_create)
