"""The bell in the header, the list, «прочитано» (one and all) and the e-mail settings page."""

import pytest
from django.urls import reverse

from notifications import catalogue, services
from notifications.models import EmailPreference, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "anna": UserFactory(username="anna", email="anna@example.org"),
        "boris": UserFactory(username="boris"),
    }


def tell(person, number):
    (notification,) = services.notify(
        event=catalogue.FORM_RETURNED,
        recipients=[person],
        key=f"form-event:{number}",
        context={"school": f"Школа №{number}", "period": "4 квартал 2030 г.", "comment": "Исправьте"},
        url=f"/diagnostics/forms/{number}/",
    )
    return notification


def signed_in(client, person):
    client.force_login(person)
    return client


def test_the_bell_says_how_many_are_unread(client, people):
    anna = people["anna"]
    for number in (1, 2, 3):
        tell(anna, number)
    tell(people["boris"], 4)
    page = signed_in(client, anna).get(reverse("home")).content.decode()
    assert 'aria-label="Уведомления: 3 непрочитанных"' in page
    assert '<span class="badge" data-count="unread">3</span>' in page
    Notification.objects.filter(recipient=anna).update(read_at="2026-12-01T10:00:00Z")
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="Уведомления: нет непрочитанных"' in page
    assert 'data-count="unread"' not in page


def test_no_bell_for_the_anonymous_visitor(client):
    page = client.get(reverse("login")).content.decode()
    assert "Уведомления" not in page


def test_the_list_shows_ones_own_newest_first(client, people, django_assert_max_num_queries):
    anna = people["anna"]
    for number in (1, 2, 3):
        tell(anna, number)
    tell(people["boris"], 4)
    signed_in(client, anna)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Непрочитанных: 3" in page
    subjects = [n.subject for n in response.context["page"]]
    assert subjects == [
        f"Квартальная форма школы «Школа №{number}» за 4 квартал 2030 г. возвращена на доработку"
        for number in (3, 2, 1)
    ]
    assert "Школа №4" not in page  # boris's
    assert "Отметить все прочитанными" in page


def test_read_one_and_open_it(client, people):
    anna = people["anna"]
    first, second = tell(anna, 1), tell(anna, 2)
    signed_in(client, anna)
    response = client.post(reverse("notifications:read", kwargs={"pk": first.pk}))
    assert response.status_code == 302 and response.url == reverse("notifications:list")
    response = client.post(reverse("notifications:read", kwargs={"pk": second.pk}), {"open": "1"})
    assert response.status_code == 302 and response.url == "/diagnostics/forms/2/"
    assert Notification.objects.filter(recipient=anna, read_at__isnull=True).count() == 0


def test_someone_elses_notification_is_not_found(client, people):
    notification = tell(people["boris"], 1)
    response = signed_in(client, people["anna"]).post(
        reverse("notifications:read", kwargs={"pk": notification.pk})
    )
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all(client, people):
    anna = people["anna"]
    tell(anna, 1), tell(anna, 2)
    tell(people["boris"], 3)
    signed_in(client, anna)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "Отмечено прочитанными: 2 уведомления." in response.content.decode()
    assert "Непрочитанных нет" in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # boris's


def test_settings_page_saves_the_choices(client, people):
    anna = people["anna"]
    signed_in(client, anna)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "<legend>Квартальная форма возвращена на доработку</legend>" in page
    assert "anna@example.org" in page
    data = services.email_preferences(anna) | {
        catalogue.FORM_RETURNED: catalogue.DIGEST,
        catalogue.LIST_COMPUTED: catalogue.NONE,
    }
    response = client.post(reverse("notifications:settings"), data, follow=True)
    assert "Настройки уведомлений сохранены." in response.content.decode()
    assert sorted(EmailPreference.objects.filter(user=anna).values_list("event", "channel")) == [
        (catalogue.FORM_RETURNED, catalogue.DIGEST),
        (catalogue.LIST_COMPUTED, catalogue.NONE),
    ]
    bad = client.post(reverse("notifications:settings"), {catalogue.FORM_RETURNED: "weekly"})
    assert bad.status_code == 200
    assert "Не сохранено" in bad.content.decode()


def test_settings_warn_without_an_email(client, people):
    page = signed_in(client, people["boris"]).get(reverse("notifications:settings")).content.decode()
    assert "не указан адрес электронной почты" in page
