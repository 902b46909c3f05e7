from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from .models import ApiCallLog, ClientKey


@admin.register(ClientKey)
class ClientKeyAdmin(APIKeyModelAdmin):
    """The key is shown once, on creation (djangorestframework-api-key); only its hash is stored."""

    list_display = [*APIKeyModelAdmin.list_display, "region", "personal_data", "results_write"]
    list_filter = [*APIKeyModelAdmin.list_filter, "region"]
    filter_horizontal = ["municipalities"]

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ApiCallLog)
class ApiCallLogAdmin(admin.ModelAdmin):
    list_display = ["at", "key", "user", "method", "endpoint", "status", "rows", "duration_ms"]
    list_filter = ["status", "method"]
    readonly_fields = [f.name for f in ApiCallLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
