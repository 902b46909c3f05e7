"""Forms of the risk-profile pages."""

from django import forms

from ..models import RiskLevel

LEVEL_CHOICES = [("", "—"), *RiskLevel.choices]


class RiskEntryForm(forms.Form):
    """One factor's row of a risk profile; ``item_choices`` are (id, label) pairs, read once per page."""

    level = forms.ChoiceField(label="Уровень", choices=LEVEL_CHOICES, required=False)
    measures = forms.CharField(
        label="Антирисковые меры", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    roadmap_items = forms.TypedMultipleChoiceField(
        label="Пункты дорожной карты",
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args, item_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roadmap_items"].choices = item_choices
        if not item_choices:
            self.fields["roadmap_items"].widget.attrs["disabled"] = True


class RiskNoteForm(forms.Form):
    note = forms.CharField(label="Комментарий", widget=forms.Textarea(attrs={"rows": 2}), required=False)
