import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.kernel.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)

    assert env_bool("FLAG", not expected) is expected


def test_env_bool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")

    with pytest.raises(ImproperlyConfigured, match="FLAG='ture' is not a boolean"):
        env_bool("FLAG", False)


def test_env_int_refuses_text(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")

    with pytest.raises(ImproperlyConfigured, match="COUNT='ten' is not a whole number"):
        env_int("COUNT", 1)


def test_env_str_reads_a_secret_from_its_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("TOKEN_FILE", str(secret))

    assert env_str("TOKEN") == "s3cret"


def test_env_str_names_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKEN_FILE", str(tmp_path / "missing"))

    with pytest.raises(ImproperlyConfigured, match="TOKEN_FILE: cannot read"):
        env_str("TOKEN")


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")

    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    assert env_list("UNSET_LIST", ["x"]) == ["x"]
