from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from core.policies import SYSTEM  # the command line is a trusted caller: it may change any region's rule
from schools.criteria import PRESETS, preset_values
from schools.models import FlagRule
from schools.selectors import region_for_command
from schools.services import FLAG_RULE_FIELDS, flag_rule_get, flag_rule_update

INTEGER_FIELDS = {"threshold", "low_procedures", "consecutive_years", "min_participants"}


class Command(BaseCommand):
    help = (
        "Показать или изменить параметры правила ШНОР: --show, или "
        "--set threshold=30 low_procedures=2 consecutive_years=2 criterion2=any kinds=ВПР,ОГЭ,ЕГЭ "
        "min_participants=1 combine=any (или all), или --preset seed"
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--show", action="store_true", help="Показать параметры")
        group.add_argument("--set", nargs="+", metavar="ПАРАМЕТР=ЗНАЧЕНИЕ", help="Изменить параметры")
        group.add_argument(
            "--preset",
            choices=[preset.key for preset in PRESETS],
            help="Применить готовый набор параметров (seed — программа 002_…)",
        )
        parser.add_argument("--region", help="Регион (можно не указывать, пока в базе один регион)")

    def handle(  # noqa: A002
        self,
        *args,
        show: bool,
        set: list[str] | None,
        region: str | None,
        preset: str | None = None,
        **options,
    ):
        changed = None
        try:
            region_obj = region_for_command(region)
            if set:
                # A change queues the recompute of the region's statuses itself (schools.services).
                _rule, changed = flag_rule_update(region=region_obj, user=SYSTEM, **self._parse(set))
            elif preset:
                chosen = next(p for p in PRESETS if p.key == preset)
                _rule, changed = flag_rule_update(region=region_obj, user=SYSTEM, **preset_values(chosen))
                self.stdout.write(f"Набор «{chosen.title}». Источник: {chosen.source}")
        except ApplicationError as error:
            raise CommandError(error.message) from error
        except ValidationError as error:
            raise CommandError(_describe(error)) from error
        rule = flag_rule_get(region=region_obj)
        self.stdout.write(f"Правило ШНОР, регион «{region_obj}»:")
        for name in FLAG_RULE_FIELDS:
            value = getattr(rule, name)
            if name == "kinds":
                value = ",".join(value) if value else "все"
            self.stdout.write(f"  {name} = {value}")
        if changed:
            self.stdout.write("Правило сохранено. Запущен пересчёт статусов ШНОР за все годы по региону.")
        elif changed is False:
            self.stdout.write("Параметры не изменились: пересчёт не нужен.")

    def _parse(self, pairs: list[str]) -> dict:
        values: dict = {}
        for pair in pairs:
            name, sep, raw = pair.partition("=")
            name = name.strip()
            if not sep:
                raise CommandError(f"Ожидается ПАРАМЕТР=ЗНАЧЕНИЕ, получено «{pair}».")
            if name not in FLAG_RULE_FIELDS:
                raise CommandError(
                    f"Неизвестный параметр «{name}». Допустимы: {', '.join(FLAG_RULE_FIELDS)}."
                )
            if name in INTEGER_FIELDS:
                try:
                    values[name] = int(raw)
                except ValueError as error:
                    raise CommandError(
                        f"Параметр {name}: ожидается целое число, получено «{raw}»."
                    ) from error
            elif name == "kinds":
                values[name] = [] if raw.strip().lower() in {"", "all", "все"} else raw.split(",")
            else:
                values[name] = raw.strip()
        return values


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)

    parts = []
    for name, messages in error.message_dict.items():
        label = FlagRule._meta.get_field(name).verbose_name if name in FLAG_RULE_FIELDS else name
        parts.append(f"{name} ({label}): {' '.join(messages)}")
    return "; ".join(parts)
