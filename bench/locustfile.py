"""The users of bench/load.py (locust): methodologists, school admins and regional systems.

Not run on its own: bench/load.py prepares the data, starts gunicorn and a Celery worker and runs locust with
this file, passing the accounts and keys in ``LOAD_CONFIG`` (a JSON file) and reading the figures back from
``LOAD_RESULTS``.

- **Methodologists** browse what they use every week: the start page, schools of their municipality and a
  school's card, the computed ШНОР statuses, approved lists, the ИОМ dashboard, roadmaps, reports; they return
  submitted quarterly forms to the school, and now and then (at most one a ``report_interval``, over all of
  them) order a municipality's справка, which the Celery worker builds while the load goes on.
- **School admins** open their school's quarterly form of the current quarter, save drafts (a status and a
  comment per line) and submit it; a returned form is filled again.
- **Regional systems** sync over the API with their key: schools and flags page by page along the cursors,
  a school's results, ИОМ progress, and revalidate with ``If-None-Match`` (304 counts as a success).

Each request is named «страница: …», «форма: …» or «API: …»; the percentiles are kept per scenario
(pages, forms, API) and per name, from the moment all users have been started.
"""

import json
import os
import random
import re
import time
from collections import defaultdict
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
ENTRY = re.compile(r'<select name="e(\d+)-status"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'value="(\w+)" selected')
NEXT_STATUS = {"not_started": ("in_progress",), "in_progress": ("in_progress", "done")}  # forward moves only
SCENARIOS = {"страница": "pages", "форма": "forms", "API": "api", "вход": "signin"}

latencies: dict[str, list[float]] = defaultdict(list)
errors: dict[str, int] = defaultdict(int)
submitted: dict[int, list[int]] = defaultdict(list)  # municipality → form ids waiting for a methodologist
last_report = [0.0]
counters = {"reports_ordered": 0, "forms_submitted": 0, "forms_returned": 0, "drafts_saved": 0}


@events.request.add_listener
def on_request(name, response_time, exception, **_kwargs):
    scenario = SCENARIOS.get(name.split(":", 1)[0], "other")
    latencies[scenario].append(response_time)
    if exception is not None:
        errors[scenario] += 1


ready_users = [0]
window = [time.monotonic()]  # when the counting began


def user_ready(environment) -> None:
    """Counted from the moment the last user has signed in (the sign-in storm of the ramp is not the soak)."""
    ready_users[0] += 1
    if ready_users[0] == environment.runner.target_user_count:
        for scenario in ("pages", "forms", "api", "other"):  # the sign-ins of the ramp are kept apart
            latencies.pop(scenario, None)
            errors.pop(scenario, None)
        for key in counters:
            counters[key] = 0
        environment.stats.reset_all()
        window[0] = time.monotonic()


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@events.quitting.add_listener
def on_quitting(environment, **_kwargs):
    scenarios = {}
    for scenario, values in latencies.items():
        ordered = sorted(values)
        scenarios[scenario] = {
            "requests": len(ordered),
            "errors": errors.get(scenario, 0),
            "p50": _percentile(ordered, 0.50),
            "p95": _percentile(ordered, 0.95),
            "p99": _percentile(ordered, 0.99),
        }
    names = {
        entry.name: {
            "requests": entry.num_requests,
            "errors": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
        }
        for entry in environment.stats.entries.values()
    }
    failures = [
        {"name": f.name, "error": str(f.error)[:300], "occurrences": f.occurrences}
        for f in environment.stats.errors.values()
    ]
    with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as out:
        json.dump(
            {
                "seconds": time.monotonic() - window[0],
                "users_ready": ready_users[0],
                "scenarios": scenarios,
                "names": names,
                "failures": failures,
                "counters": counters,
            },
            out,
            ensure_ascii=False,
        )


class PortalUser(HttpUser):
    abstract = True
    accounts_key = ""
    _next = defaultdict(int)

    def account(self) -> dict:
        accounts = CONFIG[self.accounts_key]
        index = PortalUser._next[self.accounts_key] % len(accounts)
        PortalUser._next[self.accounts_key] += 1
        return accounts[index]

    def csrf(self, html: str) -> str:
        match = CSRF.search(html)
        return match.group(1) if match else ""

    def sign_in(self, username: str) -> None:
        page = self.client.get("/login/", name="вход: страница")
        with self.client.post(
            "/login/",
            data={
                "username": username,
                "password": CONFIG["password"],
                "csrfmiddlewaretoken": self.csrf(page.text),
            },
            name="вход: пароль",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"вход не выполнен: {response.status_code}")

    def page(self, path: str, name: str, expected: str = "") -> str:
        with self.client.get(path, name=f"страница: {name}", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif expected and expected not in response.text:
                response.failure(f"на странице нет «{expected}»")
            return response.text


class Methodologist(PortalUser):
    weight = 6
    wait_time = between(5, 15)
    accounts_key = "methodists"

    def on_start(self) -> None:
        self.me = self.account()
        self.sign_in(self.me["username"])
        self.token = self.csrf(self.page("/", "главная"))
        user_ready(self.environment)

    @task(3)
    def home(self):
        self.page("/", "главная")

    @task(4)
    def schools(self):
        page = random.choice(["", "?page=2", "?status=shnor", "?q=школа"])
        self.page(f"/schools/{page}", "школы")

    @task(4)
    def school(self):
        self.page(f"/schools/{random.choice(self.me['school_ids'])}/", "карточка школы")

    @task(3)
    def flags(self):
        self.page(f"/schools/flags/?year={CONFIG['list_year']}", "статусы ШНОР")

    @task(1)
    def lists(self):
        self.page("/schools/lists/", "утверждённые перечни")

    @task(2)
    def iom_dashboard(self):
        self.page("/diagnostics/dashboard/", "сводка по ИОМ")

    @task(2)
    def roadmaps(self):
        self.page("/roadmaps/", "дорожные карты")

    @task(1)
    def reports(self):
        self.page("/reports/", "отчёты")

    @task(2)
    def return_a_form(self):
        waiting = submitted.get(self.me["municipality_id"])
        if not waiting:
            return self.home()
        form_id = waiting.pop(0)
        self.token = self.csrf(self.page(f"/diagnostics/forms/{form_id}/", "квартальная форма")) or self.token
        with self.client.post(
            f"/diagnostics/forms/{form_id}/review/",
            data={"csrfmiddlewaretoken": self.token, "comment": "Уточните сроки по строкам «в работе»."},
            name="форма: вернуть школе",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}")
            else:
                counters["forms_returned"] += 1

    @task(1)
    def order_report(self):
        now = time.monotonic()
        if now - last_report[0] < CONFIG["report_interval"]:
            return self.reports()
        last_report[0] = now
        self.token = self.csrf(self.page("/reports/new/", "заказ отчёта")) or self.token
        with self.client.post(
            "/reports/new/",
            data={
                "csrfmiddlewaretoken": self.token,
                "kind": "territory",
                "territory": f"m{self.me['municipality_id']}",
                "year": CONFIG["list_year"],
                "recommendations": "Продолжить адресную работу со школами перечня.",
            },
            name="форма: заказ справки",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}")
                return
            counters["reports_ordered"] += 1
            detail = urlsplit(response.headers["Location"]).path
        self.client.get(f"{detail}status/", name="страница: ход сборки отчёта")


class SchoolAdmin(PortalUser):
    weight = 10
    wait_time = between(5, 15)
    accounts_key = "school_admins"

    def on_start(self) -> None:
        self.me = self.account()
        self.sign_in(self.me["username"])
        self.token = self.csrf(self.page("/", "главная"))
        year, quarter = CONFIG["quarter"]
        with self.client.post(
            f"/diagnostics/forms/open/{self.me['school_id']}/{year}/{quarter}/",
            data={"csrfmiddlewaretoken": self.token},
            name="форма: открыть",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}")
                self.form_path = ""
                return user_ready(self.environment)
            self.form_path = urlsplit(response.headers["Location"]).path
        self.form_html = self.page(self.form_path, "квартальная форма")
        user_ready(self.environment)

    def refresh(self) -> None:
        self.form_html = self.page(self.form_path, "квартальная форма")

    def post_form(self, *, submit: bool) -> None:
        entries = ENTRY.findall(self.form_html)
        version = VERSION.search(self.form_html)
        if not self.form_path or not entries or not version:
            return self.refresh()  # submitted and not yet returned: only reading
        data = {"csrfmiddlewaretoken": self.csrf(self.form_html), "version": version.group(1)}
        for entry, options in entries:
            current = SELECTED.search(options)
            current = current.group(1) if current else "not_started"
            data[f"e{entry}-status"] = random.choice(NEXT_STATUS.get(current, (current,)))
            data[f"e{entry}-comment"] = "Посещено занятие наставника, разобраны задания ВПР."
            data[f"e{entry}-evidence_link"] = ""
        if submit:
            data["submit"] = "1"
        with self.client.post(
            self.form_path,
            data=data,
            name="форма: отправить" if submit else "форма: сохранить черновик",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"форма не сохранена: {response.status_code}")
            elif submit:
                counters["forms_submitted"] += 1
                submitted[self.me["municipality_id"]].append(int(self.form_path.strip("/").split("/")[-1]))
            else:
                counters["drafts_saved"] += 1
        self.refresh()

    @task(3)
    def view_form(self):
        if self.form_path:
            self.refresh()

    @task(4)
    def save_draft(self):
        self.post_form(submit=False)

    @task(1)
    def submit(self):
        self.post_form(submit=True)

    @task(2)
    def school(self):
        self.page(f"/schools/{self.me['school_id']}/", "карточка школы")

    @task(1)
    def home(self):
        self.page("/", "главная")


class RegionalSystem(HttpUser):
    weight = 4
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.me = CONFIG["api_keys"][random.randrange(len(CONFIG["api_keys"]))]
        self.client.headers.update(
            {"Authorization": f"Api-Key {self.me['key']}", "Accept": "application/json"}
        )
        self.etags: dict[str, str] = {}
        self.next: dict[str, str] = {}
        user_ready(self.environment)

    def get(self, path: str, name: str) -> dict | None:
        headers = {"If-None-Match": self.etags[path]} if path in self.etags else {}
        with self.client.get(path, headers=headers, name=f"API: {name}", catch_response=True) as response:
            if response.status_code == 304:
                response.success()
                return None
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return None
            if "ETag" in response.headers:
                self.etags[path] = response.headers["ETag"]
            return response.json()

    def follow(self, first: str, name: str) -> None:
        """The next page along the cursor; back to the first after the last (a new sync round)."""
        path = self.next.get(first, first)
        body = self.get(path, name)
        following = (body or {}).get("next")
        self.next[first] = (
            (urlsplit(following).path + "?" + urlsplit(following).query) if following else first
        )

    @task(3)
    def schools(self):
        self.follow("/api/v1/schools/?page_size=100", "школы, страница")

    @task(3)
    def flags(self):
        self.follow(f"/api/v1/flags/?list_year={CONFIG['list_year']}&page_size=100", "статусы ШНОР, страница")

    @task(3)
    def results(self):
        school = random.choice(self.me["school_ids"])
        self.get(f"/api/v1/results/?school={school}&page_size=100", "результаты школы")

    @task(1)
    def progress(self):
        self.follow("/api/v1/route-progress/?page_size=100", "ход ИОМ, страница")

    @task(1)
    def changed(self):
        self.get(f"/api/v1/schools/?updated_since={CONFIG['since']}&page_size=100", "изменения с начала")
