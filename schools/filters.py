import django_filters
from django import forms

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

    class Meta:
        model = FlagDecision
        fields = ["municipality", "status"]
