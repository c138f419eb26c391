"""The Celery entry point of production: `celery -A app.tasks.worker worker` and
`celery -A app.tasks.worker beat` (README "Production"). Builds the Flask app as a gunicorn
worker does (no migration, no permission sync: `flask --app run init-db` did that)."""
from run import create_production_app

flask_app = create_production_app()
celery = flask_app.extensions["celery"]
