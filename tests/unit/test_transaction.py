"""The one commit path of the web layer (app.web.transaction.atomic)."""
import pytest
from sqlalchemy import Column, Integer, create_engine, select
from sqlalchemy.orm import Session, declarative_base

from app.web.transaction import atomic

Base = declarative_base()


class Row(Base):
    __tablename__ = "row"
    id = Column(Integer, primary_key=True)


@pytest.fixture
def engine():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    return engine


def _count(engine):
    with Session(engine) as other:
        return len(other.execute(select(Row)).all())


def test_the_block_is_committed_when_it_succeeds(engine):
    with Session(engine) as session:
        with atomic(session):
            session.add(Row(id=1))
    assert _count(engine) == 1


def test_an_error_rolls_the_block_back_and_is_raised(engine):
    with Session(engine) as session:
        with pytest.raises(ValueError):
            with atomic(session):
                session.add(Row(id=1))
                session.flush()
                raise ValueError("refused")
        assert session.execute(select(Row)).all() == []
    assert _count(engine) == 0
