"""The demo region: organisations and one user per role, built through the services.

``demo_load()`` is what ``manage.py load_demo`` runs. It is idempotent (natural keys: the region's and the
municipalities' names, the schools' codes, the users' logins; a second run changes nothing) and
deterministic (every random choice comes from a seeded ``random.Random``), so the demo looks the same on
every machine and a screenshot or a test can rely on it.

Later parts of the demo (results, teachers, ИОМ, roadmaps) plug in with ``demo_step_register``: a step
receives the ``DemoContext`` (the region, municipalities, schools and users already built, its own seeded
random stream) and must be idempotent too. Steps run in registration order, after organisations and users.
"""

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from core.models import User
from core.policies import SYSTEM
from core.roles import Role
from core.services import role_grant, user_create
from schools.models import Municipality, Region, School, SchoolType
from schools.services import municipality_get_or_create, region_get_or_create, school_create, school_update

SEED = 2026
# Where `manage.py runserver` listens by default; `make demo HOST=… PORT=…` passes its own (load_demo --host/--port).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
# A server listening on every interface is opened in the browser on this machine's loopback address.
ANY_ADDRESS = {"", "0", "0.0.0.0", "::", "[::]"}  # noqa: S104 - names of "every interface", not a bind


def base_url(host: str = DEFAULT_HOST, port: int | str = DEFAULT_PORT) -> str:
    """The address to open the portal at, for a server listening on ``host``:``port``."""
    host = "127.0.0.1" if host.strip() in ANY_ADDRESS else host.strip()
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{port}"


REGION_NAME = "Ростовская область"
REGION_CODE = "61"


# --- Organisations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MunicipalityRow:
    name: str
    genitive: str  # «Обливского района», for the department's name
    login_part: str  # two digits after "sch61" in the schools' logins (the district's number in the region)
    center: str  # the district centre; its schools get the base postcode
    postcode: int
    phone_code: str


@dataclass(frozen=True)
class SchoolRow:
    suffix: str  # the last two digits of the login: fixed here, so adding a row never renames a school
    title: str  # «Каштановская»; «Морозовский» for a лицей
    school_type: str
    settlement: str  # «х. Каштановский»; «г.» marks a town, everything else is rural
    number: int | None = None  # «№ 1» in the name
    shnsu_reason: str = ""
    low_income_share: str | None = None  # ШНСУ schools carry their shares here; others get random ones
    ovz_share: str | None = None
    non_native_russian_share: str | None = None
    active: bool = True


MUNICIPALITIES = [
    MunicipalityRow("Обливский район", "Обливского района", "27", "ст. Обливская", 347140, "86396"),
    MunicipalityRow("Тацинский район", "Тацинского района", "38", "ст. Тацинская", 347060, "86397"),
    MunicipalityRow("Морозовский район", "Морозовского района", "24", "г. Морозовск", 347210, "86384"),
]

SOSH, OOSH, NOSH = SchoolType.SOSH, SchoolType.OOSH, SchoolType.NOSH

