"""Texts the browser scripts need (FAB's and ours), in the user's language: catalog strings
plus month and day names from Babel's locale data."""
from babel.dates import get_day_names, get_month_names
from flask_babel import get_locale
from flask_babel import gettext as _


def js_text() -> dict:
    locale = get_locale()
    days = get_day_names("wide", locale=locale)
    days_short = get_day_names("abbreviated", locale=locale)
    days_min = get_day_names("narrow", locale=locale)
    order = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, the datepicker from Sunday
    return {
        "locale": str(locale),
        "noRowSelected": _("No row selected"),
        "searching": _("Searching…"),
        "noResults": _("No matching records"),
        "errorLoading": _("The results could not be loaded"),
        "download": _("Download"),
        "datepicker": {
            "days": [days[i] for i in order],
            "daysShort": [days_short[i] for i in order],
            "daysMin": [days_min[i] for i in order],
            "months": [get_month_names("wide", locale=locale)[i] for i in range(1, 13)],
            "monthsShort": [get_month_names("abbreviated", locale=locale)[i]
                            for i in range(1, 13)],
            "today": _("Today"), "clear": _("Clear"),
            "format": "yyyy-mm-dd", "weekStart": 1,
        },
    }
