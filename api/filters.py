"""The filters of the API lists: a value of the wrong type is a 400 naming the parameter, never a 200.

django-filter's own ``NumberFilter`` reads any decimal, so ``?school=0.5`` or ``?year=0.5`` looked for a school
or a year that cannot exist and answered 200 with an empty list — a client with a bug in its query is told «no
data» instead of «wrong query». Its ``BooleanFilter`` (``NullBooleanSelect``) reads anything but
``true``/``false`` as «no filter», so ``?is_active=yes`` answered every row. Here an id, a year, a grade, a
quarter is a whole number and a yes/no is ``true``/``false`` (or ``1``/``0``); anything else is refused by the
filter set's form, and django-filter's backend raises it as a ``ValidationError`` — 400 in the one error format
(api/errors.py) with the parameter in ``details``.

Every list's filter set derives from ``ApiFilterSet``, which refuses at import a filter of the loose kinds, so a
new list cannot bring them back.
"""

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (an id, a year, a grade, a quarter); described as ``integer`` in the schema, with its bounds
    (drf-spectacular reads a foreign key's filter as any number)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schema = {"type": "integer"}
        if self.extra.get("help_text"):
            schema["description"] = self.extra["help_text"]
        for bound, name in (("min_value", "minimum"), ("max_value", "maximum")):
            if self.extra.get(bound) is not None:
                schema[name] = self.extra[bound]
        extend_schema_field(schema)(self)


def year_filter(*, help_text: str, **kwargs) -> IntegerFilter:
    """A year, 1…9999 as a calendar date holds (another is refused with 400, never a 500)."""
    return IntegerFilter(min_value=1, max_value=9999, help_text=help_text, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (``1``/``0``, any case); empty — no filter; anything else — an error."""

    widget = (
        forms.TextInput
    )  # the raw value reaches the field (NullBooleanSelect turns unknown values into None)
    default_error_messages = {"invalid": "Ожидается true или false."}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# Filters that accept a value of the wrong type without an error (see the module's docstring).
LOOSE = (django_filters.NumberFilter, django_filters.BooleanFilter)
STRICT = (IntegerFilter, BooleanFilter)


class ApiFilterSet(django_filters.FilterSet):
    """The base of every API list's filters: the ones generated from ``Meta.fields`` are strict too, and a loose
    one declared by hand stops the import."""

    # Django's integer fields (ids, years, grades) all derive from IntegerField; django-filter walks the MRO.
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.IntegerField: {"filter_class": IntegerFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
    }

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for name, candidate in filters.items():
            if isinstance(candidate, LOOSE) and not isinstance(candidate, STRICT):
                raise ImproperlyConfigured(
                    f"{cls.__name__}.{name}: {type(candidate).__name__} accepts a value of the wrong type; "
                    "use api.filters.IntegerFilter or api.filters.BooleanFilter."
                )
        return filters


class FilterBackend(DjangoFilterBackend):
    """``DEFAULT_FILTER_BACKENDS``: the lists' filter sets are ``ApiFilterSet``s (one of another kind stops the
    call with an error a test sees), and one generated from a view's ``filterset_fields`` is one too."""

    filterset_base = ApiFilterSet

    def get_filterset_class(self, view, queryset=None):
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is not None and not issubclass(filterset_class, ApiFilterSet):
            raise ImproperlyConfigured(
                f"{type(view).__name__}.filterset_class: expected an api.filters.ApiFilterSet."
            )
        return filterset_class
