"""Quarterly progress forms: the school fills and submits, the methodologist accepts or returns.

Every form is reached through ``ProgressForm.objects.visible_to``: another school's form is a 404, even by id.
"""

from collections.abc import Collection

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.files import stored_file_response
from core.plural import count_noun, plural
from core.policies import VIEW, policy_for
from schools.models import Municipality, School

from . import progress, selectors, services
from .forms import EntryForm, FormSaveForm, ReviewForm
from .models import Campaign, FormStatus, ProgressEntry, ProgressForm, Route, RouteStatus
from .policies import FILL, OVERSEE, REVIEW

FORMS_PER_PAGE = 50


def reporting_quarters(today) -> list[progress.Quarter]:
    """The quarters a school reports on now: the current one and the previous (due 10 days after it ends)."""
    current = progress.quarter_of(today)
    return [current.previous(), current]


@login_required
def form_index(request):
    policy = policy_for(ProgressForm)
    policy.require(request.user, VIEW)
    is_staff = policy.can(request.user, OVERSEE)
    today = timezone.localdate()
    quarters = reporting_quarters(today)
    # A school's admin opens the forms of their schools; the staff review the forms the schools opened.
    schools = policy.schools(request.user, VIEW) if not is_staff else School.objects.none()
    status = request.GET.get("status") or ""
    overdue = request.GET.get("overdue") == "1"
    forms = (
        selectors.forms_listed(
            request.user,
            status=status,
            overdue=overdue,
            school=selectors.school_param(request.GET.get("school")),
            today=today,
        )
        .select_related("school")
        .with_unconfirmed_count()
        .order_by("-year", "-quarter", "school__name", "pk")
    )
    page = Paginator(forms, FORMS_PER_PAGE).get_page(request.GET.get("page"))
    # Overdue as the ?overdue=1 filter says: not sent by the form's own deadline (stored when it was opened).
    rows = [
        (form, form.status in progress.SCHOOL_EDITABLE and form.deadline < today) for form in page.object_list
    ]
    return render(
        request,
        "diagnostics/form_index.html",
        {
            "rows": rows,
            "page_obj": page,
            "status": status,
            "statuses": FormStatus.choices,
            "overdue": overdue,
            "schools": schools,
            "quarters": quarters,
            "is_staff": is_staff,
            "deadline_days": services.deadline_days(),
            "show_tabs": policy_for(Campaign).can(request.user, VIEW),
        },
    )


@login_required
@require_POST
def form_open(request, school_pk: int, year: int, quarter: int):
    school = get_object_or_404(School.objects.visible_to(request.user), pk=school_pk)
    if not policy_for(ProgressForm).can_for_school(request.user, FILL, school):
        raise PermissionDenied("Открыть форму может администратор школы.")
    try:
        period = progress.Quarter(year, quarter)
    except ValueError as error:
        raise Http404("Нет такого квартала.") from error
    if period > progress.quarter_of(timezone.localdate()):
        raise Http404("Форма за будущий квартал не открывается.")
    form = services.progress_form_open(school=school, quarter=period)
    return redirect("diagnostics:form_detail", pk=form.pk)


def _entry_prefix(entry: ProgressEntry, new_lines: Collection[int] = ()) -> str:
    """``e<entry id>``; ``n<line id>`` for a line the page showed unsaved (due since the form was opened), so the
    values typed for it find the entry that the save creates."""
    return f"n{entry.line_id}" if entry.pk is None or entry.line_id in new_lines else f"e{entry.pk}"


def _entry_forms(
    form: ProgressForm, entries, data=None, files=None, new_lines: Collection[int] = ()
) -> list[tuple[ProgressEntry, EntryForm]]:
    return [
        (
            entry,
            EntryForm(
                data,
                files,
                prefix=_entry_prefix(entry, new_lines),
                initial={
                    "status": entry.status,
                    "comment": entry.comment,
                    "evidence_link": entry.evidence_link,
                },
            ),
        )
        for entry in entries
    ]


