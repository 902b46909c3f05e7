"""Change history of the portal's working data (django-simple-history), the way the audit needs it.

Every tracked model declares ``history = AuditedHistory(...)``: each save and delete writes a row to its
historical table (who, when, the whole state), which the audit page (core.selectors_audit) diffs. Derived data
rebuilt in bulk (schools.Result, schools.FlagDecision: millions of rows) is deliberately not tracked; its inputs
(the results import, the rule parameters) and its outcome (the approved lists) are.
https://django-simple-history.readthedocs.io/en/latest/
"""

from django.db import models
from simple_history.models import HistoricalRecords


def _acting_user(request, **kwargs):
    """The signed-in person of the current request (HistoryRequestMiddleware); an API key's principal and
    anonymous requests have no pk, and are recorded as the system."""
    user = getattr(request, "user", None)
    return user if getattr(user, "pk", None) else None


class AuditedHistory(HistoricalRecords):
    """HistoricalRecords with the portal's defaults.

    - Who changed a row is kept as a plain user id, not a foreign key: deleting a user must not rewrite the
      audit (a foreign key would be set to NULL in every historical table).
    - Historical rows are never edited: only the «view» permission exists for them, and they are not in the
      admin.
    - A save that touches only untracked fields (a user's ``last_login`` on every sign-in) writes no row.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "history_user_id_field",
            models.BigIntegerField("пользователь", null=True, blank=True, db_index=True),
        )
        kwargs.setdefault("history_id_field", models.BigAutoField(primary_key=True))
        kwargs.setdefault("get_user", _acting_user)
        super().__init__(**kwargs)

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        meta["verbose_name"] = f"история: {model._meta.verbose_name}"
        meta["verbose_name_plural"] = f"история: {model._meta.verbose_name_plural}"
        meta["default_permissions"] = ("view",)
        return meta

    def get_meta_options_m2m(self, through_model):
        meta = super().get_meta_options_m2m(through_model)
        meta["default_permissions"] = ("view",)
        return meta

    def post_save(self, instance, created, using=None, update_fields=None, **kwargs):
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, update_fields=update_fields, **kwargs)
