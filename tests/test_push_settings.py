"""Target settings from the environment and the push configuration file."""

from __future__ import annotations

import pytest

from programs import write_file
from sopdsl.diagnostics import Diagnostic
from sopdsl.push.settings import default_config_path, load_settings, secret_values
from sopdsl.push.target import SettingsError, TargetSettings
from sopdsl.push.targets import DRY_RUN_SECRET, build_target, target_class

CONFIG = """\
[push.webhook]
url = "https://file.example/hook"
secret = "from-file"
timeout = 5

[push.tryton]
url = "http://erp.example"
"""


def test_file_table_of_the_target_only(tmp_path):
    """The target's own table is read, numbers as text, other targets' tables ignored."""
    settings = load_settings("webhook", write_file(tmp_path / "push.toml", CONFIG), environ={})
    assert settings == TargetSettings("webhook", {"url": "https://file.example/hook",
                                            "secret": "from-file", "timeout": "5"})


def test_environment_wins_over_the_file(tmp_path):
    """SOPDSL_<TARGET>_<KEY> overrides the file and adds keys; other targets' are not read."""
    environ = {"SOPDSL_WEBHOOK_SECRET": "from-env", "SOPDSL_WEBHOOK_KINDS": "task",
               "SOPDSL_TRYTON_URL": "http://other", "SOPDSL_WEBHOOK_": "ignored"}
    settings = load_settings("webhook", write_file(tmp_path / "push.toml", CONFIG), environ=environ)
    assert settings.get("secret") == "from-env" and settings.get("kinds") == "task"
    assert settings.get("url") == "https://file.example/hook" and "" not in settings.values


def test_config_named_by_the_environment(tmp_path):
    """SOPDSL_PUSH_CONFIG names the file when --config does not."""
    path = write_file(tmp_path / "push.toml", CONFIG)
    settings = load_settings("tryton", environ={"SOPDSL_PUSH_CONFIG": str(path)})
    assert settings.get("url") == "http://erp.example"


def test_default_file_under_xdg_config_home(tmp_path):
    """Without a named file, $XDG_CONFIG_HOME/sopdsl/push.toml is read when it exists."""
    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert load_settings("webhook", environ=environ) == TargetSettings("webhook", {})
    default = default_config_path(environ)
    default.parent.mkdir(parents=True)
    default.write_text(CONFIG, encoding="utf-8")
    assert load_settings("webhook", environ=environ).get("secret") == "from-file"


def test_missing_named_file_is_an_error(tmp_path):
    """A configuration file that was named but does not exist is E626."""
    problem = load_settings("webhook", tmp_path / "nope.toml", environ={})
    assert isinstance(problem, Diagnostic) and problem.code == "E626"
    assert problem.message == "no such push configuration file"


def test_bad_toml_points_at_the_line(tmp_path):
    """A TOML syntax error is E626 at its line and column, without the file's values."""
    config = write_file(tmp_path / "push.toml", '[push.webhook]\nsecret = "abc\n')
    problem = load_settings("webhook", config, environ={})
    assert isinstance(problem, Diagnostic) and problem.code == "E626"
    assert problem.span.line == 2 and "abc" not in problem.message


def test_non_scalar_setting_is_an_error(tmp_path):
    """A setting that is a table or a list is E626 naming it."""
    config = write_file(tmp_path / "push.toml", "[push.webhook]\nurl = ['a']\n")
    problem = load_settings("webhook", config, environ={})
    assert problem.code == "E626" and "`push.webhook.url`" in problem.message


def test_secret_values_lists_only_set_secrets():
    """The values to mask are those of the secret keys that are set."""
    settings = TargetSettings("wecom", {"corpid": "ww1", "secret": "s", "token": ""})
    assert secret_values(settings, {"secret", "token", "aeskey"}) == ["s"]


def test_secret_values_take_the_credentials_of_url_settings():
    """A password in a URL setting and its key- or token-like query values are secrets too,
    decoded, whatever the setting is called."""
    settings = TargetSettings("webhook", {"url": "https://h:p%40ss@scrm.example/x?token=t%2B1&a=b",
                                    "base_url": "http://proxy.example/?api_key=k1",
                                    "secret": "s"})
    assert sorted(secret_values(settings, {"secret"})) == ["k1", "p@ss", "s", "t+1"]


def test_a_dry_run_builds_a_target_without_its_secrets() -> None:
    """Missing credentials are a settings error, except for a dry run, which stands in for
    them and keeps the ones given."""
    wecom = target_class("wecom")
    settings = TargetSettings("wecom", {"corp_id": "ww1"})
    with pytest.raises(SettingsError, match="secret"):
        build_target(wecom, settings)
    assert build_target(wecom, settings, dry_run=True).secret == DRY_RUN_SECRET
    given = TargetSettings("wecom", {"corp_id": "ww1", "secret": "s"})
    assert build_target(wecom, given, dry_run=True).secret == "s"
