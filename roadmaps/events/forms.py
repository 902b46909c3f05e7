"""Forms of the events pages. Querysets come from the views (already behind the gate)."""

from django import forms

from schools.models import School, Teacher

from ..models import EventKind, EventLevel

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SchoolMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, school: School) -> str:
        return f"{school.display_name} ({school.municipality.name})"


class TeacherMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, teacher: Teacher) -> str:
        return f"{teacher.full_name} — {teacher.school.display_name}"


class RoadmapItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item) -> str:
        return f"{item.roadmap.title}: {item.number}. {item.activity[:100]}"


class EventForm(forms.Form):
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None, empty_label=None)
    kind = forms.ChoiceField(label="Вид", choices=EventKind.choices)
    level = forms.ChoiceField(label="Уровень", choices=EventLevel.choices)
    start_date = forms.DateField(label="Начало", widget=DATE_WIDGET)
    end_date = forms.DateField(
        label="Окончание", widget=DATE_WIDGET, required=False, help_text="Пусто — однодневное мероприятие."
    )
    topic = forms.CharField(label="Тема", max_length=500)
    organiser = forms.CharField(
        label="Организатор",
        max_length=500,
        help_text="Например: «ГБУ ДПО РО РИПК и ППРО» или «Отдел образования, РМО учителей математики».",
    )
    schools = SchoolMultipleChoiceField(
        label="Школы-участницы",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Несколько школ — с клавишей Ctrl (⌘ на Mac).",
    )
    teachers = TeacherMultipleChoiceField(
        label="Педагоги-участники",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Список — педагоги выбранных школ. Выбрали другие школы — нажмите «Обновить список "
        "педагогов».",
    )
    participants_count = forms.IntegerField(
        label="Число педагогов-участников",
        min_value=0,
        required=False,
        help_text="Только если поимённо участники неизвестны; иначе выберите педагогов выше.",
    )
    materials = forms.CharField(
        label="Материалы (ссылки, описание)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    roadmap_item = RoadmapItemChoiceField(
        label="Пункт дорожной карты", queryset=None, required=False, empty_label="—"
    )

    def __init__(self, *args, municipalities, schools, teachers, roadmap_items, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if editing:
            del self.fields["municipality"]  # an event stays with the municipality that recorded it
        elif municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first().pk
            self.fields["municipality"].widget = forms.HiddenInput()
        self.fields["schools"].queryset = schools
        self.fields["teachers"].queryset = teachers
        self.fields["roadmap_item"].queryset = roadmap_items

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date") and not cleaned.get("end_date") and "end_date" not in self.errors:
            cleaned["end_date"] = cleaned["start_date"]
        return cleaned
