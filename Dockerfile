# syntax=docker/dockerfile:1
# One PayTrust image for every process:
#   api (default)  python -m api.main
#   worker         python worker.py
#   sandbox        python -m sandbox
#   migrations     python paytrust_cli.py migrate
# docker-compose.yml runs each with its own command; docs/deployment.md has the settings.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY . .
# Exact versions from constraints.txt; the same command as `make install`, without dev extras
# (the generated client is there for `paytrust demo`).
RUN pip install -c constraints.txt . ./clients/python

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    SANDBOX_HOST=0.0.0.0 \
    SANDBOX_PORT=8090 \
    LOG_JSON=true
RUN groupadd --system --gid 10001 paytrust \
    && useradd --system --uid 10001 --gid paytrust --home-dir /app --shell /usr/sbin/nologin paytrust
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The source tree too: Alembic finds alembic.ini and migrations/ next to db/, and /app comes
# first on sys.path, so the processes run this exact tree.
COPY --chown=root:root . /app
USER paytrust:paytrust
EXPOSE 8000 8090
# The api's check; compose overrides it for the worker (no HTTP port) and the sandbox.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('API_PORT', '8000'), timeout=4)"]
CMD ["python", "-m", "api.main"]
