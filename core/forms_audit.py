"""Filters of the audit pages (GET forms: an invalid value is ignored, never an error page)."""

from django import forms

from .models import AuthEvent
from .selectors_audit import AuditFilter, AuthFilter, source_choices


class _Period(forms.Form):
    user = forms.CharField(label="Кто", required=False, max_length=150, help_text="Логин или часть ФИО.")
    date_from = forms.DateField(label="С", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="По", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def _value(self, name):
        if not self.is_bound:
            return None
        self.is_valid()  # keeps the valid filters; an invalid one is shown with its error and ignored
        return self.cleaned_data.get(name)


class AuditFilterForm(_Period):
    source = forms.ChoiceField(label="Что", required=False)

    field_order = ["source", "user", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "всё"), *source_choices()]

    def filter(self) -> AuditFilter:
        return AuditFilter(
            source=self._value("source") or "",
            user_text=self._value("user") or "",
            date_from=self._value("date_from"),
            date_to=self._value("date_to"),
        )


class AuthFilterForm(_Period):
    kind = forms.ChoiceField(label="Событие", required=False, choices=[("", "все"), *AuthEvent.Kind.choices])

    field_order = ["kind", "user", "date_from", "date_to"]

    def filter(self) -> AuthFilter:
        return AuthFilter(
            kind=self._value("kind") or "",
            user_text=self._value("user") or "",
            date_from=self._value("date_from"),
            date_to=self._value("date_to"),
        )
