from django import forms

from .models import School

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
