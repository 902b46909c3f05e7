from django import forms
from django.utils import timezone

from schools.models import School

from .models import ReportKind

# A verification upload larger than this is refused: a справка of a region is a few MB.
VERIFY_MAX_BYTES = 50 * 1024 * 1024


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Отчёт", choices=ReportKind.choices, initial=ReportKind.TERRITORY)
    territory = forms.ChoiceField(
        label="Территория", help_text="Муниципалитет или весь регион (для справки по территории)."
    )
    school = forms.ModelChoiceField(
        label="Школа (для профиля школы)", queryset=School.objects.none(), required=False
    )
    year = forms.IntegerField(label="Год перечня", min_value=2015, max_value=2100)
    recommendations = forms.CharField(
        label="Рекомендации",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Раздел «Рекомендации» справки. Абзацы разделяйте пустой строкой.",
    )

    def __init__(self, *args, regions, municipalities, schools, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"m{m.pk}", m.name) for m in municipalities]
        choices += [(f"r{r.pk}", f"{r.name} — весь регион") for r in regions]
        self.fields["territory"].choices = choices
        self.fields["school"].queryset = schools
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        if data.get("kind") == ReportKind.SCHOOL and not data.get("school"):
            self.add_error("school", "Выберите школу для профиля.")
        return data

    def territory_ids(self) -> dict:
        value = self.cleaned_data["territory"]
        if self.cleaned_data["kind"] == ReportKind.SCHOOL:
            return {"school_id": self.cleaned_data["school"].pk}
        pk = int(value[1:])
        return {"municipality_id": pk} if value.startswith("m") else {"region_id": pk}


class RecommendationsForm(forms.Form):
    recommendations = forms.CharField(
        label="Рекомендации", required=False, widget=forms.Textarea(attrs={"rows": 10})
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(label="Что исправить", widget=forms.Textarea(attrs={"rows": 4}))


class VerifyForm(forms.Form):
    file = forms.FileField(label="Файл PDF")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_MAX_BYTES:
            raise forms.ValidationError("Файл больше 50 МБ: это не похоже на отчёт портала.")
        return upload
