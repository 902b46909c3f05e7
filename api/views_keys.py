"""A methodologist issues keys for the regional systems of their region or municipalities (shown once)."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.policies import CHANGE, policy_for

from .models import ClientKey
from .policies import key_policy


def _keys_for(user):
    return policy_for(ClientKey).instances(user, CHANGE)


class KeyForm(forms.Form):
    name = forms.CharField(
        label="Клиент (система)", max_length=50, help_text="Например: «Региональная ИС РЦОИ»"
    )
    region = forms.ModelChoiceField(label="Регион", queryset=None, empty_label=None)
    municipalities = forms.ModelMultipleChoiceField(
        label="Муниципалитеты",
        queryset=None,
        required=False,
        help_text="Пусто — весь регион (нужны права на регион).",
    )
    personal_data = forms.BooleanField(label="ФИО педагогов (персональные данные)", required=False)
    results_write = forms.BooleanField(label="Приём результатов (results:write)", required=False)
    expiry_date = forms.DateField(
        label="Действует до", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    allowed_ips = forms.CharField(
        label="Разрешённые IP-адреса",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="По адресу или сети (CIDR) в строке; пусто — любые.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions, municipalities = key_policy().issue_territories(user)
        self.fields["region"].queryset = regions
        self.fields["municipalities"].queryset = municipalities.order_by("name")
        self.initial.setdefault("expiry_date", timezone.localdate() + datetime.timedelta(days=365))

    def clean_allowed_ips(self):
        value = self.cleaned_data["allowed_ips"]
        import ipaddress

        for line in filter(None, (line.strip() for line in value.splitlines())):
            try:
                ipaddress.ip_network(line, strict=False)
            except ValueError as error:
                raise forms.ValidationError(f"«{line}» — не IP-адрес и не сеть.") from error
        return value

    def clean(self):
        cleaned = super().clean()
        region, municipalities = cleaned.get("region"), cleaned.get("municipalities")
        if region is None:
            return cleaned
        if municipalities and any(m.region_id != region.pk for m in municipalities):
            self.add_error("municipalities", "Муниципалитеты должны относиться к выбранному региону.")
        if not municipalities and not key_policy().can_issue_for_region(self.user, region):
            self.add_error(
                "municipalities",
                "Ключ на весь регион выдаёт региональный методист; выберите свои муниципалитеты.",
            )
        if cleaned.get("expiry_date") and cleaned["expiry_date"] <= timezone.localdate():
            self.add_error("expiry_date", "Срок действия должен быть в будущем.")
        return cleaned


@login_required
def key_list(request):
    policy_for(ClientKey).require(request.user, CHANGE)
    form = KeyForm(request.POST or None, user=request.user)
    raw_key = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            key, raw_key = ClientKey.objects.create_key(
                name=data["name"],
                region=data["region"],
                personal_data=data["personal_data"],
                results_write=data["results_write"],
                allowed_ips=data["allowed_ips"],
                expiry_date=timezone.make_aware(
                    datetime.datetime.combine(data["expiry_date"], datetime.time(23, 59))
                ),
                created_by=request.user,
            )
            key.municipalities.set(data["municipalities"])
        messages.success(request, "Ключ выдан. Скопируйте его сейчас: больше он показан не будет.")
        form = KeyForm(user=request.user)
    keys = (
        _keys_for(request.user)
        .select_related("region")
        .prefetch_related("municipalities")
        .order_by("-created")
    )
    return render(request, "api/keys.html", {"form": form, "keys": keys, "raw_key": raw_key})


@login_required
@require_POST
def key_revoke(request, pk: str):
    policy_for(ClientKey).require(request.user, CHANGE)
    key = get_object_or_404(_keys_for(request.user), pk=pk)
    key.revoked = True
    key.save(update_fields=["revoked"])
    messages.success(request, f"Ключ «{key.name}» отозван.")
    return redirect("api_keys:list")
