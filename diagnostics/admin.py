from django.contrib import admin

from .models import (
    ActivityKind,
    Campaign,
    CompetenceBlock,
    DiagnosticResult,
    FormEvent,
    ProgressEntry,
    ProgressForm,
    Route,
    RouteLine,
    SpecificDeficit,
)


class CompetenceBlockInline(admin.TabularInline):
    model = CompetenceBlock
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "start_date", "end_date", "threshold_percent"]
    list_filter = ["municipality"]
    search_fields = ["name", "instrument"]
    filter_horizontal = ["schools"]
    inlines = [CompetenceBlockInline]


@admin.register(DiagnosticResult)
class DiagnosticResultAdmin(admin.ModelAdmin):
    list_display = ["teacher", "block", "score", "campaign"]
    list_select_related = ["teacher", "block", "campaign"]
    search_fields = ["teacher__last_name"]
    autocomplete_fields = ["teacher"]


@admin.register(SpecificDeficit)
class SpecificDeficitAdmin(admin.ModelAdmin):
    list_display = ["teacher", "text", "campaign"]
    autocomplete_fields = ["teacher"]


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]


class RouteLineInline(admin.TabularInline):
    model = RouteLine
    extra = 0
    autocomplete_fields = ["responsible"]


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["teacher", "school_year", "status", "campaign"]
    list_filter = ["status", "school_year"]
    search_fields = ["teacher__last_name"]
    autocomplete_fields = ["teacher"]
    inlines = [RouteLineInline]


class ProgressEntryInline(admin.TabularInline):
    model = ProgressEntry
    extra = 0
    raw_id_fields = ["line"]


class FormEventInline(admin.TabularInline):
    model = FormEvent
    extra = 0
    readonly_fields = ["action", "user", "comment", "at"]
    can_delete = False


@admin.register(ProgressForm)
class ProgressFormAdmin(admin.ModelAdmin):
    list_display = ["school", "year", "quarter", "status", "deadline", "late", "submitted_at"]
    list_filter = ["status", "year", "quarter", "late"]
    search_fields = ["school__name", "school__code"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ProgressEntryInline, FormEventInline]
