# syntax=docker/dockerfile:1
# ConvScope production image: runtime dependencies only (no test extras), no compiler, non-root,
# a health check, workers from the environment, BLAS at one thread per worker. docs/DEPLOY.md
# explains the choices and how to run it behind a load balancer or on Kubernetes.
#   docker build -t convscope .
#   docker run --rm -p 8000:8000 convscope
#   docker run --rm -p 8000:8000 -e CONVSCOPE_WORKERS=2 -e CONVSCOPE_REDIS_URL=redis://redis:6379/0 convscope
# (several workers need a Redis for the live classroom's rooms: deploy/compose.yaml runs both)

# One base image for both stages: the venv built in the first stage is copied into the second
# and runs on that stage's /usr/local/bin/python, so both must be the very same image.
# A precise tag (Python 3.11.14, Debian 13 "trixie", slim variant: no compiler). For a build that
# cannot change under you, also pin the digest the tag points to today:
#   docker buildx imagetools inspect python:3.11.14-slim-trixie    (prints "Digest: sha256:...")
#   docker build --build-arg PYTHON_IMAGE=python:3.11.14-slim-trixie@sha256:<digest> -t convscope .
ARG PYTHON_IMAGE=python:3.11.14-slim-trixie
# Only to fetch esbuild (a static native binary) from the npm registry; nothing of Node reaches the image.
ARG NODE_IMAGE=node:22-trixie-slim

# ---- esbuild: the bundler of static/dist/ (scripts/build_assets.py checks it is the version it pins) ----
FROM ${NODE_IMAGE} AS esbuild
ARG ESBUILD_VERSION=0.28.2
RUN npm install --prefix /tools --no-audit --no-fund --loglevel=error --save-exact "esbuild@${ESBUILD_VERSION}" \
 && cp /tools/node_modules/@esbuild/linux-*/bin/esbuild /usr/local/bin/esbuild \
 && /usr/local/bin/esbuild --version

# ---- builder: the runtime dependencies and the convscope command, in /opt/venv ----
FROM ${PYTHON_IMAGE} AS builder

# No pip cache in the layer; no "new pip available" check.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /build
# Dependencies first, read from pyproject.toml with the standard library's tomllib, so this
# layer (about 350 MB once installed) is rebuilt only when pyproject.toml changes, not on every
# edit to app/. Every dependency ships manylinux wheels for amd64 and arm64 (numpy, scipy,
# scikit-learn, pillow, orjson, pydantic-core, uvloop, httptools): nothing is compiled. Should a
# platform ever lack a wheel, install build-essential here, in the builder only.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
 && pip install --no-cache-dir -r requirements.txt
# Then the project itself, without touching the dependencies: this puts the `convscope`
# console script in /opt/venv/bin. pyproject.toml names README.md as the long description.
COPY README.md ./
COPY app/ app/
RUN pip install --no-cache-dir --no-deps .
# The pages' bundles, content-hashed, into /build/static/dist/ (app/http/assets.py reads its manifest).
COPY --from=esbuild /usr/local/bin/esbuild /usr/local/bin/esbuild
COPY static/ static/
COPY scripts/build_assets.py scripts/
RUN python scripts/build_assets.py --esbuild /usr/local/bin/esbuild

# ---- final: the venv plus the files the app reads at run time ----
FROM ${PYTHON_IMAGE}

# A fixed numeric uid/gid, and USER below uses the numbers: Kubernetes can only check
# runAsNonRoot against a numeric USER ("image has non-numeric user ..., cannot verify user is
# non-root"). No home directory, no login shell.
RUN groupadd --system --gid 10001 convscope \
 && useradd --system --uid 10001 --gid convscope --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin convscope

# The whole venv, package data included: scikit-learn's sklearn/datasets/data/digits.csv.gz and
# sklearn/datasets/images/*.jpg, which the app reads at run time, stay as pip installed them.
COPY --from=builder /opt/venv /opt/venv

# The app finds static/ and templates/ next to the app/ package (Path(app/__file__).parent.parent).
# A regular install puts app/ in site-packages, with no static/ beside it, so the app runs from
# /srv/convscope, first on sys.path through PYTHONPATH; the copy installed in the venv is shadowed
# (the venv supplies the dependencies and the `convscope` command, whose `from app.cli import
# main` resolves here). app/ includes app/transfer/digits_cnn.json. Files stay owned by root: the
# app user can read them, not change them. .dockerignore keeps everything else out.
WORKDIR /srv/convscope
COPY app/ app/
COPY static/ static/
COPY --from=builder /build/static/dist/ static/dist/
COPY templates/ templates/

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONPATH=/srv/convscope \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    CONVSCOPE_WORKERS=1 \
    CONVSCOPE_TIMEOUT_KEEP_ALIVE=75
# PYTHONDONTWRITEBYTECODE: the app never writes a file, so the root filesystem can be read-only.
# PYTHONUNBUFFERED: log lines reach `docker logs` at once.
# *_NUM_THREADS=1: NumPy's bundled OpenBLAS otherwise starts one thread per core in every worker
#   process (N workers x N cores threads on N cores); the ops here are small, and parallelism
#   comes from workers and replicas instead.
# CONVSCOPE_WORKERS=1: uvicorn worker processes. One is the safe default: the live classroom keeps
#   its rooms in the process's memory, and `convscope serve` refuses more than one worker without
#   CONVSCOPE_REDIS_URL (each worker would hold its own rooms and split a class). With a Redis, set
#   CONVSCOPE_REDIS_URL and one worker per core of the host (2 on a 2-core host, as
#   deploy/compose.yaml does); keep 1 on Kubernetes, where replicas do the scaling (docs/DEPLOY.md).
# CONVSCOPE_TIMEOUT_KEEP_ALIVE=75: seconds an idle connection is kept. Longer than the usual 60 s
#   idle timeout of the load balancer or proxy in front, so that it, not the app, closes idle
#   connections (otherwise a request can race the app's close and get a 502).
# Behind a proxy that terminates TLS, set FORWARDED_ALLOW_IPS (read by uvicorn) to the proxy's
# address so X-Forwarded-Proto/For are trusted; see docs/DEPLOY.md.

# Bytecode compiled now, as root, so that worker start-up never needs to write it.
RUN python -m compileall -q app

# Numeric, matching the ids created above.
USER 10001:10001

EXPOSE 8000

# uvicorn stops gracefully on SIGTERM: it stops accepting, lets running requests and streams
# finish, then exits. SIGTERM is Docker's default; stated here so that nobody changes it.
STOPSIGNAL SIGTERM

# No curl in slim images: Python asks /healthz. Exit 0 healthy, 1 unhealthy (an HTTP error or a
# refused connection raises, which also exits 1). Docker only: Kubernetes ignores HEALTHCHECK
# and uses the probes in deploy/kubernetes.yaml. The port is the one in CMD.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# Exec form, no shell: the convscope process is PID 1 and receives SIGTERM itself. uvicorn
# installs its own SIGTERM/SIGINT handlers (a PID 1 without handlers would ignore them), and its
# supervisor waits for its worker processes and replaces one that dies; nothing else in the
# container starts processes, so no init (tini) is needed. `docker run --init` does no harm.
# Workers come from CONVSCOPE_WORKERS, keep-alive from CONVSCOPE_TIMEOUT_KEEP_ALIVE (app/cli.py).
CMD ["convscope", "serve", "--host", "0.0.0.0", "--port", "8000"]