# Каштановская and Солонецкая are the ШНОР and its mentor school of the Обливский district's programme
# (/work/shared/domain/002_…); the other names are plausible villages of the three districts. The shares are
# invented for the demo.
SCHOOLS: dict[str, list[SchoolRow]] = {
    "Обливский район": [
        SchoolRow("01", "Обливская", SOSH, "ст. Обливская", number=1),
        SchoolRow("02", "Обливская", SOSH, "ст. Обливская", number=2),
        SchoolRow(
            "03",
            "Каштановская",
            SOSH,
            "х. Каштановский",
            shnsu_reason=(
                "Малокомплектная сельская школа в 38 км от районного центра; доля детей из малообеспеченных "
                "семей и доля обучающихся с ОВЗ выше средних по району."
            ),
            low_income_share="41.30",
            ovz_share="9.80",
        ),
        SchoolRow("04", "Солонецкая", SOSH, "х. Солонецкий"),
        SchoolRow("05", "Алексеевская", SOSH, "х. Алексеевский"),
        SchoolRow("06", "Нестеркинская", SOSH, "х. Нестеркин"),
        SchoolRow("07", "Караичевская", SOSH, "х. Караичев"),
        SchoolRow("08", "Леоновская", SOSH, "х. Леонов"),
        SchoolRow("09", "Чистяковская", SOSH, "х. Чистяковский"),
        SchoolRow("10", "Ковылкинская", OOSH, "х. Ковылкин"),
        SchoolRow("11", "Сосновская", OOSH, "п. Сосновый"),
        SchoolRow(
            "12",
            "Остроуховская",
            OOSH,
            "х. Остроухов",
            shnsu_reason=(
                "Сельская школа без регулярного транспортного сообщения с районным центром; более трети "
                "обучающихся — из малообеспеченных семей."
            ),
            low_income_share="36.50",
            ovz_share="6.40",
        ),
        SchoolRow("13", "Лобачёвская", OOSH, "х. Лобачёв"),
        SchoolRow("14", "Мостовская", OOSH, "х. Мостовой"),
    ],
    "Тацинский район": [
        SchoolRow("01", "Тацинская", SOSH, "ст. Тацинская", number=1),
        SchoolRow("02", "Тацинская", SOSH, "ст. Тацинская", number=2),
        SchoolRow(
            "03",
            "Тацинская",
            SOSH,
            "ст. Тацинская",
            number=3,
            shnsu_reason="Высокая доля обучающихся, для которых русский язык не родной (семьи переселенцев).",
            low_income_share="18.20",
            ovz_share="4.10",
            non_native_russian_share="22.60",
        ),
        SchoolRow("04", "Жирновская", SOSH, "п. Жирнов"),
        SchoolRow("05", "Быстрогорская", SOSH, "п. Быстрогорский"),
        SchoolRow("06", "Ермаковская", SOSH, "ст. Ермаковская"),
        SchoolRow("07", "Михайловская", SOSH, "х. Михайлов"),
        SchoolRow("08", "Скосырская", SOSH, "ст. Скосырская"),
        SchoolRow("09", "Углегорская", SOSH, "п. Углегорский"),
        SchoolRow("10", "Верхнекольцовская", OOSH, "х. Верхнекольцов"),
        SchoolRow(
            "11",
            "Масаловская",
            OOSH,
            "х. Масаловка",
            shnsu_reason=(
                "Высокая доля семей в трудной жизненной ситуации; кадровый дефицит — учителя совмещают "
                "по два-три предмета."
            ),
            low_income_share="33.80",
            ovz_share="7.10",
        ),
        SchoolRow("12", "Крюковская", OOSH, "х. Крюков"),
        SchoolRow("13", "Зазерская", NOSH, "х. Зазерский"),
    ],
    "Морозовский район": [
        SchoolRow("01", "Морозовская", SOSH, "г. Морозовск", number=1),
        SchoolRow("02", "Морозовская", SOSH, "г. Морозовск", number=2),
        SchoolRow("03", "Морозовская", SOSH, "г. Морозовск", number=3),
        SchoolRow("04", "Морозовская", SchoolType.GYMNASIUM, "г. Морозовск"),
        SchoolRow("05", "Морозовский", SchoolType.LYCEUM, "г. Морозовск"),
        SchoolRow("06", "Вольно-Донская", SOSH, "ст. Вольно-Донская"),
        SchoolRow("07", "Знаменская", SOSH, "х. Знаменка"),
        SchoolRow("08", "Костино-Быстрянская", SOSH, "х. Костино-Быстрянский"),
        SchoolRow("09", "Грузиновская", SOSH, "х. Грузинов"),
        SchoolRow("10", "Широко-Атамановская", SOSH, "х. Широко-Атамановский"),
        SchoolRow("11", "Вознесенская", OOSH, "х. Вознесенский"),
        SchoolRow(
            "12",
            "Парамоновская",
            OOSH,
            "х. Парамонов",
            shnsu_reason="Малокомплектная школа; доля обучающихся с ОВЗ выше 10 %.",
            low_income_share="29.40",
            ovz_share="12.60",
        ),
        # Reorganised in 2024 (joined to the Вознесенская ООШ): kept, inactive, so its past results stay.
        SchoolRow("13", "Владимировская", OOSH, "х. Владимировский", active=False),
    ],
}

