"""The template language staff write notices and call scripts in: `{{ name }}` and nothing else.

Wording is edited in the admin, so it must not reach anything but the values it is
given. Django's template language can walk from any object to the whole database
(`business.prefecture.business_set…`) and call methods; this one cannot: a variable is
a name looked up in a dict of strings, there are no tags, filters, comments or
attributes, and whatever else is written between `{{ }}` or `{% %}` is an error. The
same check runs when a template is saved (with a Japanese message) and before every
rendering, so a template written to the database some other way fails cleanly too.
"""

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

# Everything that opens a Django construct, so that none of them passes as text.
MARKUP = re.compile(r"\{\{(?P<var>.*?)\}\}|\{%(?P<tag>.*?)%\}|\{#(?P<comment>.*?)#\}|(?P<open>\{\{|\{%|\{#)", re.S)


class WordingError(ValueError):
    """The text uses something other than the listed variables; `problems` are for the editor."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _problem(match: re.Match, names: Iterable[str]) -> str:
    """Why one piece of markup cannot be used, or '' when it is a listed variable."""
    if match["open"]:
        return _("“%(markup)s” is not closed: write variables as {{ name }}.") % {"markup": match["open"]}
    if match["tag"] is not None:
        words = match["tag"].split()
        return _("Tags such as “{%% %(tag)s %%}” cannot be used: only variables such as {{ name }}.") % {
            "tag": words[0] if words else ""
        }
    if match["comment"] is not None:
        return _("Comments “{# … #}” cannot be used.")
    name = match["var"].strip()
    if name in names:
        return ""
    if "|" in name:
        return _("Filters such as “|%(filter)s” cannot be used: the variables are already formatted.") % {
            "filter": name.split("|", 1)[1].split(":", 1)[0].strip()
        }
    return _("There is no variable “%(name)s”. Available: %(names)s.") % {
        "name": name,
        "names": "、".join(names),
    }


def problems(text: str, names: Iterable[str]) -> list[str]:
    """Every problem of a text, in the order they appear (empty when it can be used)."""
    names = list(names)
    found = [_problem(match, names) for match in MARKUP.finditer(text)]
    return list(dict.fromkeys(problem for problem in found if problem))


def names_in(text: str) -> set[str]:
    """The variable names a text uses."""
    return {match["var"].strip() for match in MARKUP.finditer(text) if match["var"] is not None}


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each `{{ name }}` replaced by its value; WordingError if anything else is there.

    The values are put in once: markup inside a value is text, never read again.
    """
    if found := problems(text, values):
        raise WordingError(found)
    return MARKUP.sub(lambda match: values[match["var"].strip()], text)
