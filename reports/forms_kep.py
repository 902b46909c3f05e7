"""Forms of the head's КЭП: the upload of a detached signature and of a trusted root certificate."""

from django import forms

from .forms import within
from .services_kep import ROOT_MAX_BYTES, SIGNATURE_MAX_BYTES, SIGNATURE_TOO_LARGE


class SignatureUploadForm(forms.Form):
    signature = forms.FileField(
        label="Файл подписи (.sig)",
        help_text="Открепленная подпись PDF в формате CAdES: DER или base64, как её сохраняют КриптоАРМ и "
        "КриптоПро ЭЦП Browser plug-in.",
    )

    def clean_signature(self):
        return within(self.cleaned_data["signature"], SIGNATURE_MAX_BYTES, SIGNATURE_TOO_LARGE)


class TrustedRootForm(forms.Form):
    certificate = forms.FileField(
        label="Сертификат удостоверяющего центра",
        help_text="Файл .cer, .crt или .pem (DER или PEM), один сертификат.",
    )

    def clean_certificate(self):
        return within(
            self.cleaned_data["certificate"],
            ROOT_MAX_BYTES,
            "Файл больше 256 КБ: это не похоже на сертификат удостоверяющего центра.",
        )
