"""The ВПР conversion scales' page: the list's filter and the form of one scale (#19 §3.4)."""

import django_filters
from django import forms

from .models import VprScale


class VprScaleFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="Год")
    subject = django_filters.CharFilter(label="Предмет", lookup_expr="icontains")
    grade = django_filters.NumberFilter(label="Класс")

    class Meta:
        model = VprScale
        fields = ["year", "subject", "grade"]


class VprScaleForm(forms.Form):
    """The fields' own bounds (the model's validators); whether the bounds make a scale is the service's
    (schools.results_import.layouts.vpr_protocol.scale_problem, as in the import)."""

    year = forms.IntegerField(label="Год", min_value=2015, max_value=2100)
    subject = forms.CharField(label="Предмет", max_length=255)
    grade = forms.IntegerField(label="Класс", min_value=1, max_value=11)
    three_from = forms.IntegerField(label="«3» от (первичный балл)", min_value=1, max_value=1000)
    four_from = forms.IntegerField(label="«4» от", min_value=1, max_value=1000)
    five_from = forms.IntegerField(label="«5» от", min_value=1, max_value=1000)
    max_score = forms.IntegerField(label="Максимальный первичный балл", min_value=1, max_value=1000)
    source = forms.CharField(
        label="Источник",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Документ ФИОКО (название, год, таблица), откуда взята шкала.",
    )
