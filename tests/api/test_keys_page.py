"""The methodologist's page that issues API keys: shown once, scoped, revocable."""

import re

import pytest
from django.urls import reverse

from api.models import ClientKey

pytestmark = pytest.mark.django_db

NEW_KEY = re.compile(r'id="new-key">([^<]+)<')


def issue(client, world, **overrides):
    data = {"name": "РИС РЦОИ", "region": world.region.pk, "expiry_date": "2099-12-31", "allowed_ips": ""}
    data.update(overrides)
    return client.post(reverse("api_keys:list"), data)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("methodist", 200),
        ("regional_methodist", 200),
        ("head", 403),
        ("school_admin", 403),
        ("analyst", 403),
        ("nobody", 403),
    ],
)
def test_who_opens_the_keys_page(client, world, role, status):
    client.force_login(world.users[role])
    assert client.get(reverse("api_keys:list")).status_code == status


def test_key_is_shown_once_stored_hashed_and_works(client, world):
    client.force_login(world.users["methodist"])
    response = issue(client, world, municipalities=[world.mun_a.pk], personal_data="on")
    raw = NEW_KEY.findall(response.content.decode())[0]
    key = ClientKey.objects.get()
    assert raw not in (key.hashed_key, key.id) and key.prefix == raw.split(".")[0]
    assert list(key.municipalities.all()) == [world.mun_a] and key.personal_data and not key.results_write
    assert key.created_by == world.users["methodist"]
    assert raw not in client.get(reverse("api_keys:list")).content.decode()  # never shown again
    client.logout()
    api = client.get(reverse("api:school-list"), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    codes = {row["code"] for row in api.json()["results"]}
    assert codes == {"sch610001", "sch610002"}


def test_municipal_methodologist_cannot_issue_a_region_wide_key(client, world):
    client.force_login(world.users["methodist"])
    response = issue(client, world)
    assert "весь регион выдаёт региональный методист" in response.content.decode()
    assert not ClientKey.objects.exists()
    response = issue(client, world, municipalities=[world.mun_b.pk])
    assert not ClientKey.objects.exists()  # mun_b is not offered: not a valid choice


def test_bad_ip_and_past_expiry_are_refused(client, world):
    client.force_login(world.users["regional_methodist"])
    text = issue(client, world, allowed_ips="10.0.0.0/8\nне адрес", expiry_date="2000-01-01").content.decode()
    assert "«не адрес» — не IP-адрес и не сеть." in text and "Срок действия должен быть в будущем." in text
    assert not ClientKey.objects.exists()


def test_revoked_key_stops_working(client, world):
    client.force_login(world.users["regional_methodist"])
    raw = NEW_KEY.findall(issue(client, world).content.decode())[0]
    key = ClientKey.objects.get()
    client.post(reverse("api_keys:revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked
    client.logout()
    response = client.get(reverse("api:school-list"), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 401 and response.json()["message"] == "Ключ API отозван."


def test_methodologist_cannot_revoke_another_regions_key(client, world):
    other, _raw = ClientKey.objects.create_key(name="чужой", region=world.other_region)
    client.force_login(world.users["regional_methodist"])
    assert client.post(reverse("api_keys:revoke", args=[other.pk])).status_code == 404


def test_the_keys_permissions_are_named_in_russian(client, world):
    """«Права: read» was printed (issue #17, item 15)."""
    client.force_login(world.users["regional_methodist"])
    issue(client, world, personal_data="on", results_write="on")
    issue(client, world, name="Мониторинг")
    text = client.get(reverse("api_keys:list")).content.decode()
    cells = re.findall(r"<td>([^<]*)</td>\s*<td>\d\d\.\d\d\.\d{4}</td>", text)
    assert sorted(cells) == ["чтение", "чтение, ФИО педагогов (персональные данные), приём результатов"]
    assert "results:write</td>" not in text and ">read" not in text


def test_a_new_key_has_a_copy_button_run_by_a_static_script(client, world):
    client.force_login(world.users["regional_methodist"])
    text = issue(client, world).content.decode()
    assert re.search(
        r'<code id="new-key">[^<]+</code> <button type="button" class="button" data-copy-target="new-key" '
        r'data-copy-status="new-key-copied" hidden>Копировать</button>',
        text,
    )
    assert '<script src="/static/js/copy.js" defer></script>' in text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == []  # no inline script: CSP script-src 'self'
    script = client.get("/static/js/copy.js")
    assert script.status_code == 200
    assert "navigator.clipboard" in b"".join(script.streaming_content).decode()
    assert (
        "data-copy-target" not in client.get(reverse("api_keys:list")).content.decode()
    )  # only with a new key