TYPE_WORDS = {  # how a type reads in the full name and in the short name
    SchoolType.SOSH: ("средняя общеобразовательная школа", "СОШ"),
    SchoolType.OOSH: ("основная общеобразовательная школа", "ООШ"),
    SchoolType.NOSH: ("начальная общеобразовательная школа", "НОШ"),
    SchoolType.GYMNASIUM: ("гимназия", "гимназия"),
    SchoolType.LYCEUM: ("лицей", "лицей"),
}

STREETS = ["Ленина", "Школьная", "Центральная", "Советская", "Садовая", "Молодёжная", "Мира", "Степная"]
TOWN_STREETS = ["Ленина", "Победы", "Кирова", "Пролетарская", "Подтёлкова", "Свердлова"]

MALE_NAMES = ["Александр", "Сергей", "Владимир", "Николай", "Андрей", "Виктор", "Юрий"]
FEMALE_NAMES = ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Галина", "Людмила", "Марина"]
PATRONYMICS = [  # (masculine, feminine)
    ("Александрович", "Александровна"),
    ("Николаевич", "Николаевна"),
    ("Викторович", "Викторовна"),
    ("Иванович", "Ивановна"),
    ("Сергеевич", "Сергеевна"),
    ("Петрович", "Петровна"),
    ("Владимирович", "Владимировна"),
    ("Геннадьевич", "Геннадьевна"),
    ("Юрьевич", "Юрьевна"),
]
SURNAMES = [  # masculine forms; the feminine adds «а»
    "Ковалёв",
    "Шевченко",
    "Бондаренко",
    "Кравцов",
    "Мельников",
    "Сидоренко",
    "Литвинов",
    "Романов",
    "Пономарёв",
    "Гриценко",
    "Черноусов",
    "Калашников",
    "Беляев",
    "Долгов",
    "Ткаченко",
    "Медведев",
]


@dataclass(frozen=True)
class SchoolPlan:
    municipality: str
    code: str
    name: str
    fields: dict


def _person(rng: random.Random) -> str:
    """A director's ФИО; about three directors in four are women, as in most rural schools."""
    surname = rng.choice(SURNAMES)
    male, female = rng.choice(PATRONYMICS)
    if rng.random() < 0.75:
        if not surname.endswith("о"):  # Шевченко, Бондаренко… do not change
            surname += "а"
        return f"{surname} {rng.choice(FEMALE_NAMES)} {female}"
    return f"{surname} {rng.choice(MALE_NAMES)} {male}"


