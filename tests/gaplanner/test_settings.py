"""Settings behave as documented when started the way operators start them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_passes_with_debug_off(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        VAR_DIR=str(tmp_path),
    )

    assert (result.returncode, result.stdout.strip()) == (0, "System check identified no issues (1 silenced).")


def test_start_refuses_debug_off_without_secret_key(tmp_path):
    result = _manage("check", VAR_DIR=str(tmp_path))

    assert result.returncode == 1
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_manage_py_reads_the_env_file_that_make_run_writes(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=generated-by-make-run-0123456789-abcdefghijklmnop\nDEBUG=1\nDEMO_MODE=1\n")

    result = _manage("check", ENV_FILE=str(env_file), VAR_DIR=str(tmp_path))

    assert (result.returncode, result.stdout.strip()) == (0, "System check identified no issues (0 silenced).")


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\n")

    result = _manage("check", ENV_FILE=str(env_file), DEBUG="0", VAR_DIR=str(tmp_path))

    assert result.returncode == 1
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_a_named_env_file_that_is_missing_stops_the_start(tmp_path):
    result = _manage("check", ENV_FILE=str(tmp_path / "missing.env"), VAR_DIR=str(tmp_path))

    assert result.returncode == 1
    assert f"ENV_FILE: {tmp_path / 'missing.env'} is not a file" in result.stderr