@login_required
def form_detail(request, pk: int):
    form = get_object_or_404(
        ProgressForm.objects.visible_to(request.user).select_related(
            "school__municipality", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )
    can_fill = form.school_may_edit and policy_for(ProgressForm).can(request.user, FILL, form)
    # Lines that have become due since the form was opened: a GET shows them unsaved (it writes nothing), the
    # school's save creates their entries first and then saves what was typed for them.
    due: list[ProgressEntry] = []
    new_lines: set[int] = set()
    if can_fill and form.status in progress.SCHOOL_EDITABLE:
        if request.method == "POST":
            new_lines = {entry.line_id for entry in services.progress_form_add_due_entries(form=form)}
        else:
            due = services.progress_form_due_entries(form=form)
    entries = list(
        form.entries.with_unconfirmed()
        .select_related("line__route__teacher", "line__activity")
        .order_by(
            "line__route__teacher__last_name", "line__route__teacher__first_name", "line__position", "pk"
        )
    )
    if due:
        for entry in due:
            entry.unconfirmed = progress.unconfirmed(status=entry.status, has_evidence=False, has_link=False)
        entries = sorted(
            [*entries, *due],
            key=lambda e: (
                e.line.route.teacher.last_name,
                e.line.route.teacher.first_name,
                e.line.position,
                e.pk is None,
                e.pk or 0,
            ),
        )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not can_fill:
            raise PermissionDenied(
                "Заполнять форму может администратор этой школы, пока форма не отправлена."
            )
        pairs = _entry_forms(form, entries, request.POST, request.FILES, new_lines)
        hidden = FormSaveForm(request.POST)
        if not hidden.is_valid():
            # A page of another version of the portal, or an edited request: nothing is saved, what was typed
            # stays on the page.
            errors.append(
                "Форма не сохранена: страница устарела или повреждена. Скопируйте введённое, откройте форму "
                "заново и внесите его ещё раз."
            )
            status = 400
        elif all(entry_form.is_valid() for _e, entry_form in pairs):
            if _save(request, form, pairs, hidden.cleaned_data, errors):
                return redirect("diagnostics:form_detail", pk=form.pk)
        else:
            errors.append(
                "Форма не сохранена: исправьте отмеченные строки. Введённое сохранилось на странице."
            )
    else:
        pairs = _entry_forms(form, entries)
    may_review = policy_for(ProgressForm).can(request.user, REVIEW, form)
    today = timezone.localdate()
    return render(
        request,
        "diagnostics/form_detail.html",
        {
            "form": form,
            "pairs": pairs,
            "can_fill": can_fill,
            "errors": errors,
            "may_review": may_review and form.status == FormStatus.SUBMITTED,
            "review_form": ReviewForm(),
            "events": form.events.select_related("user")[:30],
            "overdue": progress.form_overdue(status=form.status, quarter=form.period, today=today),
            "submit_problem": progress.submit_problem(form.period, today),
            "unconfirmed_ids": ",".join(
                str(entry.pk) if entry.pk else f"n{entry.line_id}" for entry in entries if entry.unconfirmed
            ),
            "unconfirmed_count": sum(entry.unconfirmed for entry in entries),
        },
        status=status,
    )


def _entry_ids(tokens: list[int | str], pairs) -> list[int]:
    """The entries the school confirmed knowingly: by id, or ``n<line id>`` for an entry the page showed unsaved
    (created by this save)."""
    by_line = {entry.line_id: entry.pk for entry, _entry_form in pairs}
    return [
        token if isinstance(token, int) else by_line[int(token[1:])]
        for token in tokens
        if isinstance(token, int) or int(token[1:]) in by_line
    ]


def _save(request, form: ProgressForm, pairs, hidden: dict, errors: list[str]) -> bool:
    """Save the school's answers as a draft, then send the form if asked. True when the draft is saved (the
    page redirects); False with the refusals put beside their fields, or in ``errors``."""
    try:
        services.progress_form_save(
            form=form,
            user=request.user,
            version=hidden["version"],
            entries={entry.pk: entry_form.cleaned_data for entry, entry_form in pairs},
        )
    except services.StaleForm as stale:
        errors.append(str(stale))
        return False
    except ValidationError as error:
        by_id = {entry.pk: entry_form for entry, entry_form in pairs}
        for key, messages_ in getattr(error, "message_dict", {"": error.messages}).items():
            entry_id, field = services.parse_entry_error_key(key)
            target = by_id.get(entry_id)
            if target is not None and (field is None or field in target.fields):
                target.add_error(field, messages_)
            else:
                errors.extend(messages_)
        return False
    if "submit" not in request.POST and "unconfirmed_ok" not in request.POST:
        messages.success(request, "Черновик сохранён.")
        return True
    # Sent after the save, in its own transaction: a refusal to send keeps the saved draft.
    try:
        services.progress_form_submit(
            form=form, user=request.user, unconfirmed_ok=_entry_ids(hidden["unconfirmed_ok"], pairs)
        )
    except services.UnconfirmedWithoutReason as refusal:
        n = len(refusal.entry_ids)
        messages.warning(
            request,
            f"Черновик сохранён, но форма не отправлена: у {count_noun(n, 'строки', 'строк', 'строк')} «выполнено» "
            "без документа и ссылки не написана причина. Приложите подтверждение или напишите в комментарии, "
            "почему его нет.",
        )
    except services.UnconfirmedDone as refusal:
        n = len(refusal.entry_ids)
        messages.warning(
            request,
            f"Черновик сохранён, но форма не отправлена: у {count_noun(n, 'строки', 'строк', 'строк')} со статусом "
            "«выполнено» нет ни документа, ни ссылки. Приложите подтверждение или нажмите «Отправить без "
            "подтверждения» — методист увидит "
            f"{plural(n, 'эту строку отмеченной', 'эти строки отмеченными', 'эти строки отмеченными')}.",
        )
    except ValidationError as refusal:
        messages.warning(request, "Черновик сохранён, но форма не отправлена. " + " ".join(refusal.messages))
    else:
        messages.success(
            request, "Форма отправлена методисту. Изменить её можно, если её вернут на доработку."
        )
    return True


@login_required
@require_POST
def form_review(request, pk: int):
    form = get_object_or_404(ProgressForm.objects.visible_to(request.user), pk=pk)
    review = ReviewForm(request.POST)
    review.is_valid()
    try:
        services.progress_form_review(
            form=form,
            user=request.user,
            accept="accept" in request.POST,
            comment=review.cleaned_data.get("comment", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "Форма принята." if "accept" in request.POST else "Форма возвращена школе на доработку."
        )
    return redirect("diagnostics:form_detail", pk=form.pk)


@login_required
def evidence_download(request, entry_pk: int):
    """Evidence is stored outside the web root and given only to those who see the form."""
    entry = get_object_or_404(ProgressEntry.objects.visible_to(request.user), pk=entry_pk)
    if not entry.evidence:
        raise Http404("Документ не приложен.")
    return stored_file_response(entry.evidence, name=entry.evidence_name)


@login_required
def dashboard(request):
    """Per municipality and quarter: forms by state; routes done on time; diagnostics and ИОМ coverage."""
    policy_for(ProgressForm).require(request.user, OVERSEE)
    today = timezone.localdate()
    quarters = [progress.quarter_of(today).previous().previous(), *reporting_quarters(today)]
    choice = request.GET.get("quarter") or ""
    quarter = next((q for q in quarters if f"{q.year}-{q.number}" == choice), quarters[1])
    schools = list(
        School.objects.visible_to(request.user)
        .filter(Q(teachers__routes__status=RouteStatus.APPROVED) | Q(progress_forms__isnull=False))
        .distinct()
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )
    forms = {
        f.school_id: f
        for f in ProgressForm.objects.visible_to(request.user).filter(
            year=quarter.year, quarter=quarter.number
        )
    }
    rows = []
    counts = {"submitted": 0, "accepted": 0, "returned": 0, "overdue": 0, "draft": 0, "missing": 0}
    for school in schools:
        form = forms.get(school.pk)
        status = form.status if form else None
        overdue = progress.form_overdue(status=status or FormStatus.DRAFT, quarter=quarter, today=today)
        rows.append((school, form, overdue))
        if overdue:
            counts["overdue"] += 1
        if form is None:
            counts["missing"] += 1
        else:
            counts[form.status] += 1
    coverage = selectors.dashboard_coverage(request.user, today=today)
    return render(
        request,
        "diagnostics/dashboard.html",
        {
            "quarter": quarter,
            "quarters": quarters,
            "rows": rows,
            "counts": counts,
            "diagnosed": coverage.diagnosed,
            "with_route": coverage.with_route,
            "teachers_total": coverage.total,
            "list_year": coverage.list_year,
            "diagnosed_share": coverage.diagnosed_share,
            "route_share": coverage.route_share,
            "on_time": selectors.on_time_by_teacher(request.user, quarter=quarter, today=today),
            "municipalities": Municipality.objects.visible_to(request.user),
            "route_count": Route.objects.visible_to(request.user).count(),
            "show_tabs": True,
        },
    )
