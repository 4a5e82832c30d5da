# Trust & Safety Desk image: one image for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm AS assets
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY trustsafety ./trustsafety
COPY accounts ./accounts
COPY customers ./customers
COPY complaints ./complaints
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /app/node_modules ./node_modules
# Collected with the production settings (DEBUG=0), whose storage serves hashed files from
# the manifest this writes: collected under DEBUG=1 there is no manifest, and every page of
# the production image fails on its first {% static %}. The values are build-only stand-ins
# (this RUN's environment is not kept in the image); the real ones come from .env at run time.
RUN DEBUG=0 SECRET_KEY=build-only-stand-in-not-a-secret-build-only-stand-in-not-a-secret \
    FIELD_ENCRYPTION_KEY=build-only PROVISIONING_WEBHOOK_SECRET=build-only-stand-in-not-a-secret \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput -v 0
RUN useradd --system --uid 10001 desk && chown -R desk /app
USER desk
EXPOSE 8000
CMD ["gunicorn", "trustsafety.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
