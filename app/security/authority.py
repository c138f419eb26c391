"""Authority, the second half of the one access mechanism: scope (app/security/scope.py) says
which rows a user reaches (else 404); authority says whether the user may author this kind of
record (else 403). Every hand-written path — page add/edit/delete, mass and single actions,
REST post/put/delete, imports — asks `check()` before it saves; workflows (approvals, exam
sync, screening) write as the system through app/services.

The declarations are `__authority__` on each model (app/models/authority.py); the table they
make is docs/authority.md.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models.vocabulary import field_label
from app.models.authority import POLICE, SYSTEM, UNIT, ByKind, rule_for
from app.models.base import AuthoredMixin
from .actor import current_actor
from .scope import current_scope, in_scope, is_shared

CREATE, CHANGE, DELETE = "create", "change", "delete"
# Never set by hand by anyone: who wrote a record, and when.
ALWAYS_FIXED = ("author_kind", "author_name", "author_user_id", "created_at", "updated_at")


class AuthorityViolation(Exception):
    """The user may reach the record but is not its author (e.g. a unit changing the police's
    监督检查): 403 with this message on pages and over REST; nothing is changed."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field
        self.message = str(message)


def author_of(scope) -> str | None:
    """The kind of author a signed-in user writes as; None for roles that write nothing
    (the association) or are not people (system accounts)."""
    if scope.denied:
        return None
    if scope.is_police:
        return POLICE
    if scope.is_unit_user and scope.writes:
        return UNIT
    return None


def record_author(item) -> str | None:
    """Who wrote a stored record: its author column, else (rows older than the column) the
    natural author of its kind. None for records kept by several hands (units, people,
    staff, services), which carry no author."""
    if not isinstance(item, AuthoredMixin):
        return None
    return item.author_kind or rule_for(type(item), item).natural_author()


def _old_value(item, column):
    state = inspect(item)
    if state.transient or state.pending:
        return ...
    history = state.attrs[column].history
    return history.deleted[0] if history.deleted else getattr(item, column)


def rules_of(item, verb):
    """The rules a write must satisfy: the record's kind now and, for a change or a delete,
    the kind it had (a unit may not turn the police's 监督检查 into its own 安全检查)."""
    model = type(item)
    found = [rule_for(model, item)]
    declared = getattr(model, "__authority__", None)
    if verb != CREATE and isinstance(declared, ByKind):
        old = _old_value(item, declared.column)
        if old is not ...:
            found.append(rule_for(model, item, old))
    return found


def changed_fields(item) -> set:
    """Attributes this write sets: every non-empty one of a new record, the changed ones of a
    stored record (history of this request's own session)."""
    state = inspect(item)
    new = state.transient or state.pending
    fields = set()
    for attr in state.mapper.attrs:
        key = attr.key
        if key not in state.attrs:
            continue
        if new:
            if state.dict.get(key) not in (None, "", [], False):
                fields.add(key)
        elif state.attrs[key].history.has_changes():
            fields.add(key)
    return fields


def locked_fields(rules, author) -> set:
    """Fields `author` may not set under any of `rules`: the fixed ones, and for anyone but
    the police the police's."""
    locked = set(ALWAYS_FIXED)
    for found in rules:
        locked.update(found.fixed_fields)
        if author != POLICE:
            locked.update(found.police_fields)
    return locked


# Translated only when a refusal is raised (a list asks `may` of each of its rows).
_REFUSED = {
    CREATE: lambda: _("Your role may not add this kind of record."),
    CHANGE: lambda: _("Your role may not change this kind of record."),
    DELETE: lambda: _("Your role may not delete this kind of record."),
}


