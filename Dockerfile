FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/gaplanner
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input -v 0
RUN useradd --system gaplanner && mkdir -p /var/lib/gaplanner && chown gaplanner /var/lib/gaplanner
USER gaplanner
EXPOSE 8000
# No access log: feed links carry their token in the path. Django logs errors, tokens redacted.
CMD ["gunicorn", "gaplanner.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
