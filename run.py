"""Run the app with demo data: `python run.py` (SQLite in instance/ unless DATABASE_URL).

On start it migrates the schema, loads reference data and, into an empty database, the
deterministic demo data set, then serves on 127.0.0.1:$PORT (default 5000).
For production use gunicorn (`gunicorn -w 4 'run:create_production_app()'`) after running
`flask --app run db upgrade` once; see README.
"""
import os

from app import create_app


def create_production_app():
    return create_app(AUTO_MIGRATE=False)


def create_dev_app():
    app = create_app(AUTO_MIGRATE=True)
    with app.app_context():
        from app.extensions import db
        from seed.demo import seed_demo
        from seed.reference import load_reference_data

        load_reference_data(db.session)
        print(seed_demo(db.session, app.config["DEMO_PASSWORD"]))
        # Permissions and roles need the tables, which exist only after the first migration.
        app.appbuilder.add_permissions(update_perms=True)
        app.appbuilder.sm.sync_roles()
    return app


# `flask --app run …` finds the `create_app` factory imported above (no seeding, no
# automatic migration: `flask --app run db upgrade` migrates).
if __name__ == "__main__":
    create_dev_app().run(host=os.environ.get("HOST", "127.0.0.1"),
                         port=int(os.environ.get("PORT", "5000")), threaded=True)
