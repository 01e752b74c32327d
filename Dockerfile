# Wheels are built in a stage of their own: gunicorn_h1c (gunicorn's C request parser, which
# gunicorn.conf.py requires) is published as source only and needs a compiler, which the
# image that runs the planner does not keep.
FROM python:3.11-slim AS wheels
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/gaplanner
WORKDIR /app
COPY requirements.txt .
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels -r requirements.txt && rm -rf /wheels
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input -v 0
RUN useradd --system gaplanner && mkdir -p /var/lib/gaplanner && chown gaplanner /var/lib/gaplanner
USER gaplanner
EXPOSE 8000
# Bind address, workers, request limits and (no) access log: gunicorn.conf.py.
CMD ["gunicorn", "gaplanner.wsgi", "--config", "gunicorn.conf.py"]
