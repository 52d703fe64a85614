# syntax=docker/dockerfile:1
# ConvScope image: runtime dependencies only (no test extras), runs as a non-root user.
#   docker build -t convscope .
#   docker run --rm -p 8000:8000 convscope

# ---- builder: install the project and its runtime dependencies into /opt/venv ----
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /build
# pyproject.toml names README.md as the long description, so it is needed to build.
COPY pyproject.toml README.md ./
COPY app/ app/
RUN pip install .

# ---- final: the venv plus the files the app reads at run time ----
FROM python:3.11-slim

# The app finds static/ and templates/ at Path(app/__file__).resolve().parent.parent, i.e. next
# to the app/ package. A regular `pip install .` puts app/ in /opt/venv/lib/.../site-packages,
# where there is no static/ beside it. So the final stage runs app/ from /srv/convscope
# (copied from the build context, with static/ and templates/ beside it) and puts that
# directory first on sys.path through PYTHONPATH. The copy of app/ installed in the venv
# is still there, but is shadowed; the venv supplies the dependencies and the `convscope`
# console script, whose `from app.cli import main` then resolves to /srv/convscope/app.
RUN groupadd --system convscope \
 && useradd --system --gid convscope --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin convscope

COPY --from=builder /opt/venv /opt/venv

WORKDIR /srv/convscope
# .dockerignore lets through only pyproject.toml, README.md, app/, static/ and templates/.
COPY . ./

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONPATH=/srv/convscope \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    CONVSCOPE_WORKERS=2

# Files stay owned by root and read-only for the app user.
USER convscope

EXPOSE 8000

# No curl in slim images: ask python for /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# Workers come from CONVSCOPE_WORKERS through the CLI.
CMD ["convscope", "serve", "--host", "0.0.0.0", "--port", "8000"]
