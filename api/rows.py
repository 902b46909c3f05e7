"""A list page read as plain values and written in the serializer's own shape.

DRF serialises a page object by object: a model instance per row (and per joined row), then every field's
``get_attribute`` and ``to_representation``. For a page of 100 results that was ~12 ms of the request's ~18; the
database answered in 0.6. ``ValueRows`` reads the same page with ``.values()`` and formats each column with the
serializer's own field, called only where the raw value is not already what DRF would print (a datetime in the
portal's time zone, a decimal as a string). The serializer stays the one description of the answer and of the
OpenAPI schema: the columns are derived from its fields, and a field this cannot derive (a property, a method)
must be given as ``computed`` or the endpoint fails to start. tests/api/test_rows.py proves that the rows equal
the serializer's output field for field.

The fields are read once, without a request: a serializer that changes its fields per caller (the areas' names
and pseudonyms under 152-ФЗ, api/serializers_areas.py) must stay on DRF's own path.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings

# Fields whose to_representation of a value read from the database returns that value unchanged.
_AS_IS = (
    drf_fields.BooleanField,
    drf_fields.CharField,
    drf_fields.IntegerField,
    drf_fields.JSONField,
    relations.PrimaryKeyRelatedField,  # .values() of a foreign key is already its id
)

Computed = Callable[[dict], Any]


@dataclass(frozen=True)
class _Column:
    name: str
    path: str | None  # the .values() lookup; None for a computed column
    convert: Callable[[Any], Any] | None = None  # None: printed as read
    computed: Computed | None = None
    nested: "tuple[_Column, ...] | None" = None


class ValueRows:
    """The columns of ``serializer_class``'s output, read with ``.values()`` and shaped as its ``.data``.

    ``computed`` names the fields that are not columns of the model (a property such as ``failed_share``, a
    ``SerializerMethodField``): each a function of the row's raw values (the serializer's columns). A field
    given as ``None`` there is filled by the view, per page (see ``format``'s ``fill``).
    """

    def __init__(
        self,
        serializer_class: type[serializers.Serializer],
        *,
        computed: dict[str, Computed | None] | None = None,
    ):
        self.serializer_class = serializer_class
        self._computed = dict(computed or {})
        self._columns: tuple[_Column, ...] | None = None

    # Built on first use, not at import: a serializer's fields need the app registry.
    @property
    def columns(self) -> tuple[_Column, ...]:
        if self._columns is None:
            serializer = self.serializer_class()
            self._columns = self._compile(serializer, prefix="", computed=self._computed)
            unused = set(self._computed) - set(serializer.fields)
            if unused:
                raise ImproperlyConfigured(f"{self.serializer_class.__name__}: no fields {sorted(unused)}")
        return self._columns

    @property
    def paths(self) -> list[str]:
        """What ``.values()`` reads: ``pk`` (the cursor's position) and every column."""
        found = ["pk"]

        def walk(columns):
            for column in columns:
                if column.nested is not None:
                    walk(column.nested)
                elif column.path is not None and column.path not in found:
                    found.append(column.path)

        walk(self.columns)
        return found

    def _compile(self, serializer, *, prefix: str, computed: dict) -> tuple[_Column, ...]:
        model = serializer.Meta.model if hasattr(serializer, "Meta") else None
        columns = []
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            if not prefix and name in computed:
                columns.append(_Column(name=name, path=None, computed=computed[name]))
                continue
            if not field.source_attrs:  # source="*": the whole object
                raise ImproperlyConfigured(f"{name}: source='*' is not a column; give it as computed")
            path = prefix + "__".join(field.source_attrs)
            if isinstance(field, serializers.BaseSerializer):
                if isinstance(field, serializers.ListSerializer):
                    raise ImproperlyConfigured(f"{name}: a nested list is not a column; give it as computed")
                columns.append(
                    _Column(
                        name=name, path=None, nested=self._compile(field, prefix=path + "__", computed={})
                    )
                )
                continue
            if isinstance(field, serializers.SerializerMethodField) or not _is_column(
                model, field.source_attrs
            ):
                raise ImproperlyConfigured(
                    f"{type(serializer).__name__}.{name} is not a column of the model: give it as computed"
                )
            if _is_plain_datetime(field):
                convert = _LOCAL_ISO
            elif isinstance(field, _AS_IS):
                convert = None
            else:
                convert = field.to_representation
            columns.append(_Column(name=name, path=path, convert=convert))
        return tuple(columns)

    def queryset(self, queryset):
        return queryset.values(*self.paths)

    def format(self, values: list[dict], fill: dict[str, Computed] | None = None) -> list[dict]:
        """The page's rows as the serializer prints them; ``fill`` gives the view's per-page columns."""
        fill = fill or {}
        unfilled = {
            c.name for c in self.columns if c.path is None and c.nested is None and c.computed is None
        }
        if unfilled - fill.keys():
            raise ImproperlyConfigured(
                f"{self.serializer_class.__name__}: the view must fill {sorted(unfilled)}"
            )
        zone = timezone.get_current_timezone()
        return [_row(self.columns, value, fill, zone) for value in values]


def _row(columns, value: dict, fill: dict, zone) -> dict:
    row = {}
    for column in columns:
        if column.nested is not None:
            row[column.name] = _row(column.nested, value, fill, zone)
        elif column.path is None:
            row[column.name] = (fill.get(column.name) or column.computed)(value)
        else:
            raw = value[column.path]
            # As DRF's Serializer.to_representation: None is printed as null without asking the field.
            if raw is None or column.convert is None:
                row[column.name] = raw
            elif column.convert is _LOCAL_ISO and raw.tzinfo is not None:
                text = raw.astimezone(zone).isoformat()
                row[column.name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            else:
                row[column.name] = column.convert(raw)
    return row


def _LOCAL_ISO(value):  # noqa: N802 - a marker: DRF's DateTimeField with its defaults, done in _row
    return drf_fields.DateTimeField().to_representation(value)


def _is_plain_datetime(field) -> bool:
    """DRF's own DateTimeField printing ISO 8601 in the current time zone (what _row does without it: DRF
    spends more on finding the time zone for every value than on formatting it)."""
    return (
        type(field) is drf_fields.DateTimeField
        and not hasattr(field, "timezone")
        and settings.USE_TZ
        and (getattr(field, "format", api_settings.DATETIME_FORMAT) or "").lower() == ISO_8601
    )


def _is_column(model, source_attrs: list[str]) -> bool:
    """Is ``a.b.c`` a chain of foreign keys ending in a concrete field of ``model``?"""
    if model is None:
        return False
    for position, attr in enumerate(source_attrs):
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return attr == "pk" and position == len(source_attrs) - 1
        if field.many_to_many or field.one_to_many or not field.concrete:
            return False
        if position < len(source_attrs) - 1:
            if not field.is_relation:
                return False
            model = field.related_model
    return True
