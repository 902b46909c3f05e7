"""``/health/``: is the portal able to work? For monitoring (docs/operations.md, «Мониторинг»).

django-health-check runs the checks in parallel: the database, the cache, the file storage (a file is written
to MEDIA_ROOT and removed), the Celery broker and the workers (their heartbeat in the database). Every check
has a short time limit, so an unreachable service makes the page answer 503 in seconds instead of hanging.
HTML by default; JSON with ``?format=json`` or ``Accept: application/json``; also ``?format=text`` and
``?format=openmetrics`` (Prometheus, always 200).

The page shows only «OK» or what is broken — no data of the portal — so it needs no login. A department that
wants it closed anyway lists the addresses (or networks) of its monitoring in ``HEALTH_CHECK_ALLOWED_IPS``;
behind nginx the monitor is the client of ``core.client_ip``, not nginx.
"""

import dataclasses
import datetime

from django import db
from django.conf import settings
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.template import loader
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from core.client_ip import address_in, client_ip
from core.queues import task_queues

# Short limits: a monitoring probe must get an answer before its own timeout, even when a service hangs.
BROKER_TIMEOUT = datetime.timedelta(seconds=2)


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker (Redis) accepts a connection. Skipped when tasks run in the web process (the demo)."""

    timeout: datetime.timedelta = dataclasses.field(default=BROKER_TIMEOUT, repr=False)

    def run(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return
        from kombu import Connection

        seconds = self.timeout.total_seconds()
        connection = Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=seconds,
            transport_options={"socket_connect_timeout": seconds, "socket_timeout": seconds},
        )
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=seconds)
        except Exception as error:  # noqa: BLE001 — kombu, redis and socket errors alike mean «unreachable»
            raise ServiceUnavailable(
                "Нет связи с брокером очереди задач: отчёты и большие загрузки не будут запущены"
            ) from error
        finally:
            connection.release()


@dataclasses.dataclass
class Workers(HealthCheck):
    """Every queue's workers ran the heartbeat beat sends to that queue every minute (core/queues.py: the default
    queue and each one the task routes name) within HEALTH_WORKER_MAX_AGE_MINUTES. A stopped worker of the
    reports or the recompute queue shows too, not only the default queue's."""

    async def run(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return
        minutes = settings.HEALTH_WORKER_MAX_AGE_MINUTES
        from .models import WorkerHeartbeat

        queues = task_queues()
        try:
            last = {
                row["queue"]: row["last"]
                async for row in WorkerHeartbeat.objects.filter(queue__in=queues)
                .values("queue")
                .annotate(last=Max("seen_at"))
                .order_by()
            }
        except db.Error as error:
            raise ServiceUnavailable(
                "Нет связи с базой данных: состояние обработчиков задач неизвестно"
            ) from error
        if not last:
            raise ServiceUnavailable(
                "Обработчики задач ни разу не выходили на связь: проверьте, что запущены worker и beat"
            )
        since = timezone.now() - datetime.timedelta(minutes=minutes)
        silent = [
            f"«{queue}» — ни разу"
            if queue not in last
            else f"«{queue}» — последний сигнал {timezone.localtime(last[queue]):%d.%m.%Y %H:%M}"
            for queue in queues
            if queue not in last or last[queue] < since
        ]
        if silent:
            raise ServiceUnavailable(
                f"Обработчики задач не выходили на связь больше {minutes} мин. (очереди {'; '.join(silent)}): "
                "работа этих очередей (отчёты, большие загрузки, пересчёт статусов, письма) ждёт; проверьте их "
                "worker и beat"
            )


TITLES = {
    "Database": "База данных",
    "Cache": "Кэш",
    "Storage": "Файловое хранилище (MEDIA_ROOT)",
    "Broker": "Брокер очереди задач",
    "Workers": "Обработчики задач (Celery)",
}

# Reachable without the web workers' own dependencies on the queue: what a load balancer or `docker compose`
# may probe to decide whether this web process can serve pages.
WEB_CHECKS = (
    "health_check.checks.Database",
    "health_check.checks.Cache",
    "health_check.checks.Storage",
)
ALL_CHECKS = (*WEB_CHECKS, "core.health.Broker", "core.health.Workers")


class HealthView(HealthCheckView):
    """The library's view: 503 (not 500) when a check fails, a Russian HTML page, an optional address list."""

    checks = ALL_CHECKS
    template_name = "health_check/portal.html"

    async def get(self, request, *args, **kwargs):
        allowed = settings.HEALTH_CHECK_ALLOWED_IPS
        if allowed and not address_in(client_ip(request), allowed):  # the monitor behind nginx, not nginx
            raise Http404
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
            response.reason_phrase = "Service Unavailable"
        return response

    def render_to_response(self, context, **response_kwargs):
        # Without the request's context processors: they read the user from the session, i.e. the database,
        # and this page must render while the database is down.
        rows = [
            {
                "title": TITLES.get(type(result.check).__name__, type(result.check).__name__),
                "error": result.error.message if result.error else "",
                "seconds": result.time_taken,
            }
            for result in context["results"]
        ]
        html = loader.get_template(self.template_name).render(
            {"rows": rows, "errors": context["errors"], "now": timezone.localtime()}
        )
        return HttpResponse(html, status=response_kwargs.get("status", 200))
