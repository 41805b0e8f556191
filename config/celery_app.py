import os

from celery import Celery

# Workers and beat run with the web's settings: production unless told otherwise, like the
# WSGI entry point (`make worker` and `make beat` name the local settings, as `make run` does).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("bosang")
# Every CELERY_* setting in Django settings configures Celery (broker, eager mode, beat).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
