from django.contrib import admin

from .models import LogEntry, MentorAssignment, Order, Partnership, PlanItem, TutorAssignment


class MentorAssignmentInline(admin.TabularInline):
    model = MentorAssignment
    fk_name = "order"
    extra = 0
    autocomplete_fields = ["school", "mentor_user", "mentor_school"]
    readonly_fields = ["ended_by"]


class TutorAssignmentInline(admin.TabularInline):
    model = TutorAssignment
    extra = 0
    autocomplete_fields = ["teacher", "tutor"]
    readonly_fields = ["ended_by"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "date", "municipality", "title"]
    list_filter = ["municipality"]
    search_fields = ["number", "title"]
    date_hierarchy = "date"
    inlines = [MentorAssignmentInline, TutorAssignmentInline]
    readonly_fields = ["created_by", "created_at", "updated_at"]


@admin.register(MentorAssignment)
class MentorAssignmentAdmin(admin.ModelAdmin):
    list_display = ["school", "mentor_user", "mentor_school", "order", "start_date", "end_date"]
    list_filter = ["school__municipality"]
    list_select_related = ["school", "mentor_user", "mentor_school", "order"]
    search_fields = ["school__name", "school__code", "mentor_user__last_name", "mentor_school__name"]
    autocomplete_fields = ["order", "school", "mentor_user", "mentor_school"]
    readonly_fields = ["ended_by", "created_at", "updated_at"]


@admin.register(TutorAssignment)
class TutorAssignmentAdmin(admin.ModelAdmin):
    list_display = ["teacher", "subject", "tutor", "order", "start_date", "end_date"]
    list_select_related = ["teacher", "subject", "tutor", "order"]
    search_fields = ["teacher__last_name", "tutor__last_name"]
    autocomplete_fields = ["order", "teacher", "tutor"]
    readonly_fields = ["ended_by", "created_at", "updated_at"]


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["school", "kind", "first_year", "last_year", "agreement_number", "agreement_date"]
    list_filter = ["kind", "school__municipality"]
    search_fields = ["school__name", "school__code", "agreement_number"]
    autocomplete_fields = ["school", "partners", "order"]
    inlines = [PlanItemInline]


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "school", "kind", "topic", "author"]
    list_filter = ["kind", "school__municipality"]
    list_select_related = ["school", "author"]
    search_fields = ["topic", "school__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["school", "author", "teachers"]
