from django import forms
from django.forms import formset_factory

from schools.models import School, Subject, Teacher
from schools.school_years import school_year_label

from .models import LogEntry, LogKind, PartnershipKind, PlanStatus

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE_WIDGET, help_text=help_text)


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, school: School) -> str:
        return f"{school.display_name} ({school.code})"


class TeacherChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, teacher: Teacher) -> str:
        return f"{teacher.full_name} — {teacher.school.display_name}"


class TeacherMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, teacher: Teacher) -> str:
        return f"{teacher.full_name} — {teacher.school.display_name}"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person) -> str:
        name = person.full_name or person.username
        return f"{name}, {person.position}" if person.position else name


class OrderForm(forms.Form):
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None, empty_label=None)
    number = forms.CharField(label="Номер приказа", max_length=64)
    date = _date_field("Дата приказа")
    title = forms.CharField(
        label="Заголовок",
        max_length=500,
        required=False,
        help_text="Например: «О закреплении наставников за школами с низкими образовательными результатами».",
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
            self.fields["municipality"].widget = forms.HiddenInput()


class MentorLineForm(forms.Form):
    """One line of an order: a mentor for a school. A line left empty is skipped."""

    school = SchoolChoiceField(label="Школа", queryset=None, required=False)
    mentor_user = PersonChoiceField(label="Наставник (педагог)", queryset=None, required=False)
    mentor_school = SchoolChoiceField(label="или школа-наставник", queryset=None, required=False)
    start_date = _date_field("С", required=False)
    end_date = _date_field("По", required=False)

    def __init__(self, *args, schools, people, mentor_schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["mentor_user"].queryset = people
        self.fields["mentor_school"].queryset = mentor_schools

    def clean(self):
        cleaned = super().clean()
        if not self.has_changed() or not any(
            cleaned.get(n) for n in ("school", "mentor_user", "mentor_school")
        ):
            return cleaned
        if not cleaned.get("school"):
            self.add_error("school", "Укажите школу.")
        if not cleaned.get("start_date"):
            self.add_error("start_date", "Укажите дату начала.")
        if not cleaned.get("mentor_user") and not cleaned.get("mentor_school"):
            self.add_error("mentor_user", "Укажите наставника или школу-наставника.")
        if cleaned.get("mentor_user") and cleaned.get("mentor_school"):
            self.add_error("mentor_school", "Укажите что-то одно: педагога или школу-наставника.")
        return cleaned

    @property
    def is_line(self) -> bool:
        return bool(self.cleaned_data.get("school"))


class TutorLineForm(forms.Form):
    teacher = TeacherChoiceField(label="Педагог", queryset=None, required=False)
    subject = forms.ModelChoiceField(label="Предмет", queryset=Subject.objects.all(), required=False)
    tutor = PersonChoiceField(label="Тьютор", queryset=None, required=False)
    start_date = _date_field("С", required=False)
    end_date = _date_field("По", required=False)

    def __init__(self, *args, teachers, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers
        self.fields["tutor"].queryset = people

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(n) for n in ("teacher", "subject", "tutor")):
            return cleaned
        for name, message in (
            ("teacher", "Укажите педагога."),
            ("subject", "Укажите предмет."),
            ("tutor", "Укажите тьютора."),
            ("start_date", "Укажите дату начала."),
        ):
            if not cleaned.get(name):
                self.add_error(name, message)
        return cleaned

    @property
    def is_line(self) -> bool:
        return bool(self.cleaned_data.get("teacher"))


# Without JavaScript the page offers a fixed number of empty lines; an order rarely names more than a
# dozen schools at once, and "add lines" on the order's page continues a longer one.
MentorLineFormSet = formset_factory(MentorLineForm, extra=6)
TutorLineFormSet = formset_factory(TutorLineForm, extra=6)


class EndAssignmentForm(forms.Form):
    end_date = _date_field("Дата окончания")
    note = forms.CharField(
        label="Основание",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Например: «приказ № 45 от 01.06.2027», «увольнение наставника».",
    )


class PartnershipForm(forms.Form):
    school = SchoolChoiceField(label="Школа (ШНОР)", queryset=None)
    partners = forms.ModelMultipleChoiceField(
        label="Школы-партнёры", queryset=None, help_text="Школы со стабильно высокими результатами."
    )
    kind = forms.ChoiceField(label="Тип партнёрства", choices=PartnershipKind.choices)
    agreement_number = forms.CharField(label="Номер соглашения", max_length=64)
    agreement_date = _date_field("Дата соглашения")
    first_year = forms.TypedChoiceField(label="С учебного года", coerce=int)
    last_year = forms.TypedChoiceField(label="По учебный год", coerce=int)
    goal = forms.CharField(
        label="Цель и направления работы", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, schools, partners, current_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["partners"].queryset = partners
        self.fields["partners"].label_from_instance = lambda s: f"{s.display_name} ({s.code})"
        years = [(y, school_year_label(y)) for y in range(current_year - 2, current_year + 4)]
        self.fields["first_year"].choices = years
        self.fields["last_year"].choices = years
        self.fields["first_year"].initial = current_year
        self.fields["last_year"].initial = current_year


class PlanItemForm(forms.Form):
    title = forms.CharField(label="Мероприятие", max_length=500)
    due_date = _date_field("Срок")
    responsible = forms.CharField(label="Ответственные", max_length=500, required=False)


class PlanMoveForm(forms.Form):
    status = forms.ChoiceField(label="Статус", choices=PlanStatus.choices)
    note = forms.CharField(label="Примечание", required=False, max_length=2000)


class LogEntryForm(forms.ModelForm):
    school = SchoolChoiceField(label="Школа", queryset=None)
    teachers = TeacherMultipleChoiceField(
        label="Педагоги-участники",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Отмечайте педагогов выбранной школы.",
    )
    date = _date_field("Дата")

    class Meta:
        model = LogEntry
        fields = ["school", "date", "kind", "topic", "teachers", "outcome", "recommendations"]
        widgets = {
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "recommendations": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, schools, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["teachers"].queryset = teachers
        self.fields["kind"].choices = LogKind.choices
        if self.instance.pk:
            self.fields["school"].disabled = True
