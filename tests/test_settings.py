"""Settings: environment, settings file, flags, and clear errors that name the setting."""

from __future__ import annotations

import pytest

from botox_bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("BOTOX_BOT_"):
            monkeypatch.delenv(key)


def test_embedded_defaults_need_no_setup():
    settings = load_settings()
    assert settings.clinic_phone == "" and not settings.log_message_text
    assert settings.emergency_numbers() == (None, None)  # no silent 911: replies say "your local emergency number"


@pytest.mark.parametrize(
    "country, numbers",
    [
        ("US", ("911", "988")),
        ("ca", ("911", "9-8-8")),
        ("GB", ("999", "Samaritans 116 123")),
        ("UK", ("999", "Samaritans 116 123")),
        ("FR", ("112", None)),
        ("AU", ("000", "Lifeline 13 11 14")),
    ],
)
def test_the_country_sets_the_emergency_number_and_crisis_line(monkeypatch, country, numbers):
    monkeypatch.setenv("BOTOX_BOT_COUNTRY", country)
    assert load_settings().emergency_numbers() == numbers
    monkeypatch.setenv("BOTOX_BOT_EMERGENCY_NUMBER", "112")
    assert load_settings().emergency_numbers()[0] == "112"  # an explicit setting wins


def test_an_unknown_country_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("BOTOX_BOT_COUNTRY", "Atlantis")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "BOTOX_BOT_COUNTRY" in str(info.value) and "unknown country" in str(info.value)


def test_environment_and_file_and_flags_in_order(monkeypatch, tmp_path):
    path = tmp_path / "s.yml"
    path.write_text("clinic_name: From File\nclinic_phone: 555-0001\nemergency_number: '999'\n")
    monkeypatch.setenv("BOTOX_BOT_CLINIC_PHONE", "555-0002")
    settings = load_settings(str(path), content_dir=str(tmp_path))
    assert settings.clinic_name == "From File"  # file
    assert settings.clinic_phone == "555-0002"  # environment beats file
    assert settings.emergency_number == "999"
    assert settings.content_dir == tmp_path  # flag


@pytest.mark.parametrize(
    "env, name",
    [
        ({"BOTOX_BOT_CONFIDENCE_THRESHOLD": "2"}, "BOTOX_BOT_CONFIDENCE_THRESHOLD"),
        ({"BOTOX_BOT_CONTEXT_TTL_SECONDS": "soon"}, "BOTOX_BOT_CONTEXT_TTL_SECONDS"),
        ({"BOTOX_BOT_SELECTOR_THRESHOLD": "-1"}, "BOTOX_BOT_SELECTOR_THRESHOLD"),
    ],
)
def test_a_wrong_setting_is_named(monkeypatch, env, name):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert name in str(info.value)


def test_unknown_key_in_settings_file_is_named(tmp_path):
    path = tmp_path / "s.yml"
    path.write_text("clinic_nmae: typo\n")
    with pytest.raises(SettingsError) as info:
        load_settings(str(path))
    assert "clinic_nmae" in str(info.value)


def test_missing_settings_file_is_an_error(tmp_path):
    with pytest.raises(SettingsError, match="not found"):
        load_settings(str(tmp_path / "nope.yml"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("clinic_name: [unclosed\n", "s.yml:2: invalid YAML"),
        ("- just\n- a list\n", "s.yml:1: must hold"),
    ],
)
def test_broken_settings_file_names_file_and_line(tmp_path, text, expected):
    path = tmp_path / "s.yml"
    path.write_text(text)
    with pytest.raises(SettingsError) as info:
        load_settings(str(path))
    assert expected in str(info.value)


