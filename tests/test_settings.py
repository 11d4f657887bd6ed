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
    assert settings.emergency_number == "911" and settings.clinic_phone == ""
    assert not settings.log_message_text


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
        ({"BOTOX_BOT_EMERGENCY_NUMBER": "  "}, "BOTOX_BOT_EMERGENCY_NUMBER"),
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
