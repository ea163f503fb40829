"""Forms of learners and attendance: they validate input; services decide."""

from __future__ import annotations

import base64
import binascii
from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from evidence.forms import member_queryset
from qualiopi_portal.tenancy.forms import NativeDateInput, PortalForm, PortalModelForm
from qualiopi_portal.tenancy.models import Organisation, Role

from . import attendance
from .models import AttendanceRecord, Enrolment, Learner, Milestone


class LearnerForm(PortalModelForm):
    class Meta:
        model = Learner
        fields = ["first_name", "last_name", "email", "phone", "status", "employer"]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].initial = Learner.Status.EMPLOYEE

    def _post_clean(self) -> None:
        pass  # the service validates and creates (enrolment_create)


class EnrolmentStatusForm(PortalForm):
    status = forms.ChoiceField(label=_("État"), choices=Enrolment.Status.choices)
    funding_line = forms.ModelChoiceField(
        label=_("Ligne de financement"),
        queryset=None,
        required=False,
        empty_label=_("— aucune —"),
        help_text=_(
            "Le financeur qui paie pour cet·te apprenant·e : ses heures d'émargement "
            "comptent pour cette ligne."
        ),
    )
    dropped_out_on = forms.DateField(
        label=_("Date de l'abandon"), required=False, widget=NativeDateInput()
    )
    dropout_reason = forms.CharField(
        label=_("Motif de l'abandon"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funding_line"].queryset = session.funding_lines.order_by("pk")
        self.fields["funding_line"].label_from_instance = lambda line: (
            f"{line.financer or line.route_code} — {line.trainees} " + str(_("stagiaire(s)"))
        )


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


WEEKDAYS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


class SchedulePlanForm(PortalForm):
    """The session's hours, from which its half-days are cut."""

    morning_start = forms.TimeField(
        label=_("Matin : début"), initial=time(9, 0), required=False, widget=TimeInput()
    )
    morning_end = forms.TimeField(
        label=_("Matin : fin"), initial=time(12, 30), required=False, widget=TimeInput()
    )
    afternoon_start = forms.TimeField(
        label=_("Après-midi : début"), initial=time(13, 30), required=False, widget=TimeInput()
    )
    afternoon_end = forms.TimeField(
        label=_("Après-midi : fin"), initial=time(17, 0), required=False, widget=TimeInput()
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours de formation"),
        choices=WEEKDAYS,
        coerce=int,
        initial=[0, 1, 2, 3, 4],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un jour de la semaine.")},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        for half, label in (("morning", _("le matin")), ("afternoon", _("l'après-midi"))):
            start, end = cleaned.get(f"{half}_start"), cleaned.get(f"{half}_end")
            if (start is None) != (end is None):
                self.add_error(
                    f"{half}_end",
                    _("Indiquez le début et la fin pour %(half)s, ou aucun des deux.")
                    % {"half": label},
                )
            elif start is not None and end <= start:
                self.add_error(f"{half}_end", _("La fin doit venir après le début."))
        if (
            not self.errors
            and cleaned.get("morning_start") is None
            and cleaned.get("afternoon_start") is None
        ):
            raise forms.ValidationError(_("Indiquez les horaires d'au moins une demi-journée."))
        return cleaned

    def schedule(self) -> attendance.Schedule:
        data = self.cleaned_data
        return attendance.Schedule(
            morning=(data["morning_start"], data["morning_end"])
            if data.get("morning_start")
            else None,
            afternoon=(data["afternoon_start"], data["afternoon_end"])
            if data.get("afternoon_start")
            else None,
            weekdays=frozenset(data["weekdays"]),
        )


class TrainersForm(PortalForm):
    trainers = forms.ModelMultipleChoiceField(
        label=_("Formateur·rices qui font émarger"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainers"].queryset = member_queryset(organisation, set(Role))
        self.fields["trainers"].label_from_instance = lambda user: (
            user.get_full_name() or user.email
        )


DRAWING_PREFIX = "data:image/png;base64,"
DRAWING_TOO_BIG = _(
    "La signature dessinée est trop lourde (100 Ko au plus) : effacez-la et recommencez."
)
DRAWING_MAX_BYTES = 100 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def drawing_check(value: str) -> str:
    """A drawn signature is a PNG data URL of at most 100 KB, or nothing: it is stored in the
    record and printed on the sheet, so anything else (another format, a bloated or garbled
    payload) is refused with a reason the learner can act on."""
    value = value.strip()
    if not value:
        return ""
    if not value.startswith(DRAWING_PREFIX):
        raise forms.ValidationError(_("La signature dessinée doit être une image PNG."))
    encoded = value.removeprefix(DRAWING_PREFIX)
    # Base64 takes four characters for three bytes: too long a text is too big, undecoded.
    if len(encoded) > (DRAWING_MAX_BYTES + 2) // 3 * 4:
        raise forms.ValidationError(DRAWING_TOO_BIG)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise forms.ValidationError(
            _("La signature dessinée est illisible : effacez-la et recommencez.")
        ) from None
    if not data.startswith(PNG_MAGIC):
        raise forms.ValidationError(_("La signature dessinée doit être une image PNG."))
    if len(data) > DRAWING_MAX_BYTES:
        raise forms.ValidationError(DRAWING_TOO_BIG)
    return value


class SignForm(PortalForm):
    signed_name = forms.CharField(
        label=_("Votre nom, en guise de signature"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Filled by the drawing pad (static/js/drawing-pad.js); the typed name alone is enough.
    drawing = forms.CharField(
        label=_("Signature dessinée (facultative)"),
        required=False,
        max_length=2 * DRAWING_MAX_BYTES,
        widget=forms.HiddenInput,
        error_messages={"max_length": DRAWING_TOO_BIG},
    )
    consent = forms.BooleanField(
        label=_(
            "Je certifie être présent·e à cette demi-journée et j'accepte que cette signature "
            "électronique vaille émargement."
        ),
        error_messages={"required": _("Cochez la case de consentement pour signer.")},
    )

    def clean_drawing(self) -> str:
        return drawing_check(self.cleaned_data.get("drawing", ""))


class RoomSignForm(SignForm):
    """Signing from the room's QR code: the learner names themself by their e-mail address,
    since the page lists nobody."""

    email = forms.EmailField(
        label=_("Votre adresse e-mail (celle de votre inscription)"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    field_order = ["email", "signed_name", "drawing", "consent"]


class CorrectionForm(PortalForm):
    status = forms.ChoiceField(label=_("Présence retenue"), choices=AttendanceRecord.Status.choices)
    reason = forms.CharField(
        label=_("Motif de la correction"), widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneForm(PortalForm):
    """Date one step of the journey for the learners ticked in the grid."""

    kind = forms.ChoiceField(label=_("Étape"), choices=Milestone.Kind.choices)
    done_on = forms.DateField(label=_("Faite le"), widget=NativeDateInput())
    evidence = forms.ModelChoiceField(
        label=_("Preuve dans la bibliothèque"),
        queryset=None,
        required=False,
        empty_label=_("— aucune pour l'instant —"),
        help_text=_("Le document qui le prouve (grille de positionnement, convention signée…)."),
    )
    note = forms.CharField(label=_("Précision"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        from evidence.models import EvidenceItem

        super().__init__(*args, **kwargs)
        # The most recent proofs first; an older one is found by its title in the library.
        self.fields["evidence"].queryset = EvidenceItem.objects.filter(is_archived=False).order_by(
            "-updated_at", "-pk"
        )
