from django import forms

from .imports import check_upload_size
from .errors import ApplicationError
from .tabular import TableError, file_format


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="Файл (.xlsx или .csv)")
    region = forms.ModelChoiceField(label="Регион", queryset=None, empty_label=None)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if regions.count() == 1:
            self.fields["region"].initial = regions.first()
            self.fields["region"].widget = forms.HiddenInput()

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
