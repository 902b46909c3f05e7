"""Forms of the diagnostics pages: a new campaign with its blocks, a teacher's scores, a specific deficit,
the choice of two campaigns to compare."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from . import deficits as deficit_rules
from .models import DEFAULT_BLOCKS, CompetenceBlock
from .selectors_campaigns import score_text

MAX_BLOCK_SCORE = Decimal(
    "9999.99"
)  # CompetenceBlock.max_score and DiagnosticResult.score: 6 digits, 2 decimals
EXTRA_BLOCKS = 2
# Row n of the blocks' formset is stored with this code: the six defaults, then the municipality's own.
BLOCK_CODES = [code for code, _name in DEFAULT_BLOCKS] + [f"extra{n}" for n in range(1, EXTRA_BLOCKS + 1)]
_SPACES = re.compile(r"[\s\u00a0]+")

# The importer reads these headers as the school and the teacher: a block may not be called so.
RESERVED_BLOCK_NAMES = frozenset(
    {
        "код оо",
        "код",
        "логин",
        "логин оо",
        "логин фис око",
        "фио",
        "фио педагога",
        "ф.и.о.",
        "педагог",
        "фамилия имя отчество",
        "фамилия",
        "имя",
        "отчество",
        "id педагога",
        "id",
    }
)


def parse_score(text) -> Decimal | None:
    """«12,5», «12.5», « 1 200 » → Decimal; empty → None; anything else raises ValueError."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        return text
    cleaned = _SPACES.sub("", str(text)).replace(",", ".")
    if not cleaned:
        return None
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(text) from error


def score_format_problem(value: Decimal) -> str | None:
    """Why a number does not fit a stored score (two decimals, below 10 000), in Russian."""
    # The size first: quantize() raises InvalidOperation for a number of more than 26 integer digits.
    if abs(value) > MAX_BLOCK_SCORE:
        return f"Слишком большое число: не больше {MAX_BLOCK_SCORE}."
    if value != value.quantize(Decimal("0.01")):
        return "Не больше двух знаков после запятой."
    return None


class ScoreField(forms.Field):
    """A score typed the Russian way («12,5») or with a dot; empty means «no score»."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 8, "maxlength": 20})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            score = parse_score(str(value)[:40])
        except ValueError:
            raise ValidationError("Введите число, например 12,5.", code="invalid") from None
        if score is not None:
            problem = score_format_problem(score)
            if problem:
                raise ValidationError(problem, code="invalid")
        return score

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return score_text(value)
        return value


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class MunicipalityChoiceForm(forms.Form):
    """The first step for a methodologist of several municipalities: whose diagnostics it is."""

    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None, empty_label=None)

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities


class CampaignForm(forms.Form):
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None, empty_label=None)
    name = forms.CharField(
        label="Название",
        max_length=255,
        help_text="Например: «Диагностика профессиональных дефицитов, январь».",
    )
    instrument = forms.CharField(
        label="Инструмент",
        max_length=255,
        help_text="Например: федеральная платформа диагностики профессиональных дефицитов, муниципальная анкета.",
    )
    start_date = _date_field("Начало")
    end_date = _date_field("Окончание")
    threshold_percent = forms.IntegerField(
        label="Порог дефицита, % от максимума",
        min_value=1,
        max_value=100,
        initial=deficit_rules.DEFAULT_THRESHOLD_PERCENT,
        help_text="Блок — дефицит, если балл педагога ниже этой доли максимума блока (ровно на пороге — не дефицит).",
    )
    schools = forms.ModelMultipleChoiceField(
        label="Школы-участники",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Отметьте хотя бы одну школу."},
    )

    def __init__(self, *args, municipalities, municipality, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].initial = municipality
        self.fields["municipality"].widget = forms.HiddenInput()
        self.fields["schools"].queryset = schools
        self.fields["schools"].label_from_instance = lambda s: s.display_name
        self.fields["schools"].initial = [s.pk for s in schools if s.is_active]
        self.municipality = municipality

    def clean_municipality(self):
        chosen = self.cleaned_data["municipality"]
        if chosen != self.municipality:
            raise ValidationError("Муниципалитет изменился: откройте форму заново.")
        return chosen

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "Диагностика заканчивается раньше, чем начинается.")
        return data


class BlockForm(forms.Form):
    name = forms.CharField(label="Блок компетенций", max_length=255, required=False)
    max_score = forms.DecimalField(
        label="Максимальный балл",
        min_value=Decimal("0.01"),
        max_value=MAX_BLOCK_SCORE,
        max_digits=6,
        decimal_places=2,
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
        error_messages={
            "min_value": "Максимальный балл должен быть больше нуля.",
            "max_value": f"Максимальный балл — не больше {MAX_BLOCK_SCORE}.",
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("name") and data.get("max_score") is None and "max_score" not in self.errors:
            self.add_error("max_score", "Укажите максимальный балл блока.")
        return data

    @property
    def is_block(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("name", "").strip())


class BaseBlockFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        names: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            if not form.is_block:
                continue
            key = _SPACES.sub(" ", form.cleaned_data["name"]).strip().lower().replace("ё", "е")
            if key in RESERVED_BLOCK_NAMES:
                raise ValidationError(
                    f"Строка {number}: «{form.cleaned_data['name']}» — так называется столбец школы или "
                    "педагога в файле загрузки; назовите блок иначе."
                )
            if key in names:
                raise ValidationError(
                    f"Строки {names[key]} и {number}: блоки называются одинаково — по названию блока "
                    "находится столбец в файле загрузки, названия должны различаться."
                )
            names[key] = number
        if not names:
            raise ValidationError("Укажите хотя бы один блок компетенций.")

    def blocks(self) -> list[tuple[str, str, Decimal]]:
        """(code, name, max) of the filled rows; a row's code is its place (never taken from the request)."""
        return [
            (
                BLOCK_CODES[number],
                _SPACES.sub(" ", form.cleaned_data["name"]).strip(),
                form.cleaned_data["max_score"],
            )
            for number, form in enumerate(self.forms)
            if form.is_block and number < len(BLOCK_CODES)
        ]


