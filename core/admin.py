from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm

from .models import AuthEvent, ImportBatch, RoleAssignment, User, WorkerHeartbeat
from .snils import snils_normalise


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the system (audit, heartbeats): viewable, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ["role", "region", "municipality", "school"]
    autocomplete_fields = ["region", "municipality", "school"]


class UserAdminForm(UserChangeForm):
    # Typed with its separators («112-233-445 95»), stored as 11 digits; the model checks the check number.
    snils = forms.CharField(
        label="СНИЛС",
        max_length=20,
        required=False,
        help_text="11 цифр, например 112-233-445 95. По нему портал узнаёт владельца квалифицированной "
        "электронной подписи (КЭП) руководителя.",
    )

    def clean_snils(self) -> str:
        return snils_normalise(self.cleaned_data.get("snils", ""))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Личные данные",
            {"fields": ("last_name", "first_name", "middle_name", "position", "snils", "email", "phone")},
        ),
        ("Права", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Даты", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (
            "Личные данные",
            {"fields": ("last_name", "first_name", "middle_name", "position", "email", "phone")},
        ),
    )
    list_display = ["username", "full_name", "position", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "role_assignments__role"]
    search_fields = ["username", "last_name", "first_name", "middle_name", "email"]
    ordering = ["last_name", "first_name", "username"]
    inlines = [RoleAssignmentInline]

    @admin.display(description="ФИО")
    def full_name(self, obj: User) -> str:
        return obj.full_name


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "municipality", "school", "created_at"]
    list_filter = ["role", "region", "municipality"]
    list_select_related = ["user", "region", "municipality", "school"]
    search_fields = [
        "user__username",
        "user__last_name",
        "user__first_name",
        "school__code",
        "municipality__name",
    ]
    autocomplete_fields = ["user", "region", "municipality", "school"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "status", "region", "uploaded_by", "total_rows", "created_at"]
    list_filter = ["kind", "status", "source", "region"]
    list_select_related = ["region", "uploaded_by"]
    search_fields = ["original_name", "uploaded_by__username", "uploaded_by__last_name"]
    date_hierarchy = "created_at"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker", "queue", "seen_at"]
    ordering = ["-seen_at"]


# The change history (core/history.py) is deliberately not registered: it is read on the audit page and
# nobody edits it, here or anywhere.
@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "user", "ip"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["username", "ip"]
    date_hierarchy = "at"
