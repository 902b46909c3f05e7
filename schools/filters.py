import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from .criteria import MOVEMENT_LABELS
from .models import FlagDecision, FlagStatus, Municipality, School, SchoolType


def municipalities_for_request(request):
    """Municipality choices: only those the user reaches (the filter must not reveal the others' names)."""
    if request is None:
        return Municipality.objects.none()
    return Municipality.objects.visible_to(request.user).order_by("name")


def _yes_no_select(all_label: str, yes_label: str, no_label: str) -> forms.Select:
    # NullBooleanField reads "true"/"false"; the empty value means "do not filter".
    return forms.Select(choices=[("", all_label), ("true", yes_label), ("false", no_label)])


class SchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Поиск")
    municipality = django_filters.ModelChoiceFilter(
        queryset=municipalities_for_request, label="Муниципалитет", empty_label="Все муниципалитеты"
    )
    school_type = django_filters.ChoiceFilter(choices=SchoolType.choices, label="Тип", empty_label="Все типы")
    is_active = django_filters.BooleanFilter(
        label="Состояние", widget=_yes_no_select("Все", "Действующие", "Недействующие")
    )
    shnsu = django_filters.BooleanFilter(label="ШНСУ", widget=_yes_no_select("Все", "Да", "Нет"))

    class Meta:
        model = School
        fields = ["q", "municipality", "school_type", "is_active", "shnsu"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs.update(
            {"placeholder": "Код ОО, наименование, директор или адрес", "type": "search"}
        )

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class FlagDecisionFilter(django_filters.FilterSet):
    """Filters of the flags page; the year is chosen apart (it has a default: the latest list year)."""

    municipality = django_filters.ModelChoiceFilter(
        field_name="school__municipality",
        queryset=municipalities_for_request,
        label="Муниципалитет",
        empty_label="Все муниципалитеты",
    )
    status = django_filters.ChoiceFilter(
        choices=FlagStatus.choices, label="Статус", empty_label="Все статусы"
    )
    # Against the list of the year before (schools.criteria.movement): the dashboard's «вышли из перечня».
    movement = django_filters.ChoiceFilter(
        choices=[(key, MOVEMENT_LABELS[key]) for key in ("entered", "stayed", "left")],
        label="Движение в перечне",
        empty_label="Любое",
        method="filter_movement",
    )

    class Meta:
        model = FlagDecision
        fields = ["municipality", "status", "movement"]

    def filter_movement(self, queryset, name, value):
        was_shnor = Exists(
            FlagDecision.objects.filter(
                school_id=OuterRef("school_id"), list_year=OuterRef("list_year") - 1, status=FlagStatus.SHNOR
            )
        )
        if value == "left":
            return queryset.exclude(status=FlagStatus.SHNOR).filter(was_shnor)
        now_shnor = queryset.filter(status=FlagStatus.SHNOR)
        return now_shnor.filter(was_shnor) if value == "stayed" else now_shnor.exclude(was_shnor)
