"""The preview's pick of a school for a name the file gives that matched none or several (#19 §1): the form is
templates/imports/_unmatched.html on the import's page; the choices are kept by schools.services.import_names_pick."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.models import ImportBatch

from .services import import_names_pick

PICK_PREFIX = (
    "pick-"  # a form field «pick-<index of the name>» holds the chosen school's id ("" — not chosen)
)


@login_required
@require_POST
def import_pick(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.editable_by(request.user), pk=pk)
    picks: dict[int, int] = {}
    for field, value in request.POST.items():
        if field.startswith(PICK_PREFIX) and value:
            try:
                picks[int(field.removeprefix(PICK_PREFIX))] = int(value)
            except ValueError:
                messages.error(request, "Неверный выбор школы: обновите страницу.")
                return redirect("imports:detail", pk=batch.pk)
    try:
        batch = import_names_pick(batch=batch, picks=picks, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("imports:detail", pk=batch.pk)
    messages.success(
        request,
        f"Выбранные школы запомнены ({len(picks)}): файл проверен заново"
        + (", теперь без ошибок." if batch.status == ImportBatch.Status.VALIDATED else "."),
    )
    return redirect("imports:detail", pk=batch.pk)
