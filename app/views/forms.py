"""Form pieces the pages share: the text and date fields of the hand-written forms, and the
record views that store an upload once the rest of the record is valid."""
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, DatePickerWidget
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional


def _presence(required):
    return DataRequired() if required else Optional()


def text_field(label, max_length, required=False, widget=None):
    """A one-line text box of at most `max_length` characters."""
    return StringField(label, validators=[_presence(required), Length(max=max_length)],
                       widget=widget or BS3TextFieldWidget())


def date_field(label, required=False, widget=None):
    return DateField(label, validators=[_presence(required)],
                     widget=widget or DatePickerWidget())


class UploadsOnSave:
    """A record view whose form carries upload fields: `take_uploads(item)` stores them on
    add and on update, after the base checks (so a refused record stores nothing)."""

    def take_uploads(self, item):
        raise NotImplementedError

    def pre_add(self, item):
        super().pre_add(item)
        self.take_uploads(item)

    def pre_update(self, item):
        super().pre_update(item)
        self.take_uploads(item)
