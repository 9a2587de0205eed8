"""WSGI entry point for gunicorn: `gunicorn bpmnpub.wsgi:app`."""

from . import create_app

app = create_app()
