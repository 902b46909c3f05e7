"""Django admin of the head's КЭП: the trusted roots (a superuser uploads a CA certificate; the service checks it)
and the attached signatures (read only: they are written by report_attach_signature)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.policies import CHANGE, VIEW

from . import services_kep
from .models import ReportSignature, TrustedRoot
from .policies import trusted_root_policy


class TrustedRootAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label="Сертификат удостоверяющего центра",
        help_text="Файл .cer, .crt или .pem (DER или PEM), один сертификат.",
    )

    class Meta:
        model = TrustedRoot
        fields: list[str] = []

    def clean_upload(self):
        data = self.cleaned_data["upload"].read()
        try:
            services_kep.trusted_root_build(data)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return data


@admin.register(TrustedRoot)
class TrustedRootAdmin(admin.ModelAdmin):
    list_display = ["name", "serial", "not_before", "not_after", "is_gost", "added_by", "created_at"]
    list_filter = ["is_gost"]
    search_fields = ["name", "serial", "sha256"]
    readonly_fields = [
        "name",
        "serial",
        "sha256",
        "not_before",
        "not_after",
        "is_gost",
        "added_by",
        "created_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TrustedRootAdminForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["upload"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        root = services_kep.trusted_root_add(user=request.user, data=form.cleaned_data["upload"])
        obj.pk = root.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services_kep.trusted_root_remove(user=request.user, root=obj)

    def delete_queryset(self, request, queryset):
        for root in queryset:
            services_kep.trusted_root_remove(user=request.user, root=root)

    def has_view_permission(self, request, obj=None) -> bool:
        return trusted_root_policy().can(request.user, VIEW)

    def has_module_permission(self, request) -> bool:
        return trusted_root_policy().can(request.user, VIEW)

    def has_add_permission(self, request) -> bool:
        return trusted_root_policy().can(request.user, CHANGE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return trusted_root_policy().can(request.user, CHANGE)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a certificate is not edited: remove it and upload another


@admin.register(ReportSignature)
class ReportSignatureAdmin(admin.ModelAdmin):
    list_display = ["report", "owner_name", "serial", "issuer", "signed_at", "verified_at"]
    search_fields = ["owner_name", "serial", "public_id"]
    list_select_related = ["report"]
    exclude = ["certificate"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
