"""Project package: settings, URLs, the Celery app and the embedded-services launcher."""

from trustsafety.celery import app as celery_app

__all__ = ["celery_app"]
