"""WSGI entry point for gunicorn: ``gunicorn wsgi:server`` (see Procfile)."""

from dashboard.app import create_app

server = create_app().server
