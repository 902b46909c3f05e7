from django import forms

from .models import FlagRule, School

SHARE_FIELDS = ("low_income_share", "ovz_share", "non_native_russian_share")


class SchoolForm(forms.ModelForm):
    """Contacts and the ШНСУ context of a school.

    The registry fields (code, name, municipality) come from imports and are not edited here.
    """

    # A site typed without a scheme gets https:// (Django 6's default; 5.2 warns unless told).
    website = School._meta.get_field("website").formfield(assume_scheme="https")

    class Meta:
        model = School
        fields = [
            "short_name",
            "school_type",
            "address",
            "director",
            "phone",
            "email",
            "website",
            "is_active",
            "shnsu",
            "shnsu_reason",
            *SHARE_FIELDS,
            "is_rural",
        ]
        # Accept "12,5" as typed in Russian as well as "12.5", and show the stored value the Russian way.
        localized_fields = SHARE_FIELDS
        widgets = {
            "shnsu_reason": forms.Textarea(attrs={"rows": 3}),
            **{name: forms.TextInput(attrs={"inputmode": "decimal"}) for name in SHARE_FIELDS},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_rural"].widget.choices = [("unknown", "Не указано"), ("true", "Да"), ("false", "Нет")]
        self.fields["school_type"].choices = [("", "Не указан"), *self.fields["school_type"].choices[1:]]

    def clean(self):
        cleaned = super().clean()
        # The model's check constraint says the same, but only as a form-wide error; put it on the field.
        if cleaned.get("shnsu") and not (cleaned.get("shnsu_reason") or "").strip():
            self.add_error("shnsu_reason", "Для ШНСУ укажите основание отнесения к ШНСУ.")
        return cleaned


# --- ШНОР: approved lists and the rule ------------------------------------------------------------------

YEAR_MIN, YEAR_MAX = 2000, 2100  # the model's bounds for a procedure year


class ApprovedListForm(forms.Form):
    """The order that approves a municipality's ШНОР list; the service checks the rest."""

    municipality = forms.ModelChoiceField(
        queryset=None, label="Муниципалитет", empty_label="Выберите муниципалитет"
    )
    list_year = forms.IntegerField(
        label="Год перечня",
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        help_text="Перечень составляется из расчётных статусов этого года.",
    )
    order_number = forms.CharField(label="Номер приказа", max_length=64)
    order_date = forms.DateField(label="Дата приказа", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="Примечание", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        # <input type="date"> sends and shows ISO dates whatever the page's language.
        self.fields["order_date"].widget.format = "%Y-%m-%d"

    # The second step (issue #20 §3): the page shows what will be fixed, then the methodologist ticks the box. ``seen``
    # is the summary the page showed (``summary_key``): a list whose data changed after it is shown again.
    confirm = forms.BooleanField(
        label="Я проверил(а) перечень и реквизиты приказа и утверждаю перечень", required=False
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    CONFIRM_REQUIRED = (
        "Отметьте, что вы проверили перечень и приказ: реквизиты приказа после утверждения не меняются."
    )
    CHANGED = "Данные перечня изменились после проверки: посмотрите, что будет зафиксировано, и подтвердите ещё раз."

    def clean_order_number(self):
        number = self.cleaned_data["order_number"].strip()
        if not number:
            raise forms.ValidationError("Укажите номер приказа.")
        return number

    @staticmethod
    def summary_key(data: dict) -> str:
        """The data the summary shows, as one string: the municipality, the year, the order's number and date."""
        return f"{data['municipality'].pk}|{data['list_year']}|{data['order_number']}|{data['order_date']:%Y-%m-%d}"


class InclusionForm(forms.Form):
    """One school's place in an approved list, set by hand."""

    included = forms.TypedChoiceField(
        choices=[("1", "включить"), ("0", "исключить")], coerce=lambda value: value == "1"
    )
    reason = forms.CharField(label="Основание", required=False, max_length=2000)


class FlagRuleForm(forms.Form):
    """The parameters of the region's ШНОР rule (see schools/criteria.py)."""

    threshold = forms.IntegerField(
        label="Порог низкого результата, %",
        min_value=1,
        max_value=100,
        help_text="Результат низкий, если доля получивших «2» (не преодолевших минимум) не меньше порога: "
        "при пороге 30 % результат 30,0 % — низкий.",
    )
    low_procedures = forms.IntegerField(
        label="Критерий 1: низких процедур в предыдущем году, не менее",
        min_value=1,
        max_value=100,
    )
    consecutive_years = forms.IntegerField(
        label="Критерий 2: лет подряд с низкими результатами",
        min_value=1,
        max_value=10,
    )
    criterion2 = forms.ChoiceField(
        label="Критерий 2 требует", choices=FlagRule.Criterion2Mode.choices, widget=forms.RadioSelect
    )
    kinds = forms.MultipleChoiceField(
        label="Учитываемые виды процедур",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Если не отмечен ни один вид, учитываются все.",
    )
    min_participants = forms.IntegerField(
        label="Минимум участников для учёта результата",
        min_value=1,
        max_value=10000,
    )
    combine = forms.ChoiceField(
        label="Сочетание критериев",
        choices=FlagRule.Combine.choices,
        widget=forms.RadioSelect,
        help_text="«Достаточно одного» — формулировка программы (002_…). При «оба» школа с одним выполненным "
        "критерием не входит в перечень, но критерий виден в выгрузке; «зона риска» не меняется.",
    )

    def __init__(self, *args, kind_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kind_choices


# --- teachers ---------------------------------------------------------------------------------------------


class TeacherForm(forms.Form):
    last_name = forms.CharField(label="Фамилия", max_length=150)
    first_name = forms.CharField(label="Имя", max_length=150)
    middle_name = forms.CharField(label="Отчество", max_length=150, required=False)
    position = forms.CharField(label="Должность", max_length=255, initial="учитель")
    subjects = forms.ModelMultipleChoiceField(
        label="Предметы",
        queryset=None,
        required=False,
        help_text="Удерживайте Ctrl, чтобы выбрать несколько. Нет нужного предмета — впишите ниже.",
    )
    new_subjects = forms.CharField(
        label="Другие предметы",
        required=False,
        max_length=500,
        help_text="Через запятую, например: «Астрономия».",
    )
    category = forms.ChoiceField(label="Квалификационная категория")
    experience_years = forms.IntegerField(
        label="Педагогический стаж, лет", required=False, min_value=0, max_value=70
    )
    is_active = forms.BooleanField(label="Работает в школе", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        from .models import QualificationCategory, Subject

        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = Subject.objects.order_by("name")
        self.fields["category"].choices = QualificationCategory.choices

    def clean_new_subjects(self) -> list[str]:
        return [
            name.strip()
            for name in self.cleaned_data["new_subjects"].replace(";", ",").split(",")
            if name.strip()
        ]


class CourseForm(forms.Form):
    title = forms.CharField(label="Тема курса", max_length=500)
    provider = forms.CharField(label="Организация", max_length=500)
    hours = forms.IntegerField(label="Часов", min_value=1, max_value=2000)
    start_date = forms.DateField(
        label="Начало", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label="Окончание", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    certificate = forms.CharField(label="Удостоверение (номер)", max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("start_date")
            and cleaned.get("end_date")
            and cleaned["end_date"] < cleaned["start_date"]
        ):
            self.add_error("end_date", "Дата окончания курса раньше даты начала.")
        return cleaned
