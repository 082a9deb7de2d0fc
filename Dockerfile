# Multi-stage: build a wheel-only virtualenv, then copy it into a slim runtime that runs as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY classifiers ./classifiers
COPY playbooks ./playbooks
RUN pip install --upgrade pip && pip install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 rrbot
COPY --from=build /opt/venv /opt/venv
COPY playbooks /app/playbooks
WORKDIR /app
RUN mkdir -p /app/var && chown rrbot:rrbot /app/var
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 \
    RRBOT_PLAYBOOKS_DIR=/app/playbooks RRBOT_DATABASE_URL=sqlite:////app/var/rrbot.db
USER rrbot
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status!=200)"
CMD ["rrbot", "serve", "--host", "0.0.0.0", "--port", "8000"]
