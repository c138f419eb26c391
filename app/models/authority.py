"""Authority declarations: who may create, change and delete a record kind by hand, and which
fields only the police (or nobody) may set. Plain data, declared on each model as
`__authority__` beside `__scope__`; app/security/authority.py enforces it on every write path.

Scope says which rows a user reaches; authority says whose record it is. The table and its
sources (the manual, 保安服务管理条例, 公安部令第112号) are in docs/authority.md.

Authors:
  POLICE  province admin, city and district police (within their jurisdiction)
  UNIT    the users of a unit (within the units they may write)
Records written by workflows (approvals, exam sync, screening) are written by the system
through app/services, never through these hand-written paths.
"""
from dataclasses import dataclass, field

POLICE = "police"
UNIT = "unit"
SYSTEM = "system"
AUTHOR_KINDS = (POLICE, UNIT, SYSTEM)


@dataclass(frozen=True)
class Rule:
    create: frozenset = frozenset()
    change: frozenset = frozenset()
    delete: frozenset = frozenset()
    # Fields only the police set (read-only to units, e.g. the 年审 result of an annual report).
    police_fields: tuple = ()
    # Fields nobody sets by hand: written by an approval or by the system.
    fixed_fields: tuple = ()
    # Fields that say what the police judged (the year of an annual report): once a police
    # field holds a value (the 年审 result), a unit changes none of them and deletes the
    # record no more (its verdict is an input of 信用评价, docs/credit.md).
    judged_fields: tuple = ()

    def allows(self, author: str, verb: str) -> bool:
        return author in getattr(self, verb)

    def natural_author(self) -> str:
        """Who writes this kind of record when nobody is signed in (demo data, imports run
        by an operator): the unit where units may create it, else the police."""
        return UNIT if UNIT in self.create else POLICE if POLICE in self.create else SYSTEM


def rule(create=(), change=None, delete=None, police_fields=(), fixed_fields=(),
         judged_fields=()) -> Rule:
    change = create if change is None else change
    delete = change if delete is None else delete
    return Rule(frozenset(create), frozenset(change), frozenset(delete), tuple(police_fields),
                tuple(fixed_fields), tuple(judged_fields))


# The common shapes.
UNIT_RECORD = rule((UNIT, POLICE))          # the unit's own record; police may correct
POLICE_RECORD = rule((POLICE,))             # police-authored; units read
SYSTEM_RECORD = rule(())                    # written by a workflow only; nobody by hand


@dataclass(frozen=True)
class ByKind:
    """The rule depends on a column's value (e.g. 安全检查 vs 监督检查)."""
    column: str
    rules: dict = field(default_factory=dict)
    default: Rule = SYSTEM_RECORD

    def for_value(self, value) -> Rule:
        return self.rules.get(value, self.default)


def declared_rules(model) -> list:
    """Every rule a model declares (one per kind for ByKind); none when undeclared."""
    declared = getattr(model, "__authority__", None)
    if isinstance(declared, ByKind):
        return [*declared.rules.values(), declared.default]
    return [declared] if declared is not None else []


def rule_for(model, item=None, value=...) -> Rule:
    """The rule of a record (of `value` for its kind column when given)."""
    declared = getattr(model, "__authority__", None)
    if declared is None:
        return SYSTEM_RECORD  # deny by default: an undeclared model is written by nobody
    if isinstance(declared, ByKind):
        if value is ...:
            value = getattr(item, declared.column, None) if item is not None else None
        return declared.for_value(value)
    return declared
