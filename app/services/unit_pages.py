"""What the unit page computes: 持证情况 (certificate counts over the unit's active staff, a
self-hiring unit's including its client units' guards) and the holders behind a count. Queries go through the scope mechanism."""
from sqlalchemy import func

from app.models import Certificate, Employment, Person
from app.models.choices import CERTIFICATE_KINDS
from app.security.scope import scope_clause

from .rules import staff_unit_ids


def _holders_query(session, unit_id, scope):
    return (session.query(Person, Certificate, Employment)
            .join(Certificate, Certificate.person_id == Person.id)
            .join(Employment, Employment.person_id == Person.id)
            .filter(Employment.unit_id.in_(staff_unit_ids(session, unit_id)),
                    Employment.end_date.is_(None),
                    Certificate.status == "valid",
                    scope_clause(Person, scope), scope_clause(Certificate, scope)))


def certificate_counts(session, unit_id, scope):
    """[(kind, count of active staff holding a valid certificate of that kind)] for every kind."""
    rows = dict(_holders_query(session, unit_id, scope)
                .with_entities(Certificate.kind, func.count(func.distinct(Person.id)))
                .group_by(Certificate.kind).all())
    return [(kind, rows.get(kind, 0)) for kind in CERTIFICATE_KINDS]


def certificate_holders(session, unit_id, kind, scope, page=0, page_size=50):
    """(total, [(person, certificate, employment)]) of one certificate kind, by name."""
    query = _holders_query(session, unit_id, scope).filter(Certificate.kind == kind)
    total = query.count()
    rows = (query.order_by(Person.name, Person.id, Certificate.id)
            .offset(page * page_size).limit(page_size).all())
    return total, rows