def _phone(rng: random.Random, code: str) -> str:
    return f"8 ({code}) {rng.randint(2, 5)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def _share(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def school_plans(rng: random.Random) -> list[SchoolPlan]:
    """Every demo school's code, name and fields. Pure: the same ``rng`` seed gives the same list."""
    plans = []
    directors: set[str] = set()
    for mun in MUNICIPALITIES:
        for row in SCHOOLS[mun.name]:
            full_type, short_type = TYPE_WORDS[row.school_type]
            number = f" № {row.number}" if row.number else ""
            is_town = row.settlement.startswith("г.")
            postcode = mun.postcode if row.settlement == mun.center else mun.postcode + rng.randint(1, 9)
            street = rng.choice(TOWN_STREETS if is_town else STREETS)
            house = rng.randint(1, 60)
            address = f"{postcode}, {REGION_NAME}, {mun.name}, {row.settlement}, ул. {street}, д. {house}"
            low_income = Decimal(row.low_income_share) if row.low_income_share else _share(rng, 4, 22)
            ovz = Decimal(row.ovz_share) if row.ovz_share else _share(rng, 1.5, 7)
            non_native = Decimal(row.non_native_russian_share) if row.non_native_russian_share else None
            director = _person(rng)
            while director in directors:  # namesakes would only confuse a demo
                director = _person(rng)
            directors.add(director)
            plans.append(
                SchoolPlan(
                    municipality=mun.name,
                    code=f"sch{REGION_CODE}{mun.login_part}{row.suffix}",
                    name=(
                        "Муниципальное бюджетное общеобразовательное учреждение "
                        f"«{row.title} {full_type}{number}»"
                    ),
                    fields={
                        "short_name": f"МБОУ «{row.title} {short_type}{number}»",
                        "school_type": row.school_type,
                        "address": address,
                        "director": director,
                        "phone": _phone(rng, mun.phone_code),
                        "is_active": row.active,
                        "shnsu": bool(row.shnsu_reason),
                        "shnsu_reason": row.shnsu_reason,
                        "is_rural": not is_town,
                        "low_income_share": low_income,
                        "ovz_share": ovz,
                        "non_native_russian_share": non_native,
                    },
                )
            )
    return plans


# --- Users -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    login: str
    last_name: str
    first_name: str
    middle_name: str
    position: str
    role: str | None  # None: the superuser, who needs no role
    target: str = ""  # "region", a municipality's name or a school's code; "" for mentors and tutors
    phone: str = ""


KASHTANOVSKAYA = "sch612703"  # the ШНОР of the Обливский programme; its school admin is a demo user

USERS = [
    UserRow(
        "methodist",
        "Петренко",
        "Ольга",
        "Викторовна",
        "Методист районного методического кабинета",
        Role.METHODIST,
        "Обливский район",
        "8 (86396) 2-14-37",
    ),
    UserRow(
        "head",
        "Курочкина",
        "Наталья",
        "Александровна",
        "Заведующий отделом образования Администрации Обливского района",
        Role.HEAD,
        "Обливский район",
        "8 (86396) 2-11-05",
    ),
    UserRow(
        "school_admin",
        "Лысенко",
        "Елена",
        "Петровна",
        "Заместитель директора по учебно-воспитательной работе",
        Role.SCHOOL_ADMIN,
        KASHTANOVSKAYA,
        "8 (86396) 3-42-18",
    ),
    UserRow(
        "mentor",
        "Гончаров",
        "Сергей",
        "Иванович",
        "Учитель математики МБОУ «Солонецкая СОШ», наставник",
        Role.MENTOR,
    ),
    UserRow(
        "tutor",
        "Зайцева",
        "Татьяна",
        "Николаевна",
        "Муниципальный тьютор по русскому языку",
        Role.TUTOR,
    ),
    UserRow(
        "analyst",
        "Мельникова",
        "Ирина",
        "Геннадьевна",
        "Аналитик регионального центра оценки качества образования",
        Role.REGIONAL_ANALYST,
        "region",
    ),
    UserRow("admin", "Кузнецов", "Андрей", "Олегович", "Администратор портала", None),
]


def demo_password(login: str) -> str:
    # Not plain «Demo-<login>-2026»: for «school_admin» Django's UserAttributeSimilarityValidator finds that
    # too close to the login; the «!» keeps one pattern for everybody.
    return f"Demo-{login}-2026!"


# --- Loading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    login: str
    password: str
    role: str  # «Методист»
    scope: str  # «Обливский район»


@dataclass
class DemoSummary:
    region: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # «Школы» -> 40; extension steps add theirs
    changes: dict[str, int] = field(default_factory=dict)  # «создано школ» -> 40; empty on a repeated run
    logins: list[DemoLogin] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what to try, said after the logins (e.g. the demo КЭП)

    def changed(self, what: str, count: int = 1) -> None:
        if count:
            self.changes[what] = self.changes.get(what, 0) + count


