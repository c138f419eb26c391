"""Form and page widgets over the vocabulary: the select over a choices mapping and the tier
badge. The words themselves (column labels, record-type names, value labels) live with the
codes in app/models/vocabulary.py and app/models/choices.py; the display of stored values and
ID masking in app/web/display.py."""
from flask_appbuilder.fieldwidgets import Select2Widget
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.validators import DataRequired, Optional

from app.models.choices import TIER_COLOURS, label
from app.services import settings


def choice_field(label_text, choices, required=True, exclude=()):
    """A select over a choices mapping (code → translated label)."""
    return SelectField(
        label_text,
        choices=[("", "")] * (not required) + [(k, v) for k, v in choices.items()
                                                 if k not in exclude],
        validators=[DataRequired()] if required else [Optional()], widget=Select2Widget())


def tier_badge(tier):
    """The coloured label of a service-target tier, as the dictionary 服务对象等级 says
    (系统管理 → 字典; red / yellow / green by default)."""
    entry = settings.entry("target_tier", tier) if tier is not None else None
    if entry is None:
        return ""
    colour = entry.value if entry.value in TIER_COLOURS else "grey"
    return Markup(f'<span class="tier-badge tier-{colour}">{escape(entry.label)}</span>')


def tier_choices():
    """(tier, label) of the tiers in the dictionary, for a select field."""
    return [(int(e.code), e.label) for e in settings.dictionary("target_tier")]