BlockFormSet = forms.formset_factory(
    BlockForm, formset=BaseBlockFormSet, extra=0, max_num=len(BLOCK_CODES), validate_max=True
)


def block_formset(data=None) -> BaseBlockFormSet:
    """The six default blocks (editable), then empty rows for blocks of the municipality's own."""
    initial = [{"name": name, "max_score": Decimal(100)} for _code, name in DEFAULT_BLOCKS]
    initial += [{"name": "", "max_score": None} for _n in range(EXTRA_BLOCKS)]
    return BlockFormSet(data, initial=initial, prefix="blocks")


class ScoresForm(forms.Form):
    """A teacher's score per block: one field ``block_<id>`` each (the names the service's errors use)."""

    def __init__(self, *args, blocks: list[CompetenceBlock], **kwargs):
        super().__init__(*args, **kwargs)
        self.blocks = blocks
        for block in blocks:
            self.fields[self.field_name(block)] = ScoreField(
                label=f"{block.name} (из {score_text(block.max_score)})"
            )

    @staticmethod
    def field_name(block: CompetenceBlock) -> str:
        return f"block_{block.pk}"

    def scores(self) -> dict[int, Decimal | None]:
        return {block.pk: self.cleaned_data.get(self.field_name(block)) for block in self.blocks}


class SpecificDeficitForm(forms.Form):
    text = forms.CharField(
        label="Выявленный дефицит",
        max_length=500,
        help_text="Своими словами, например: «Не использует цифровые образовательные ресурсы на уроках».",
    )


class DynamicsForm(forms.Form):
    a = forms.ModelChoiceField(label="Диагностика «до»", queryset=None, empty_label=None)
    b = forms.ModelChoiceField(label="Диагностика «после»", queryset=None, empty_label=None)
    school = forms.ModelChoiceField(label="Школа", queryset=None, required=False, empty_label="все")

    def __init__(self, *args, campaigns, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = campaigns
        self.fields["b"].queryset = campaigns
        self.fields["school"].queryset = schools
        self.fields["school"].label_from_instance = lambda s: s.display_name

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("b") and data["a"] == data["b"]:
            raise ValidationError("Выберите две разные диагностики.")
        return data
