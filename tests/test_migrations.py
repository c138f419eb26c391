"""The Alembic migrations and the models describe the same schema, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from flask_migrate import downgrade, upgrade

from app import MIGRATIONS_DIR


def _diff(app):
    from app.extensions import db
    with app.app_context(), db.engine.connect() as connection:
        from app.models.base import on_this_dialect
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": on_this_dialect(connection.dialect.name)})
        return compare_metadata(context, Model.metadata)


def test_migrated_schema_matches_models(app):
    assert _diff(app) == []


def test_migrations_run_down_and_up_again(tmp_path):
    from tests.conftest import build_app
    app = build_app(tmp_path, database_url=f"sqlite:///{tmp_path / 'mig.db'}", seed=False)
    from app.extensions import db
    with app.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="base")
        assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS_DIR)
        db.session.remove()
    assert _diff(app) == []
