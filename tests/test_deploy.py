"""The deployment files, checked offline (no image is built or pulled here): the Dockerfile linted, the compose
file and the Kubernetes manifests validated against their schemas, every environment variable they set a real
setting, every probe path a real route, every metric the alerts and the dashboard query one the bot exports."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from botox_bot.settings import ENV_PREFIX, Settings
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
KUBE = DEPLOY / "kubernetes"
MANIFESTS = sorted(p for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")
ALERTS = DEPLOY / "monitoring" / "alerts.yaml"
DASHBOARD = DEPLOY / "monitoring" / "grafana-dashboard.json"
NOT_SETTINGS = {"PYTHONUNBUFFERED"}  # Python's own


def setting_names() -> set[str]:
    """Every environment variable the settings read: BOTOX_BOT_<FIELD>, or a platform's own name."""
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        if choices:
            names.update(c for c in choices if isinstance(c, str) and c.isupper())
        else:
            names.add(ENV_PREFIX + name.upper())
    return names


def dockerfile_env() -> dict[str, str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def test_the_dockerfile_passes_hadolint():
    binary = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([binary, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_user_installs_the_wheel_and_checks_readiness():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.\d+-slim\b", text, re.M)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1] not in {"root", "0"}
    assert "python -m build --wheel" in text and "pip install" in text and "/wheels/*.whl" in text
    assert "/readyz" in re.search(r"^HEALTHCHECK .*", text.replace("\\\n", " "), re.M).group(0)


def test_the_compose_file_matches_the_compose_schema():
    schema_text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    jsonschema.validate(yaml.safe_load(COMPOSE.read_text()), json.loads(schema_text))


def test_the_compose_file_runs_the_bot_on_redis_with_persistence_behind_nginx():
    compose = yaml.safe_load(COMPOSE.read_text())["services"]
    assert compose["bot"]["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert "--appendonly" in compose["redis"]["command"] and compose["redis"]["volumes"]
    nginx = (COMPOSE.parent / "nginx.conf").read_text()
    for directive in ("client_header_timeout", "client_body_timeout", "client_max_body_size", "X-Request-ID"):
        assert directive in nginx
    assert "server bot:3000" in nginx


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_kubernetes_manifest_matches_the_kubernetes_schema(path):
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_kustomize_lists_every_manifest_and_the_deployment_has_what_operators_expect():
    listed = yaml.safe_load((KUBE / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == [p.name for p in MANIFESTS]
    kinds = {yaml.safe_load(p.read_text())["kind"] for p in MANIFESTS}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret"} <= kinds
    pod = yaml.safe_load((KUBE / "deployment.yaml").read_text())["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert {"secretRef"} <= {key for source in container["envFrom"] for key in source}
    assert pod["securityContext"]["runAsNonRoot"] is True


def environment_variables() -> dict[str, set[str]]:
    """Every variable each deployment file sets."""
    compose = yaml.safe_load(COMPOSE.read_text())["services"]["bot"]["environment"]
    example = [
        line.split("=", 1)[0]
        for line in (COMPOSE.parent / "bot.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    kube = {}
    for path in (KUBE / "configmap.yaml", KUBE / "secret.yaml"):
        doc = yaml.safe_load(path.read_text())
        kube[path.name] = set(doc.get("data") or doc.get("stringData"))
    return {"Dockerfile": set(dockerfile_env()), "compose.yaml": set(compose), "bot.env.example": set(example), **kube}


@pytest.mark.parametrize("where", ["Dockerfile", "compose.yaml", "bot.env.example", "configmap.yaml", "secret.yaml"])
def test_every_environment_variable_set_is_a_real_setting(where):
    unknown = environment_variables()[where] - setting_names() - NOT_SETTINGS
    assert not unknown, f"{where} sets {sorted(unknown)}, which no setting reads"


def test_the_settings_the_deployment_files_set_are_valid_values(monkeypatch):
    """Loaded as the bot would load them: a typo'd value fails here, not at a clinic's start-up."""
    values = {**dockerfile_env(), **yaml.safe_load((KUBE / "configmap.yaml").read_text())["data"]}
    values.update(yaml.safe_load(COMPOSE.read_text())["services"]["bot"]["environment"])
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("BOTOX_BOT_STORE_KEY", secrets.token_urlsafe(32))  # a secret: from bot.env, not compose
    loaded = Settings()
    assert loaded.host == "0.0.0.0" and loaded.port == 3000


def probes() -> list[tuple[str, str]]:
    out = [("Dockerfile HEALTHCHECK", re.search(r"127\.0\.0\.1:\d+(/\w+)", DOCKERFILE.read_text()).group(1))]
    pod = yaml.safe_load((KUBE / "deployment.yaml").read_text())["spec"]["template"]["spec"]
    for name in ("readinessProbe", "livenessProbe", "startupProbe"):
        out.append((name, pod["containers"][0][name]["httpGet"]["path"]))
    return out


async def test_every_probe_path_is_a_route_that_answers(serve):
    client = await serve()
    seen = {}
    for where, path in probes():
        seen[where] = (await client.get(path)).status
    assert seen == {where: 200 for where, _ in probes()}
    assert {path for _, path in probes()} == {"/readyz", "/healthz"}
    pod = yaml.safe_load((KUBE / "deployment.yaml").read_text())["spec"]["template"]["spec"]
    port = pod["containers"][0]["ports"][0]["containerPort"]
    assert port == int(yaml.safe_load((KUBE / "configmap.yaml").read_text())["data"]["BOTOX_BOT_PORT"]) == 3000


_METRIC = re.compile(r"\b((?:botox_bot|process)_[a-z_]+|up)\b(\{[^}]*\})?")


def queries() -> list[str]:
    rules = yaml.safe_load(ALERTS.read_text())["groups"][0]["rules"]
    dashboard = json.loads(DASHBOARD.read_text())
    return [r["expr"] for r in rules] + [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def exported(text: str) -> dict[str, set[str]]:
    """Sample names /metrics can carry, with their label names (a labelled family with no sample yet counts)."""
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
        for suffix in suffixes.get(family.type, [""]):
            names.setdefault(family.name + suffix, set())
    return names


async def test_every_metric_the_alerts_and_the_dashboard_query_is_exported(serve):
    client = await serve()
    for text in ("how long does botox last", "I can't breathe after my injection"):
        await client.post("/webhooks/rest/webhook", json={"sender": "m", "message": text})
    available = exported(await (await client.get("/metrics")).text())
    labels_of = {
        "botox_bot_escalations_total": {"channel", "outcome"},
        "botox_bot_rejected_total": {"channel", "reason"},
        "botox_bot_rate_limited_total": {"channel"},
    }
    missing, bad_labels = set(), set()
    for expr in queries():
        for name, matchers in _METRIC.findall(expr):
            if name == "up":  # Prometheus's own, per scrape target
                continue
            if name not in available:
                missing.add(name)
                continue
            known = available[name] | labels_of.get(name, set()) | {"le"}
            used = set(re.findall(r"(\w+)\s*[!=]~?", matchers))
            bad_labels |= {f"{name}{{{label}}}" for label in used - known}
    assert not missing, f"queried but not exported: {sorted(missing)}"
    assert not bad_labels, f"labels no such metric has: {sorted(bad_labels)}"
    assert {"botox_bot_ready", "botox_bot_store_degraded"} <= {n for q in queries() for n, _ in _METRIC.findall(q)}


def test_the_alert_rules_are_a_prometheus_rules_file():
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    for group in groups:
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
            assert rule["alert"] and rule["expr"] and rule["labels"]["severity"] in {"page", "warning", "info"}
            assert rule["expr"].count("(") == rule["expr"].count(")")
    alerts = {r["alert"] for g in groups for r in g["rules"]}
    assert {
        "BotoxBotNotReady",
        "BotoxBotStoreDegraded",
        "BotoxBotEscalationFailed",
        "BotoxBotEmergencyAnswered",
    } <= alerts