def check(session, item, verb: str, scope=None) -> None:
    """Raise AuthorityViolation unless the user may `verb` (create / change / delete) this
    record as it now stands. The scope check (404) comes first, in the caller."""
    scope = scope or current_scope()
    author = author_of(scope)
    if author is None:
        raise AuthorityViolation(_("Your role does not change records."))
    rules = rules_of(item, verb)
    for found in rules:
        if not found.allows(author, verb):
            raise AuthorityViolation(_REFUSED[verb]())
    if verb != CREATE:
        written_by = record_author(item)
        if written_by == SYSTEM:
            raise AuthorityViolation(_("This record was written by an approval or by the "
                                       "system and is not changed by hand."))
        if author == UNIT and written_by not in (UNIT, None):
            raise AuthorityViolation(_("This record was written by the police and is "
                                       "read-only to units."))
    judged = author != POLICE and verb != CREATE and _judged(item, rules)
    if verb == DELETE:
        if judged:
            raise AuthorityViolation(_("The police have reviewed this record: it is not "
                                       "deleted."))
        return
    if verb == CHANGE and not inspect(item).modified:
        return   # asked of a stored row as it is (a list's 【编辑】 buttons): nothing touched
    if judged:
        moved = changed_fields(item) & {f for r in rules for f in r.judged_fields}
        if moved:
            field = sorted(moved)[0]
            raise AuthorityViolation(_("The police have reviewed this record: 「%(field)s」 "
                                       "is not changed.",
                                       field=field_label(field)), field=field)
    touched = changed_fields(item) & locked_fields(rules, author)
    if verb == CREATE:
        touched -= {"created_at", "updated_at"}  # column defaults
    if touched:
        field = sorted(touched)[0]
        only_police = author != POLICE and any(field in r.police_fields for r in rules)
        raise AuthorityViolation(
            (_("Only the police set 「%(field)s」.", field=field_label(field)) if only_police
             else _("「%(field)s」 is not changed by hand.", field=field_label(field))),
            field=field)


def _judged(item, rules) -> bool:
    """Whether the police have judged a stored record: a police-only field of a rule with
    judged fields holds a value (as stored, before this write)."""
    for found in rules:
        if found.judged_fields and any(
                _old_value(item, f) not in (None, "", ...) for f in found.police_fields):
            return True
    return False


def may(session, item, verb: str, scope=None) -> bool:
    try:
        check(session, item, verb, scope)
    except AuthorityViolation:
        return False
    return True


# ---------------------------------------------------------------- relations, both sides

def check_relations(session, item, creating: bool, scope=None) -> bool:
    """Every unit, person or other owned row a record names must be writable by the user, not
    only the side its scope follows (a conduct record of one's own unit about another unit's
    guard). Generic over the model's many-to-one relationships: shared reference data is
    exempt, and so are relations the model lists in `__unscoped_relations__`. False when a
    named row is outside the write scope (callers answer 404)."""
    scope = scope or current_scope()
    state = inspect(item)
    exempt = set(getattr(type(item), "__unscoped_relations__", ()))
    for rel in state.mapper.relationships:
        if rel.direction.name != "MANYTOONE" or rel.key in exempt or rel.viewonly:
            continue
        if is_shared(rel.mapper.class_):
            continue
        if not creating and not _relation_changed(state, rel):
            continue
        related = getattr(item, rel.key)
        if related is None:
            continue
        if not in_scope(session, related, write=True, scope=scope):
            return False
    return True


def _relation_changed(state, rel) -> bool:
    if state.attrs[rel.key].history.has_changes():
        return True
    return any(state.attrs[col.key].history.has_changes()
               for col in rel.local_columns if col.key in state.attrs)


# ---------------------------------------------------------------- author stamping

def _stamp(session, _flush_context, _instances):
    scope = current_scope()  # DENY when nobody is signed in (scripts, seeding)
    user_id, username = current_actor()
    for obj in session.new:
        if not isinstance(obj, AuthoredMixin) or obj.author_kind is not None:
            continue  # a workflow that names its author (SYSTEM) wins
        author = None if scope.denied else author_of(scope)
        if author is None:
            # Nobody signed in (demo data, operator scripts), or a system account (exam
            # sync): the kind's natural author, or the system for a signed-in system account.
            author = SYSTEM if user_id is not None else rule_for(type(obj), obj).natural_author()
        obj.author_kind = author
        obj.author_user_id = user_id
        obj.author_name = (username or "")[:64] or None


def install():
    """Stamp the author of every new authored record (idempotent)."""
    if not event.contains(Session, "before_flush", _stamp):
        event.listen(Session, "before_flush", _stamp)
