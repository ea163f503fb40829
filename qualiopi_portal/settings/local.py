"""Settings of `make run`: the demo behaves like production (DEBUG off unless DEBUG=true is
set), with e-mails written to .run/emails and demo data allowed."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

# Off by default so that the demo shows the portal's own French error pages, never Django's
# technical ones (they list every URL pattern); DEBUG=true turns them back on for development.
DEBUG = env.bool("DEBUG", default=False)
DEMO_DATA_ALLOWED = True
SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-secret")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = BASE_DIR / ".run" / "emails"
# Serve static files straight from the source folders: no stale collectstatic in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
