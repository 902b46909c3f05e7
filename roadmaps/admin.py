from django.contrib import admin

from .models import Event, ItemEvidence, RiskEntry, RiskFactor, RiskProfile, Roadmap, RoadmapItem


class RoadmapItemInline(admin.TabularInline):
    model = RoadmapItem
    extra = 0
    fields = ["number", "activity", "start_date", "end_date", "all_year", "status"]


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "school", "period_start", "period_end", "order_number"]
    list_filter = ["municipality"]
    search_fields = ["title"]
    autocomplete_fields = ["school"]
    inlines = [RoadmapItemInline]


class ItemEvidenceInline(admin.TabularInline):
    model = ItemEvidence
    extra = 0


@admin.register(RoadmapItem)
class RoadmapItemAdmin(admin.ModelAdmin):
    list_display = ["number", "activity", "roadmap", "status", "end_date"]
    list_filter = ["status"]
    search_fields = ["activity", "responsible_text"]
    filter_horizontal = ["responsible_users"]
    inlines = [ItemEvidenceInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["topic", "kind", "level", "start_date", "municipality"]
    list_filter = ["kind", "level", "municipality"]
    search_fields = ["topic", "organiser"]
    filter_horizontal = ["schools"]
    autocomplete_fields = ["teachers"]


@admin.register(RiskFactor)
class RiskFactorAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]


class RiskEntryInline(admin.TabularInline):
    model = RiskEntry
    extra = 0


@admin.register(RiskProfile)
class RiskProfileAdmin(admin.ModelAdmin):
    list_display = ["school", "year"]
    list_filter = ["year"]
    search_fields = ["school__name", "school__code"]
    inlines = [RiskEntryInline]