# -- groups: what each part of the bot gets ----------------------------------------------------------
def test_platform_groups_read_the_platforms_usual_names(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "sig")
    monkeypatch.setenv("BOTOX_BOT_STAFF_CHANNEL", "C0STAFF")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tw")
    monkeypatch.setenv("BOTOX_BOT_PUBLIC_URL", "https://bot.clinic.example/")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    monkeypatch.setenv("BOTOX_BOT_STORE_KEY", "a-store-key-of-thirty-two-characters-or-more")
    settings = load_settings()
    assert settings.slack.bot_token.get_secret_value() == "xoxb-1" and settings.slack.staff_channel == "C0STAFF"
    assert settings.twilio.auth_token.get_secret_value() == "tw"
    assert settings.twilio.public_url == "https://bot.clinic.example"
    assert settings.redis.url == "redis://127.0.0.1:6399/0"
    assert settings.teams is None  # not configured: no group, so a configured group's credentials are never None


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "TWILIO_AUTH_TOKEN", "BOTOX_BOT_WEBHOOK_SECRET", "REDIS_URL"])
def test_an_empty_variable_means_not_set(monkeypatch, name):
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "sig")
    monkeypatch.setenv(name, "")
    settings = load_settings()
    assert (settings.slack, settings.twilio, settings.server.webhook_secret, settings.redis.url) == (
        None,
        None,
        None,
        None,
    )


def test_a_teams_client_id_without_its_secret_and_tenant_is_refused_where_teams_is_used(monkeypatch):
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "00000000-0000-0000-0000-000000000001")
    settings = load_settings()  # `botox-bot ask` and `teams-package` need no secret
    with pytest.raises(SettingsError, match="CLIENTSECRET and CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"):
        _ = settings.teams


def test_the_engine_gets_its_own_config_and_no_credentials(monkeypatch):
    import dataclasses

    from pydantic import SecretStr

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv("BOTOX_BOT_CLINIC_NAME", "Riverside Skin")
    monkeypatch.setenv("BOTOX_BOT_COUNTRY", "US")
    config = load_settings().engine_config()
    assert config.clinic_name == "Riverside Skin" and config.emergency_number == "911"
    values = [getattr(config, f.name) for f in dataclasses.fields(config)]
    assert not any(isinstance(v, SecretStr) for v in values) and "xoxb-secret" not in repr(config)


# -- secrets and the URLs keys travel over -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOTOX_BOT_WEBHOOK_SECRET", "a"),
        ("BOTOX_BOT_WEBHOOK_SECRET", "s3cr3t-v4lue"),
        ("BOTOX_BOT_WEBHOOK_SECRET", "a" * 40),  # long, but one letter
        ("BOTOX_BOT_STORE_KEY", "short-key"),
        ("BOTOX_BOT_METRICS_TOKEN", "0123"),
    ],
)
def test_weak_secrets_are_refused_by_name_without_echoing_them(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert name in str(info.value) and "at least 32" in str(info.value)
    assert len(value) < 5 or value not in str(info.value)


def test_a_strong_secret_is_accepted(monkeypatch):
    monkeypatch.setenv("BOTOX_BOT_WEBHOOK_SECRET", "Zq8v1Yb6mR2kT9wX4cN7pL0sH3jF5dGa")
    assert load_settings().server.webhook_secret.get_secret_value().startswith("Zq8")


@pytest.mark.parametrize("name", ["BOTOX_BOT_TEAMS_JWKS_URL", "SLACK_API_BASE_URL"])
def test_key_set_and_api_urls_must_be_https_outside_this_machine(monkeypatch, name):
    monkeypatch.setenv(name, "http://keys.example.com/keys")
    with pytest.raises(SettingsError, match="https://"):
        load_settings()
    for local in ("http://127.0.0.1:8080/keys", "http://localhost/keys", "http://[::1]:9/keys", "https://k.example/x"):
        monkeypatch.setenv(name, local)
        load_settings()


def test_redis_needs_a_store_key_where_redis_is_used(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    settings = load_settings()  # `botox-bot ask` needs no Redis
    with pytest.raises(SettingsError, match="BOTOX_BOT_STORE_KEY"):
        _ = settings.redis


def test_trusted_proxies_are_addresses_or_networks(monkeypatch):
    monkeypatch.setenv("BOTOX_BOT_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")
    assert load_settings().server.trusted_proxies == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    monkeypatch.setenv("BOTOX_BOT_TRUSTED_PROXIES", "nginx")
    with pytest.raises(SettingsError, match="BOTOX_BOT_TRUSTED_PROXIES"):
        load_settings()
