"""The ВПР side of a results import (#19 §3.4): the conversion scales the protocol layouts read by, and the
aggregates a protocol adds to a school's result (schools.models.VprResultDetail: the distribution of primary
scores, the term-mark comparison, the absent), written in the import's transaction after the results.

A template row carries them in its «ВПР: распределение…» column (layouts/vpr_protocol.py writes it); they are
kept here by (procedure index, school) while the rows are checked, and compared with what the database holds,
so a second load of the same file changes nothing and a preview counts what would change.
"""

from django.utils import timezone

from core.imports import ImportOutcome
from core.tabular import RowError

from ..models import Result, VprResultDetail, VprScale
from .catalog import Catalog
from .layouts.template import TEMPLATE_LABELS
from .layouts.vpr_protocol import DETAILS_KEY, Scale, parse_details, scale_key

FIELDS = ("scores", "lower", "same", "higher", "no_term", "absent")


def load_scales() -> dict[tuple[int, str, int], Scale]:
    """Every scale, by (year, subject key, grade): a small table, read once per import."""
    return {
        scale_key(scale.year, scale.subject, scale.grade): Scale(
            three=scale.three_from,
            four=scale.four_from,
            five=scale.five_from,
            max_score=scale.max_score,
            title=str(scale),
        )
        for scale in VprScale.objects.all()
    }


class VprDetails:
    """The file's ВПР aggregates by (procedure index << 32 | school id), as the importer keys its rows."""

    def __init__(self) -> None:
        self.by_key: dict[int, dict] = {}

    def add(self, line: int, key: int, text: str, labels: dict[str, str], outcome: ImportOutcome) -> bool:
        details, problem = parse_details(text)
        if details is None:
            outcome.add_error(RowError(line, labels.get(DETAILS_KEY, TEMPLATE_LABELS[DETAILS_KEY]), problem))
            return False
        self.by_key[key] = details
        return True

    def write(self, catalog: Catalog, *, apply: bool) -> dict[str, int]:
        """Create or update the details of the file's results (after the results are written); in a preview only
        count. Returns the stats: created, updated, unchanged."""
        if not self.by_key:
            return {}
        procedure_ids = catalog.procedure_ids
        wanted: dict[tuple[int, int], dict] = {}
        new = 0
        for key, details in self.by_key.items():
            procedure_id = procedure_ids[key >> 32]
            if procedure_id is None:  # a procedure the preview would create: its results are new too
                new += 1
                continue
            wanted[(key & 0xFFFFFFFF, procedure_id)] = details
        results = {
            (school_id, procedure_id): pk
            for pk, school_id, procedure_id in Result.objects.filter(
                procedure_id__in={procedure for _school, procedure in wanted},
                school_id__in={school for school, _procedure in wanted},
            ).values_list("pk", "school_id", "procedure_id")
        }
        existing = {
            detail.result_id: detail
            for detail in VprResultDetail.objects.filter(result_id__in=results.values())
        }
        now = timezone.now()
        created: list[VprResultDetail] = []
        changed: list[VprResultDetail] = []
        unchanged = 0
        for pair, details in wanted.items():
            result_id = results.get(pair)
            if result_id is None:  # the preview of a result not written yet
                new += 1
                continue
            detail = existing.get(result_id)
            if detail is None:
                created.append(VprResultDetail(result_id=result_id, **details))
            elif any(getattr(detail, name) != details[name] for name in FIELDS):
                for name in FIELDS:
                    setattr(detail, name, details[name])
                detail.updated_at = now  # bulk_update does not touch auto_now fields
                changed.append(detail)
            else:
                unchanged += 1
        if apply:
            VprResultDetail.objects.bulk_create(created, batch_size=1000)
            VprResultDetail.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=1000)
        return {
            "vpr_details_created": new + len(created),
            "vpr_details_updated": len(changed),
            "vpr_details_unchanged": unchanged,
        }