@dataclass
class DemoContext:
    summary: DemoSummary
    stdout: TextIO | None = None
    region: Region | None = None
    municipalities: dict[str, Municipality] = field(default_factory=dict)  # by name
    schools: dict[str, School] = field(default_factory=dict)  # by code
    users: dict[str, User] = field(default_factory=dict)  # by login

    def rng(self, step: str) -> random.Random:
        """A random stream of one step: adding a step never changes what the others generate."""
        return random.Random(f"{SEED}:{step}")  # noqa: S311 - demo data, not secrets

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


DemoStep = Callable[[DemoContext], None]
_STEPS: dict[str, tuple[int, DemoStep]] = {}


def demo_step_register(name: str, step: DemoStep, *, order: int = 100) -> None:
    """Add a part of the demo (e.g. from an app's ``AppConfig.ready``); the same name replaces the old one.

    Steps run by ``order`` (then by registration), so a step can build on another app's data whatever the
    order of INSTALLED_APPS: results 10, mentoring 20, diagnostics 30.
    """
    _STEPS[name] = (order, step)


def _load_organisations(context: DemoContext) -> None:
    summary = context.summary
    existed = Region.objects.filter(name__iexact=REGION_NAME).exists()
    region = region_get_or_create(name=REGION_NAME, code=REGION_CODE)
    summary.changed("создано регионов", 0 if existed else 1)
    context.region = region
    summary.region = region.name

    known = set(Municipality.objects.filter(region=region).values_list("name", flat=True))
    for row in MUNICIPALITIES:
        context.municipalities[row.name] = municipality_get_or_create(
            region=region, name=row.name, department_name=f"Отдел образования Администрации {row.genitive}"
        )
    summary.changed("создано муниципалитетов", len({row.name for row in MUNICIPALITIES} - known))

    plans = school_plans(random.Random(SEED))  # noqa: S311 - demo data, not secrets
    existing = School.objects.in_bulk([plan.code for plan in plans], field_name="code")
    for plan in plans:
        municipality = context.municipalities[plan.municipality]
        school = existing.get(plan.code)
        if school is None:
            school = school_create(municipality=municipality, code=plan.code, name=plan.name, **plan.fields)
            summary.changed("создано школ")
        else:
            before = school.updated_at
            # Puts back what was edited in the demo since the last run; saves nothing when all is as planned.
            school = school_update(
                school=school, user=SYSTEM, municipality_id=municipality.pk, name=plan.name, **plan.fields
            )
            summary.changed("восстановлено школ", int(school.updated_at != before))
        context.schools[plan.code] = school

    schools = context.schools.values()
    summary.counts["Муниципалитеты"] = len(context.municipalities)
    summary.counts["Школы"] = len(context.schools)
    summary.counts["Школы ШНСУ"] = sum(school.shnsu for school in schools)
    summary.counts["Недействующие школы"] = sum(not school.is_active for school in schools)


def _password_hashes(pairs: list[tuple[str, str | None]]) -> list[str]:
    """For each (demo password, stored hash): the stored hash if it matches, else a new one.

    PBKDF2 at Django's default cost takes about 0.25 s a password and hashlib releases the GIL, so hashing
    the seven passwords in threads keeps the command under its two-second budget.
    """

    def one(pair: tuple[str, str | None]) -> str:
        raw, stored = pair
        if stored and check_password(raw, stored):
            return stored
        return make_password(raw)

    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        return list(pool.map(one, pairs))


def _role_and_scope(row: UserRow, context: DemoContext) -> tuple[str, str]:
    if row.role is None:
        return "Суперпользователь", "всё, включая администрирование (/admin/)"
    role = Role(row.role).label
    if row.target == "region":
        return role, str(context.region)
    if row.target in context.municipalities:
        return role, row.target
    if row.target:
        return role, str(context.schools[row.target])
    return role, "школы и педагоги по приказам о назначении"


