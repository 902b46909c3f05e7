from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from .identity import identifier_key
from .models import Municipality, ProfessionalCourse, Region, School, SchoolIdentifier, Teacher, VprScale


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "department_name"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["name", "department_name"]
    autocomplete_fields = ["region"]


class SchoolIdentifierFormSet(BaseInlineFormSet):
    """Two rows of one school's page with the same kind and key: ``SchoolIdentifier.clean`` sees only the saved
    rows, so two new ones met only on the constraint (a server error). Said on the second row here."""

    def clean(self) -> None:
        super().clean()
        seen: dict[tuple[str, str], str] = {}
        for form in self.forms:
            if not form.is_valid() or not form.has_changed() or self._should_delete_form(form):
                continue
            kind, value = form.cleaned_data.get("kind"), form.cleaned_data.get("value") or ""
            key = identifier_key(kind, value) if kind else ""
            if not key:
                continue
            if (kind, key) in seen:
                form.add_error("value", f"Этот идентификатор уже указан выше: «{seen[(kind, key)]}».")
                raise ValidationError("Один идентификатор указан дважды.")
            seen[(kind, key)] = value


class SchoolIdentifierInline(admin.TabularInline):
    """A school's identifiers (ФИС ОКО logins, ИНН, РЦОИ codes, names seen in files), edited on its page."""

    model = SchoolIdentifier
    formset = SchoolIdentifierFormSet
    extra = 0
    fields = ["kind", "value", "key", "source", "created_by", "created_at"]
    readonly_fields = ["key", "created_by", "created_at"]


@admin.register(SchoolIdentifier)
class SchoolIdentifierAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "school", "source", "created_by", "created_at"]
    list_filter = ["kind", "region"]
    list_select_related = ["school", "created_by"]
    search_fields = ["value", "key", "school__code", "school__name"]
    autocomplete_fields = ["school"]
    readonly_fields = ["key", "region", "created_by", "created_at"]
    fields = ["school", "kind", "value", "key", "source", "region", "created_by", "created_at"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "display_name", "municipality", "school_type", "director", "shnsu", "is_active"]
    list_display_links = ["code", "display_name"]
    list_filter = ["is_active", "shnsu", "school_type", "is_rural", "municipality__region", "municipality"]
    list_select_related = ["municipality"]
    search_fields = ["code", "name", "short_name", "director", "address"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [SchoolIdentifierInline]  # noqa: RUF012
    fieldsets = (
        (None, {"fields": ("municipality", "code", "name", "short_name", "school_type", "is_active")}),
        ("Контакты", {"fields": ("director", "address", "phone", "email", "website")}),
        (
            "Контекст: сложные социальные условия (ШНСУ)",
            {
                "fields": (
                    "shnsu",
                    "shnsu_reason",
                    "low_income_share",
                    "ovz_share",
                    "non_native_russian_share",
                    "is_rural",
                )
            },
        ),
        ("Служебное", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="наименование", ordering="name")
    def display_name(self, obj: School) -> str:
        return obj.display_name


class ProfessionalCourseInline(admin.TabularInline):
    model = ProfessionalCourse
    extra = 0


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "middle_name", "school", "position", "category", "is_active"]
    list_filter = ["is_active", "category", "school__municipality"]
    list_select_related = ["school"]
    search_fields = ["last_name", "first_name", "middle_name", "school__code", "school__name"]
    autocomplete_fields = ["school"]
    filter_horizontal = ["subjects"]
    inlines = [ProfessionalCourseInline]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(VprScale)
class VprScaleAdmin(admin.ModelAdmin):
    """ВПР conversion scales (reference data): region methodologists load them as the «vpr_scales» import."""

    list_display = ["year", "subject", "grade", "three_from", "four_from", "five_from", "max_score"]
    list_filter = ["year", "grade"]
    search_fields = ["subject", "source"]
    fields = ["year", "subject", "grade", "three_from", "four_from", "five_from", "max_score", "source"]
