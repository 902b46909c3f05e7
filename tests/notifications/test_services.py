"""notifications.services: notify once per event and person, e-mail after the commit as each person chose, the
daily digest, «прочитано», the preferences, the bell's label."""

import pytest
from django.core.exceptions import PermissionDenied

from notifications import catalogue, services
from notifications.models import EmailPreference, Notification
from notifications.templatetags.notifications import bell_label
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTEXT = {"school": "МБОУ «Каштановская СОШ»", "period": "4 квартал 2030 г.", "comment": "Приложите приказ"}


@pytest.fixture
def people():
    return {
        "anna": UserFactory(username="anna", email="anna@example.org"),
        "boris": UserFactory(username="boris", email="boris@example.org"),
        "no_mail": UserFactory(username="no_mail", email=""),
        "gone": UserFactory(username="gone", email="gone@example.org", is_active=False),
    }


def returned(recipients, key="form-event:1"):
    return services.notify(
        event=catalogue.FORM_RETURNED,
        recipients=recipients,
        key=key,
        context=CONTEXT,
        url="/diagnostics/forms/1/",
    )


def rows():
    return sorted(
        (n.recipient.username, n.event, n.key, n.channel, n.emailed_at is not None)
        for n in Notification.objects.select_related("recipient")
    )


def test_notify_makes_one_notification_per_person_and_mails_after_commit(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        made = returned(
            [people["anna"], people["boris"], people["anna"], people["no_mail"], people["gone"], None]
        )
    assert [n.recipient.username for n in made] == ["anna", "boris", "no_mail"]
    assert mailoutbox == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(m.to for m in mailoutbox) == [["anna@example.org"], ["boris@example.org"]]
    letter = mailoutbox[0]
    assert letter.subject == (
        "Квартальная форма школы «МБОУ «Каштановская СОШ»» за 4 квартал 2030 г. возвращена на доработку"
    )
    assert "Замечания: Приложите приказ" in letter.body
    assert "Открыть на портале: http://127.0.0.1:8000/diagnostics/forms/1/" in letter.body
    assert rows() == [
        ("anna", "form_returned", "form-event:1", "immediate", True),
        ("boris", "form_returned", "form-event:1", "immediate", True),
        ("no_mail", "form_returned", "form-event:1", "none", False),  # the bell only
    ]


def test_the_same_event_twice_tells_nobody_again(people, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert len(returned([people["anna"]])) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert returned([people["anna"], people["boris"]]) != []  # boris is new to it
        assert returned([people["anna"], people["boris"]]) == []
    assert sorted(m.to[0] for m in mailoutbox) == ["anna@example.org", "boris@example.org"]
    assert Notification.objects.count() == 2


def test_an_email_task_run_twice_sends_one_letter(people, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        (notification,) = returned([people["anna"]])
    assert services.notification_email_send(notification.pk) is True
    assert services.notification_email_send(notification.pk) is False
    assert len(mailoutbox) == 1


def test_preferences_decide_the_channel(people, mailoutbox, django_capture_on_commit_callbacks):
    anna, boris = people["anna"], people["boris"]
    services.email_preferences_save(
        user=anna,
        channels={catalogue.FORM_RETURNED: catalogue.DIGEST, catalogue.FORM_ACCEPTED: catalogue.NONE},
    )
    services.email_preferences_save(user=boris, channels={catalogue.FORM_RETURNED: catalogue.NONE})
    assert services.email_preferences(anna)[catalogue.FORM_RETURNED] == catalogue.DIGEST
    assert services.email_preferences(anna)[catalogue.FORM_ACCEPTED] == catalogue.NONE
    assert services.email_preferences(anna)[catalogue.IMPORT_FAILED] == catalogue.IMMEDIATE  # default
    with django_capture_on_commit_callbacks(execute=True):
        returned([anna, boris])
    assert mailoutbox == []
    assert rows() == [
        ("anna", "form_returned", "form-event:1", "digest", False),
        ("boris", "form_returned", "form-event:1", "none", False),
    ]
    # back to the default: no row kept
    services.email_preferences_save(user=anna, channels={catalogue.FORM_RETURNED: catalogue.IMMEDIATE})
    assert list(EmailPreference.objects.filter(user=anna).values_list("event", "channel")) == [
        (catalogue.FORM_ACCEPTED, catalogue.NONE)
    ]
    with pytest.raises(ValueError):
        services.email_preferences_save(user=anna, channels={catalogue.FORM_RETURNED: "weekly"})


def test_the_daily_digest_mails_each_person_once(people, mailoutbox, django_capture_on_commit_callbacks):
    anna, boris = people["anna"], people["boris"]
    with django_capture_on_commit_callbacks(execute=True):
        for number in (1, 2):
            services.notify(
                event=catalogue.FORM_ACCEPTED,  # the digest by default
                recipients=[anna, people["no_mail"]],
                key=f"form-event:{number}",
                context={"school": f"Школа {number}", "period": "1 квартал 2031 г."},
                url=f"/diagnostics/forms/{number}/",
            )
        returned([boris], key="form-event:3")  # immediate: mailed now, not in the digest
    assert [m.to for m in mailoutbox] == [["boris@example.org"]]
    assert services.notification_digests_send() == 1
    assert services.notification_digests_send() == 0  # run twice: once
    assert len(mailoutbox) == 2
    digest = mailoutbox[1]
    assert digest.to == ["anna@example.org"]
    assert digest.subject == "Портал ШНОР: 2 уведомления за день"
    assert "За день на портале ШНОР для вас 2 уведомления:" in digest.body
    assert "1. Квартальная форма школы «Школа 1» за 1 квартал 2031 г. принята" in digest.body
    assert "2. Квартальная форма школы «Школа 2» за 1 квартал 2031 г. принята" in digest.body
    assert "http://127.0.0.1:8000/diagnostics/forms/2/" in digest.body
    assert Notification.objects.filter(recipient=people["no_mail"], emailed_at__isnull=True).count() == 2


def test_the_sweep_sends_an_immediate_letter_whose_task_was_lost(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: no task
        (notification,) = returned([people["anna"]])
    assert services.notification_emails_resend() == 0
    assert services.notification_digests_send() == 0
    assert mailoutbox == []  # too fresh: its task may still come
    Notification.objects.filter(pk=notification.pk).update(
        created_at=notification.created_at - services.STALE_IMMEDIATE
    )
    assert services.notification_emails_resend() == 1
    assert services.notification_emails_resend() == 0
    assert services.notification_digests_send() == 0  # the digest sweeps too: nothing left
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]


def test_read_one_and_all_only_ones_own(people, django_capture_on_commit_callbacks):
    anna, boris = people["anna"], people["boris"]
    for number in (1, 2, 3):
        returned([anna, boris], key=f"form-event:{number}")
    first = Notification.objects.filter(recipient=anna).order_by("pk").first()
    services.notification_mark_read(user=anna, notification=first)
    assert Notification.objects.filter(recipient=anna, read_at__isnull=True).count() == 2
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(user=boris, notification=first)
    assert services.notifications_mark_all_read(user=anna) == 2
    assert services.notifications_mark_all_read(user=anna) == 0
    assert Notification.objects.filter(recipient=boris, read_at__isnull=True).count() == 3


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (0, "Уведомления: нет непрочитанных"),
        (1, "Уведомления: 1 непрочитанное"),
        (2, "Уведомления: 2 непрочитанных"),
        (5, "Уведомления: 5 непрочитанных"),
        (11, "Уведомления: 11 непрочитанных"),
        (21, "Уведомления: 21 непрочитанное"),
    ],
)
def test_bell_label(count, label):
    assert bell_label(count) == label
