from django import forms

from . import catalogue


class EmailPreferencesForm(forms.Form):
    """One choice per kind of event: immediately, in the daily digest, or not by e-mail."""

    def __init__(self, *args, initial_channels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for code, kind in catalogue.EVENTS.items():
            self.fields[code] = forms.ChoiceField(
                label=kind.title,
                choices=list(catalogue.CHANNELS.items()),
                initial=initial_channels[code],
                widget=forms.RadioSelect,
                help_text=f"По умолчанию: {catalogue.CHANNELS[kind.channel].lower()}.",
            )
