# Trust & Safety Desk — every setup step lives here, so a fresh clone needs two commands:
#   make run    set up and run the desk (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL)
#   make test   set up and run the whole test suite
SHELL := /bin/bash
# Everything here is development or CI: the desk runs with DEBUG=1 unless the caller says
# otherwise (settings default to DEBUG off, as production must). check-deploy sets DEBUG=0.
DEBUG ?= 1
export DEBUG
PY := .venv/bin/python
PIP := .venv/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages the test suite drives for real (browser, IMAP, DNS servers).
SYSTEM_PACKAGES := chromium dovecot-imapd rbldnsd nsd
SYSTEM_BINARIES := chromium dovecot rbldnsd nsd

.PHONY: run test setup venv node rundeps sysdeps services migrate static stop lint check-deploy bench clean

run: setup rundeps
	$(MANAGE) seed_demo
	@echo
	@echo "  Trust & Safety Desk: http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo "  Logins above; Ctrl-C stops web, worker and beat. 'make stop' stops the embedded servers."
	@echo
	$(PY) -m trustsafety.devrun --host $(HOST) --port $(PORT)

test: setup sysdeps
	@mkdir -p test-output
	REDIS_DB=15 CACHE_KEY_PREFIX=tsd-test .venv/bin/pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "no tests were collected: failing"; exit 1; fi; exit $$status

setup: venv node services migrate static

venv: .venv/.installed
.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The demo's blocklist server (optional: without it the demo sweep reports the zone down).
rundeps:
	@command -v rbldnsd >/dev/null 2>&1 || [ -x /usr/sbin/rbldnsd ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rbldnsd >/dev/null; \
	  else echo "optional: apt-get install rbldnsd for the demo blocklist"; fi; }
	@-systemctl disable --now rbldnsd >/dev/null 2>&1 || true

sysdeps:
	@missing=""; for b in $(SYSTEM_BINARIES); do \
	  command -v $$b >/dev/null 2>&1 || [ -x /usr/sbin/$$b ] || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages: $(SYSTEM_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "The test suite needs these Debian packages: $(SYSTEM_PACKAGES)"; \
	    echo "Missing programs:$$missing. Install them (as root: apt-get install $(SYSTEM_PACKAGES)) and re-run."; \
	    exit 1; \
	  fi; \
	fi
	@# Debian starts these daemons on install; the tests start their own on free ports.
	@-systemctl disable --now dovecot nsd rbldnsd >/dev/null 2>&1 || true

services: venv
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then $(PY) -m trustsafety.embedded start >/dev/null; fi

migrate: services
	$(MANAGE) migrate --noinput -v 0

static: node
	$(MANAGE) collectstatic --noinput -v 0

stop:
	-$(PY) -m trustsafety.embedded stop

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run

# Production settings must pass Django's deployment checklist.
check-deploy: venv node
	DEBUG=0 SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(60))') \
	  FIELD_ENCRYPTION_KEY=$$($(PY) -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())') \
	  PROVISIONING_WEBHOOK_SECRET=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(40))') \
	  DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} ALLOWED_HOSTS=desk.example \
	  $(MANAGE) check --deploy --fail-level WARNING

# The benchmarks of bench/ (each ends with one JSON line of its figures).
bench: setup sysdeps
	$(PIP) install --quiet -e '.[dev,bench]'
	$(PY) bench/resolve.py
	$(PY) bench/ingest.py
	$(PY) bench/queue.py
	$(PY) bench/dashboards.py
	$(PY) bench/ticket_statements.py
	$(PY) bench/dnsbl.py
	$(PY) bench/parse_shadowserver.py
	$(PY) bench/accuracy.py
	$(PY) bench/campaigns.py

clean: stop
	rm -rf var staticfiles test-output
