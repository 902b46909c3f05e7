"""What every API list shares: the gate, sync by ``updated_since`` with tombstones, the call log."""

import datetime
import time

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets

from core.db_router import replica_reads
from core.policies import VIEW, policy_for

from .models import ApiCallLog, Tombstone
from .schema import ApiAutoSchema

UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Только записи, изменённые с этого момента (ISO 8601). В ответ добавляется список удалённых "
    "с этого момента идентификаторов «deleted».",
)


class RussianModelSerializer(serializers.ModelSerializer):
    # Every field described in Russian: the model field's verbose name when no help text is given. (A comment,
    # not a docstring: drf-spectacular would put a docstring into every component as its description.)

    def build_field(self, field_name, info, model_class, nested_depth):
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        if "help_text" not in kwargs:
            from django.core.exceptions import FieldDoesNotExist

            try:
                model_field = model_class._meta.get_field(field_name)
            except FieldDoesNotExist:  # a property or an annotation: described by its serializer field
                model_field = None
            if model_field is not None and getattr(model_field, "primary_key", False):
                kwargs["help_text"] = "идентификатор"  # the verbose name of an automatic key is «ID»
            elif model_field is not None:
                kwargs["help_text"] = str(getattr(model_field, "verbose_name", "") or field_name)
        return field_class, kwargs


def parse_since(value: str):
    """An ISO 8601 moment, in UTC (PostgreSQL refuses offsets beyond ±15:59 that Python accepts), or a 400."""
    try:
        moment = parse_datetime(value.replace(" ", "+")) if value else None
        if moment is not None:
            moment = (make_aware(moment) if is_naive(moment) else moment).astimezone(datetime.UTC)
    except (ValueError, OverflowError):  # well formed but impossible: 2026-02-30, 0001-01-01T00:00+05:00
        moment = None
    if moment is None:
        raise exceptions.ValidationError(
            {"updated_since": ["Ожидается момент времени ISO 8601, например 2026-11-01T00:00:00+03:00."]}
        )
    return moment


class LoggedMixin:
    """Record every call: client, endpoint, status, rows — never the key."""

    schema = ApiAutoSchema()  # the error answers documented on every operation

    def initial(self, request, *args, **kwargs):
        request._api_started = time.monotonic()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        try:
            rows = None
            data = getattr(response, "data", None)
            if isinstance(data, dict) and isinstance(data.get("results"), list):
                rows = len(data["results"])
            key = getattr(request, "auth", None)
            user = getattr(request, "user", None)
            started = getattr(request, "_api_started", time.monotonic())
            # One INSERT in autocommit at the end of the call: nothing is held in the process, so nothing is lost
            # when it dies; its cost is inside the baseline of bench/api.py (/api/v1/ping/ logs it too).
            ApiCallLog.objects.create(
                key=key if hasattr(key, "prefix") else None,
                user=user if getattr(user, "pk", None) else None,
                method=request.method,
                endpoint=request.path[:255],
                status=response.status_code,
                rows=rows,
                duration_ms=int((time.monotonic() - started) * 1000),
                at=timezone.now(),
            )
        except Exception:  # noqa: BLE001 - logging must never break the answer
            import logging

            logging.getLogger("api").exception("API call log not written")
        return response


class SyncViewSet(LoggedMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only list and detail of one model, reached through ``visible_to``."""

    model = None
    updated_field = "updated_at"
    tombstone_model: str | None = None  # "schools.school": deletions mirrored by ``updated_since``
    tombstone_scope = "municipality_id"

    def base_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        queryset = self.base_queryset()
        since = self.request.query_params.get("updated_since")
        if since is not None:
            queryset = queryset.filter(**{f"{self.updated_field}__gte": parse_since(since)})
        return queryset

    @extend_schema(parameters=[UPDATED_SINCE])
    def list(self, request, *args, **kwargs):
        # DRF's own path: the serializer prints the page; ConditionalGetMiddleware adds the ETag and answers 304.
        # The page is read from the replica when one is configured (core/db_router.py); the key was checked on
        # the primary before (DRF authenticates in initial()).
        with replica_reads():
            response = super().list(request, *args, **kwargs)
            since = request.query_params.get("updated_since")
            if since is not None and isinstance(response.data, dict) and "cursor" not in request.query_params:
                response.data["deleted"] = self.deleted_since(parse_since(since))
        return response

    def retrieve(self, request, *args, **kwargs):
        with replica_reads():
            return super().retrieve(request, *args, **kwargs)

    def deleted_since(self, moment) -> "list[int]":  # quoted: the class defines list()
        if not self.tombstone_model:
            return []
        tombstones = policy_for(Tombstone).instances(
            self.request.user,
            VIEW,
            Tombstone.objects.filter(model=self.tombstone_model, deleted_at__gte=moment),
        )
        return list(tombstones.values_list("object_id", flat=True)[:10000])