def _load_users(context: DemoContext) -> None:
    summary = context.summary
    existing = User.objects.in_bulk([row.login for row in USERS], field_name="username")
    for row in USERS:
        validate_password(
            demo_password(row.login),
            User(username=row.login, last_name=row.last_name, first_name=row.first_name),
        )
    hashes = _password_hashes(
        [
            (demo_password(row.login), existing[row.login].password if row.login in existing else None)
            for row in USERS
        ]
    )

    for row, password_hash in zip(USERS, hashes, strict=True):
        user = existing.get(row.login)
        superuser = row.role is None
        if user is None:
            user = user_create(
                username=row.login,
                password=None,
                last_name=row.last_name,
                first_name=row.first_name,
                middle_name=row.middle_name,
                position=row.position,
                is_superuser=superuser,
            )
            summary.changed("создано пользователей")
        # What a demo login needs, put back on every run: the password, an active account, the right flags.
        wanted = {
            "password": password_hash,
            "last_name": row.last_name,
            "first_name": row.first_name,
            "middle_name": row.middle_name,
            "position": row.position,
            "phone": row.phone,
            "is_active": True,
            "is_staff": superuser,
            "is_superuser": superuser,
        }
        changed = [name for name, value in wanted.items() if getattr(user, name) != value]
        if changed:
            for name in changed:
                setattr(user, name, wanted[name])
            user.full_clean()
            user.save(update_fields=changed)
            if row.login in existing:
                summary.changed("восстановлено пользователей")
        # Locked out after wrong passwords? A demo login should always work.
        axes_reset(username=row.login)

        if row.role is not None:
            if row.target == "region":
                role_grant(user=user, role=row.role, region=context.region)
            elif row.target in context.municipalities:
                role_grant(user=user, role=row.role, municipality=context.municipalities[row.target])
            elif row.target:
                role_grant(user=user, role=row.role, school=context.schools[row.target])
            else:
                role_grant(user=user, role=row.role)
        context.users[row.login] = user
        summary.logins.append(DemoLogin(row.login, demo_password(row.login), *_role_and_scope(row, context)))
    summary.counts["Пользователи"] = len(context.users)


@transaction.atomic
def demo_load(*, stdout: TextIO | None = None) -> DemoSummary:
    """Build (or bring back) the demo region; all or nothing."""
    context = DemoContext(summary=DemoSummary(), stdout=stdout)
    steps: list[tuple[str, DemoStep]] = [
        ("Организации", _load_organisations),
        ("Пользователи", _load_users),
        *((name, step) for name, (_order, step) in sorted(_STEPS.items(), key=lambda item: item[1][0])),
    ]
    for name, step in steps:
        context.say(f"{name}…")
        step(context)
    return context.summary


def demo_summary_text(summary: DemoSummary, *, url: str = "") -> str:
    """The command's report, in Russian: what is there, what changed, and how to log in at ``url``
    (``base_url()`` by default)."""
    try:
        login_path = reverse("login")
    except NoReverseMatch:
        login_path = "/login/"
    if summary.changes:
        changes = "Изменено: " + ", ".join(f"{what} {count}" for what, count in summary.changes.items()) + "."
    else:
        changes = "Изменений нет: демо-данные уже были загружены."
    width = max(len(login.login) for login in summary.logins) + 2
    password_width = max(len(login.password) for login in summary.logins) + 2
    lines = [
        f"Демо-регион «{summary.region}»",
        *(f"  {label}: {count}" for label, count in summary.counts.items()),
        changes,
        "",
        f"Вход: {url or base_url()}{login_path}",
        f"{'Логин':<{width}}{'Пароль':<{password_width}}Роль — область доступа",
        *(
            f"{login.login:<{width}}{login.password:<{password_width}}{login.role} — {login.scope}"
            for login in summary.logins
        ),
        "",
        *(f"{note}\n" for note in summary.notes),
        "Пароли известны всем, кто читал этот вывод: только для демонстрации, не для рабочего сервера.",
    ]
    return "\n".join(lines)
