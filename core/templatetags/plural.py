"""``{{ n|ru_plural:"форма,формы,форм" }}`` → the form agreeing with ``n`` (core.plural), the number itself is
printed by the template: ``{{ n }} {{ n|ru_plural:"форма,формы,форм" }}``."""

from django import template

from core.plural import plural

register = template.Library()


@register.filter
def ru_plural(value, forms: str) -> str:
    one, few, many = (form.strip() for form in forms.split(","))
    try:
        number = float(value)
    except (TypeError, ValueError):
        return many  # no number to agree with: «—» is followed by the form of «none»
    return plural(number, one, few, many)
