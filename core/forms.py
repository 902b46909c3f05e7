from typing import Any, cast

from django import forms

from .errors import ApplicationError
from .imports import ImportOption, check_upload_size
from .tabular import TableError, file_format

# What core.tabular reads: its encoding detection (_detect_encoding) and separator detection (detect_delimiter).
UPLOAD_HELP = (
    "Файл .xlsx или .csv. CSV — в кодировке UTF-8 (с BOM или без), Windows-1251 или UTF-16: как его сохраняет "
    "Excel («CSV UTF-8», «CSV (разделители — запятые)», «Текст Юникод»); разделитель «;», «,» или табуляция "
    "определяется сам."
)


class ImportUploadForm(forms.Form):
    file_help = UPLOAD_HELP  # printed above the list of columns
    file = forms.FileField(label="Файл (.xlsx или .csv)")
    region: "forms.ModelChoiceField[Any]" = forms.ModelChoiceField(
        label="Регион", queryset=None, empty_label=None
    )

    def __init__(self, *args, regions, options: tuple[ImportOption, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = regions
        if regions.count() == 1:
            self.fields["region"].initial = regions.first()
            self.fields["region"].widget = forms.HiddenInput()
        self.option_names = [option.name for option in options]
        for option in options:  # asked on upload, all optional: the importer says when one is missing
            field: forms.Field
            if option.type is int:
                field = forms.IntegerField(
                    label=option.label, required=False, min_value=option.min_value, max_value=option.max_value
                )
            else:
                field = forms.CharField(label=option.label, required=False, max_length=255)
            self.fields[option.name] = field

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
            check_upload_size(upload.size)
        except TableError as error:
            raise forms.ValidationError(str(error)) from error
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
        return upload

    def options(self) -> dict:
        """The values given for the importer's options (empty ones left out)."""
        values = {name: self.cleaned_data.get(name) for name in self.option_names}
        return {
            name: value.strip() if isinstance(value, str) else value
            for name, value in values.items()
            if value not in (None, "")
        }


def add_service_error(form, error: Exception) -> None:
    """A service's refusal on the form: field errors on their fields, everything else on the form."""
    from django.core.exceptions import ValidationError

    from .errors import ApplicationError

    if isinstance(error, ApplicationError):
        form.add_error(None, error.message)
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error))
