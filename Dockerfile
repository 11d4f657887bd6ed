# botox-bot: the wheel (with the model trained from the shipped content baked in), on a slim Python, as a
# non-root user. Build from the repository root:  docker build -t botox-bot .
# Settings are environment variables (docs/settings.md); secrets come from the orchestrator, never the image.

FROM python:3.11-slim AS build
WORKDIR /src
# the wheel's build hook trains the model on the shipped content (hatch_build.py): no container ever trains it
RUN pip install --no-cache-dir build==1.2.2
COPY . .
RUN python -m build --wheel --outdir /wheels

FROM python:3.11-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin botox
COPY --from=build /wheels /wheels
COPY requirements/lock.txt /tmp/lock.txt
RUN pip install --no-cache-dir -c /tmp/lock.txt /wheels/*.whl \
    && rm -rf /wheels /tmp/lock.txt \
    && botox-bot check
USER 10001
# listen on every interface inside the container; a model trained for a clinic's own content goes to /tmp
ENV BOTOX_BOT_HOST=0.0.0.0 \
    BOTOX_BOT_PORT=3000 \
    BOTOX_BOT_CACHE_DIR=/tmp/botox-bot-cache \
    PYTHONUNBUFFERED=1
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/readyz', timeout=2).status != 200)"]
ENTRYPOINT ["botox-bot", "serve"]
