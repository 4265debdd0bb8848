# The Federation AI service image. Build:
#   podman build --format docker -t federation-ai .        (or: docker build -t federation-ai .)
# The base is a build argument: any image with Python 3.11 as `python3`, with `venv`
# and `useradd` (python:3.11-slim, or Debian bookworm with python3 and python3-venv).
# `--format docker` keeps the HEALTHCHECK under Podman (the OCI format has none).
# Behind a TLS-intercepting proxy, give pip the CA bundle to trust as the build secret
# `pip-ca` (`--secret id=pip-ca,src=/etc/ssl/certs/ca-certificates.crt`); without it pip
# uses its own.
ARG BASE=python:3.11-slim

# --- build: a virtual environment with the pinned runtime dependencies and the package
FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python3 -m venv /opt/federation
COPY pyproject.toml constraints.txt ./
# The runtime dependencies (no extras) and the build backend first, read from
# pyproject: this layer is rebuilt only when they or their pins change, not on every
# source change, which then only builds the package itself (no download).
RUN --mount=type=secret,id=pip-ca \
    if [ -f /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
    && python3 -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
print('\n'.join(p['project']['dependencies'] + p['build-system']['requires']))" > requirements.txt \
    && /opt/federation/bin/pip install -q -c constraints.txt -r requirements.txt
COPY README.md ./
COPY src ./src
RUN /opt/federation/bin/pip install -q --no-deps --no-build-isolation -c constraints.txt . \
    && /opt/federation/bin/pip uninstall -q -y pip setuptools wheel

# --- runtime: the base, the environment and an unprivileged user; nothing else
FROM ${BASE}
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin federation \
    && mkdir -p /data && chown federation:federation /data
COPY --from=build /opt/federation /opt/federation
COPY deploy/container/healthcheck.py /opt/federation/healthcheck.py
# Configuration comes from the environment (FEDERATION_<SECTION>__<KEY>, see
# docs/configuration.md); these two make the defaults fit a container.
ENV PATH=/opt/federation/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    FEDERATION_SERVICE__HOST=0.0.0.0 \
    FEDERATION_SERVICE__DATA_DIR=/data
USER federation
WORKDIR /data
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "/opt/federation/healthcheck.py"]
ENTRYPOINT ["federation"]
CMD ["serve"]
