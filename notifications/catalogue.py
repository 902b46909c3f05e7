"""The catalogue of notification events: what each is called, its one-line subject, the template of its e-mail
and how it goes by e-mail unless the person chose otherwise. Pure: no ORM, no Django.

Each subject is a ``str.format`` pattern over the context the event's service passes to
``notifications.services.notify``; the e-mail body is a Russian template under templates/notifications/email/.
"""

from collections.abc import Mapping
from dataclasses import dataclass

# How a notification goes by e-mail. It always appears in the portal (the bell).
IMMEDIATE, DIGEST, NONE = "immediate", "digest", "none"
CHANNELS: dict[str, str] = {
    IMMEDIATE: "Сразу, отдельным письмом",
    DIGEST: "Раз в день, одной сводкой",
    NONE: "Не присылать на почту",
}

FORM_RETURNED = "form_returned"
FORM_ACCEPTED = "form_accepted"
FORM_REMINDER = "form_reminder"
REPORT_READY = "report_ready"
REPORT_RETURNED = "report_returned"
REPORT_SIGNED = "report_signed"
IMPORT_FINISHED = "import_finished"
IMPORT_FAILED = "import_failed"
ORDER_ASSIGNED = "order_assigned"
LIST_COMPUTED = "list_computed"
ROADMAP_ITEM_DUE = "roadmap_item_due"


@dataclass(frozen=True)
class EventKind:
    code: str
    title: str  # the kind of event, as the settings page and the digest name it
    subject: str  # the notification's line: a str.format pattern over the event's context
    text_template: str  # the e-mail body
    channel: str  # the e-mail channel unless the person chose another

    def render_subject(self, context: Mapping[str, object]) -> str:
        return self.subject.format_map(context)


def _kind(code: str, title: str, subject: str, channel: str) -> EventKind:
    return EventKind(code, title, subject, f"notifications/email/{code}.txt", channel)


EVENTS: dict[str, EventKind] = {
    kind.code: kind
    for kind in (
        _kind(
            FORM_RETURNED,
            "Квартальная форма возвращена на доработку",
            "Квартальная форма школы «{school}» за {period} возвращена на доработку",
            IMMEDIATE,
        ),
        _kind(
            FORM_ACCEPTED,
            "Квартальная форма принята",
            "Квартальная форма школы «{school}» за {period} принята",
            DIGEST,
        ),
        _kind(
            FORM_REMINDER,
            "Напоминание о сроке квартальной формы",
            "Квартальная форма ИОМ: {period} — срок {due}",
            IMMEDIATE,
        ),
        _kind(REPORT_READY, "Справка сформирована", "Справка готова: {report}", IMMEDIATE),
        _kind(REPORT_RETURNED, "Справка возвращена на доработку", "Справка возвращена: {report}", IMMEDIATE),
        _kind(REPORT_SIGNED, "Справка подписана", "Справка подписана: {report}", IMMEDIATE),
        _kind(IMPORT_FINISHED, "Загрузка файла завершена", "Файл «{file}» загружен", DIGEST),
        _kind(IMPORT_FAILED, "Сбой загрузки файла", "Файл «{file}» не загружен: сбой загрузки", IMMEDIATE),
        _kind(ORDER_ASSIGNED, "Назначение приказом", "Назначение ({order}): {assignment}", IMMEDIATE),
        _kind(
            LIST_COMPUTED,
            "Новый перечень ШНОР по моей территории",
            "Перечень ШНОР {list_year} года пересчитан: {region}",
            DIGEST,
        ),
        _kind(
            ROADMAP_ITEM_DUE,
            "Срок пункта дорожной карты через 5 дней",
            "Через 5 дней, {due}, срок пункта {number} дорожной карты «{roadmap}»",
            IMMEDIATE,
        ),
    )
}


def event(code: str) -> EventKind:
    """The event kind of ``code``; an unknown code is a programming error (KeyError)."""
    return EVENTS[code]


def channel_for(code: str, chosen: str | None) -> str:
    """The e-mail channel of an event for a person: their choice for it, else the event's default."""
    if chosen in CHANNELS:
        return chosen
    return EVENTS[code].channel
