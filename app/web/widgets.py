"""Form and page widgets over the vocabulary: the select over a choices mapping and the tier
badge. The words themselves (column labels, record-type names, value labels) live with the
codes in app/models/vocabulary.py and app/models/choices.py; the display of stored values and
ID masking in app/web/display.py."""
from flask_appbuilder.fieldwidgets import Select2Widget
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.validators import DataRequired, Optional

from app.models.choices import TIERS, label


def choice_field(label_text, choices, required=True, exclude=()):
    """A select over a choices mapping (code → translated label)."""
    return SelectField(
        label_text,
        choices=[("", "")] * (not required) + [(k, v) for k, v in choices.items()
                                                 if k not in exclude],
        validators=[DataRequired()] if required else [Optional()], widget=Select2Widget())


def tier_badge(tier):
    """The coloured label of a service-target tier (red / yellow / green)."""
    if tier not in TIERS:
        return ""
    colour = TIERS[tier]["colour"]
    return Markup(f'<span class="tier-badge tier-{colour}">{escape(label(TIERS, tier))}</span>')
