# Production image: gunicorn web, Celery worker and beat share it (see docker-compose.yml).
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
ENV DJANGO_SETTINGS_MODULE=qualiopi_portal.settings.production PYTHONUNBUFFERED=1
RUN SECRET_KEY=build-only DATABASE_URL=postgres://x/x REDIS_URL=redis://x:6379/0 \
    python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
CMD ["gunicorn", "qualiopi_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
