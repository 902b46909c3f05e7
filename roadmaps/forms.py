from django import forms

from .models import ItemStatus, ResultKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoadmapForm(forms.Form):
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None, empty_label=None)
    school = forms.ModelChoiceField(
        label="Школа", queryset=None, required=False, empty_label="— дорожная карта муниципалитета —"
    )
    title = forms.CharField(label="Название", max_length=500)
    period_start = forms.DateField(label="Период: с", widget=DATE)
    period_end = forms.DateField(label="Период: по", widget=DATE)
    order_number = forms.CharField(label="Номер приказа", max_length=64, required=False)
    order_date = forms.DateField(label="Дата приказа", widget=DATE, required=False)

    def __init__(self, *args, municipalities, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["school"].queryset = schools
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
            self.fields["municipality"].widget = forms.HiddenInput()


class ItemForm(forms.Form):
    number = forms.CharField(label="№", max_length=16)
    activity = forms.CharField(label="Мероприятие", widget=forms.Textarea(attrs={"rows": 3}))
    start_date = forms.DateField(label="Начало", widget=DATE, required=False)
    end_date = forms.DateField(label="Окончание", widget=DATE, required=False)
    all_year = forms.BooleanField(label="В течение года", required=False)
    responsible_text = forms.CharField(
        label="Ответственные (организации, должности)", max_length=500, required=False
    )
    responsible_users = forms.ModelMultipleChoiceField(
        label="Ответственные пользователи",
        queryset=None,
        required=False,
        help_text="Эти люди увидят пункт на своей главной странице и смогут отметить выполнение.",
    )
    result_kind = forms.ChoiceField(label="Ожидаемый результат (документ)", choices=ResultKind.choices)
    expected_result = forms.CharField(label="Ожидаемый результат", max_length=500, required=False)
    target_indicator = forms.CharField(label="Целевой показатель", max_length=255, required=False)
    note = forms.CharField(label="Примечание", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_users"].queryset = people
        self.fields["responsible_users"].label_from_instance = lambda u: u.full_name or u.username


class MoveForm(forms.Form):
    status = forms.ChoiceField(label="Статус", choices=ItemStatus.choices)
    reason = forms.CharField(label="Причина (для переноса и отмены)", max_length=500, required=False)


class EvidenceForm(forms.Form):
    name = forms.CharField(
        label="Документ", max_length=255, required=False, help_text="Например: «Приказ № 45»"
    )
    upload = forms.FileField(label="Файл (PDF, DOCX, XLSX, JPG, PNG; до 10 МБ)", required=False)
    link = forms.URLField(label="или ссылка", required=False, assume_scheme="https")
