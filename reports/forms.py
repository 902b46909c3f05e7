from django import forms
from django.utils import timezone

from schools.models import School

from .models import ReportKind

# A verification upload larger than this is refused: a справка of a region is a few MB.
VERIFY_MAX_BYTES = 50 * 1024 * 1024
# A detached CAdES-BES signature is a few KB (the signer's certificate and its chain included: 2–10 KB); 1 MB leaves
# room for a long chain and base64; a .sig larger than this is an attached signature or another file (a PDF uploaded
# in its place by mistake).
SIGNATURE_MAX_BYTES = 1024 * 1024
SIGNATURE_TOO_LARGE = (
    "Файл подписи больше 1 МБ: отдельная подпись (.sig) занимает несколько килобайт. "
    "Возможно, выбран не тот файл."
)
VERIFY_TOO_LARGE = "Файл больше 50 МБ: это не похоже на отчёт портала."


def within(upload, limit: int, message: str):
    """An upload's clean_*: ``upload`` (or None, for an optional field left empty) unless larger than ``limit``."""
    if upload and upload.size > limit:
        raise forms.ValidationError(message)
    return upload


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
    signature = forms.FileField(
        label="Файл подписи (.sig), если подпись отдельным файлом",
        required=False,
        help_text="Подпись руководителя в КриптоАРМ или КриптоПро — файл .sig или .p7s рядом с PDF. Если его нет, "
        "проверяется печать портала внутри PDF.",
    )

    def clean_file(self):
        return within(self.cleaned_data["file"], VERIFY_MAX_BYTES, VERIFY_TOO_LARGE)

    def clean_signature(self):
        return within(self.cleaned_data.get("signature"), SIGNATURE_MAX_BYTES, SIGNATURE_TOO_LARGE)


class CompareForm(forms.Form):
    """The page behind the QR code: a file in hand against the stored signed original."""

    file = forms.FileField(
        label="Файл для сравнения",
        help_text="PDF, который у вас есть: сравним его с подписанным оригиналом. Файл не сохраняется.",
    )

    def clean_file(self):
        return within(self.cleaned_data["file"], VERIFY_MAX_BYTES, VERIFY_TOO_LARGE)


# --- signing (issue #22): both irreversible steps need the head's explicit confirmation ---------------------

CONFIRM_LABEL = "Я проверил(а) документ и подписываю его"
CONFIRM_REQUIRED = "Отметьте, что вы проверили документ: подписанный отчёт нельзя изменить."
# What КриптоАРМ, КриптоПро's cryptcp and the plug-in write: .sig (the common one), .p7s (RFC 5751), .sgn (cryptcp),
# and .bin/.txt when a tool saves DER or base64 under a generic name. The content decides, not the name.
SIGNATURE_EXTENSIONS = (".sig", ".p7s", ".sgn", ".bin", ".txt")


class SealForm(forms.Form):
    """«Печать портала»: the portal's own seal over the PDF, after the head confirms."""

    confirm = forms.BooleanField(label=CONFIRM_LABEL, error_messages={"required": CONFIRM_REQUIRED})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "seal_%s")  # both forms share one page: ids of their own for the labels
        super().__init__(*args, **kwargs)


class KepSignForm(forms.Form):
    """The head's КЭП: a detached signature of the final PDF, as a file or as the plug-in's base64 text."""

    signature = forms.FileField(
        label="Файл подписи",
        required=False,
        help_text="Откреплённая подпись (.sig, .p7s, .sgn), в формате DER или base64, до 1 МБ.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SIGNATURE_EXTENSIONS)}),
    )
    # Filled by static/reports/kep.js with the plug-in's SignCades result (base64); hidden from people.
    signature_text = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=CONFIRM_LABEL, error_messages={"required": CONFIRM_REQUIRED})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "kep_%s")
        super().__init__(*args, **kwargs)

    def clean_signature(self):
        upload = self.cleaned_data.get("signature")
        if upload is None:
            return None
        if not upload.name.lower().endswith(SIGNATURE_EXTENSIONS):
            raise forms.ValidationError(
                "Это не файл подписи: выберите файл .sig, .p7s или .sgn, который сохранила программа подписи."
            )
        if upload.size > SIGNATURE_MAX_BYTES:
            raise forms.ValidationError(
                "Файл больше 1 МБ: это не похоже на откреплённую подпись. Возможно, выбран сам документ."
            )
        return upload

    def clean_signature_text(self):
        text = self.cleaned_data.get("signature_text", "")
        if len(text) > SIGNATURE_MAX_BYTES * 4 // 3 + 4096:  # base64 of 1 MB with line breaks
            raise forms.ValidationError("Подпись больше 1 МБ: это не похоже на откреплённую подпись.")
        return text

    def clean(self):
        data = super().clean()
        given = data.get("signature") or data.get("signature_text", "").strip()
        if not given and "signature" not in self.errors and "signature_text" not in self.errors:
            self.add_error("signature", "Выберите файл подписи.")
        return data

    def signature_bytes(self) -> bytes:
        """The signature as given (DER, base64 or PEM): reports.cades.load_signature reads any of them."""
        upload = self.cleaned_data.get("signature")
        if upload is not None:
            return upload.read()
        return self.cleaned_data["signature_text"].strip().encode("ascii", "replace")
