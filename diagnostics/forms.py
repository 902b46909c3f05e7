from django import forms

from .models import ActivityKind, LineStatus
from .progress import Quarter


class RouteCreateForm(forms.Form):
    campaign = forms.ModelChoiceField(label="По результатам диагностики", queryset=None, empty_label=None)
    school_year = forms.TypedChoiceField(label="Учебный год", coerce=int)

    def __init__(self, *args, campaigns, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["school_year"].choices = [(y, f"{y}/{(y + 1) % 100:02d}") for y in years]


class RouteLineForm(forms.Form):
    deficit = forms.CharField(label="Дефицит", max_length=500)
    task = forms.CharField(label="Задача", max_length=500)
    activity = forms.ModelChoiceField(
        label="Мероприятие", queryset=ActivityKind.objects.filter(is_active=True)
    )
    form = forms.CharField(label="Форма", max_length=255, required=False)
    due = forms.ChoiceField(label="Срок (квартал)")
    responsible = forms.ModelChoiceField(label="Ответственный (тьютор)", queryset=None, required=False)
    expected_result = forms.CharField(label="Ожидаемый результат", max_length=500, required=False)
    reporting_form = forms.CharField(label="Форма отчётности", max_length=255, required=False)

    def __init__(self, *args, quarters: list[Quarter], people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due"].choices = [(f"{q.year}-{q.number}", q.label) for q in quarters]
        self.fields["responsible"].queryset = people
        self.fields["responsible"].label_from_instance = lambda u: u.full_name or u.username

    def clean_due(self) -> Quarter:
        year, number = self.cleaned_data["due"].split("-")
        return Quarter(int(year), int(number))


class EntryForm(forms.Form):
    """One line of a quarterly form as the school fills it."""

    status = forms.ChoiceField(label="Статус", choices=LineStatus.choices)
    # Four lines: a comment is a sentence or two about what was done, and a reason for a postponement.
    comment = forms.CharField(
        label="Комментарий", required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    evidence = forms.FileField(label="Документ (PDF, DOCX, XLSX, JPG, PNG; до 10 МБ)", required=False)
    evidence_link = forms.URLField(label="или ссылка", required=False, assume_scheme="https")
    remove_evidence = forms.BooleanField(label="удалить документ", required=False)


class FormSaveForm(forms.Form):
    """The hidden fields of a quarterly form's page: the version it was read at and, on «Отправить без
    подтверждения», the entries «выполнено» without a document or a link that the school sends knowingly."""

    version = forms.IntegerField(min_value=0)
    # Entry ids; «n<line id>» for a line the page showed before its entry existed (diagnostics.views_forms).
    unconfirmed_ok = forms.RegexField(regex=r"^n?\d+(,n?\d+)*$", required=False)

    def clean_unconfirmed_ok(self) -> list[int | str]:
        value = self.cleaned_data["unconfirmed_ok"]
        return [part if part.startswith("n") else int(part) for part in value.split(",")] if value else []


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Замечания", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class RouteApproveForm(forms.Form):
    """Approving an ИОМ, after the page showed what will be fixed (issue #20 §3; the справка's signing asks the same
    way, reports.forms.SealForm): checked on the server, not only in the browser."""

    confirm = forms.BooleanField(
        label="Я проверил(а) строки ИОМ и утверждаю его",
        error_messages={
            "required": "Отметьте, что вы проверили ИОМ: после утверждения его строки попадут в квартальные "
            "формы школы."
        },
    )
