"""Text filters for Russian labels."""

from django import template

register = template.Library()


@register.filter
def lowerfirst(value) -> str:
    """A title inside a sentence: «Курсы повышения квалификации (КПК)» → «курсы повышения квалификации (КПК)».

    Only the first letter is lowered (``|lower`` would make «(кпк)» of an abbreviation), and not even that when
    the first word is an abbreviation itself («ШНОР …», «ИОМ …» stay as they are)."""
    text = str(value)
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]
