"""The deployment files stay true to the code: every variable documented, every command one the
CLI accepts, the lock file satisfying pyproject, the compose file and the systemd units valid.

Nothing here starts a container (no Docker on CI); the image's steps were run by hand in a venv.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from yingji import cli, config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs" / "deployment.md"
LOCK = ROOT / "requirements" / "lock.txt"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def config_variables() -> set[str]:
    """Every environment variable src/yingji/config.py reads (its string literals)."""
    source = (ROOT / "src" / "yingji" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'"(YINGJI_[A-Z_]+[A-Z]|DATABASE_URL|REDIS_URL)"', source))


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "yingji.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_every_configuration_variable_is_documented():
    names = config_variables()
    assert {"DATABASE_URL", "REDIS_URL", "YINGJI_SECRET_KEY", "YINGJI_RATE_LOGIN"} <= names
    assert names - set(env_example()) == set(), "add them to deploy/yingji.env.example"
    docs = DOCS.read_text(encoding="utf-8")
    assert {name for name in names if f"`{name}`" not in docs} == set(), "add to the table"


def test_the_sample_environment_is_a_valid_configuration(tmp_path):
    env = env_example() | {"YINGJI_DATA_DIR": str(tmp_path)}
    loaded = config.load(env)
    assert loaded.errors == []
    assert loaded.https and not loaded.debug and loaded.log_format == "json"
    assert loaded.rate_limits == {"login": (20, 60), "ingest": (6000, 60)}


def parse_cli(command: str) -> None:
    """The yingji command line must be one the real argument parser accepts."""
    words = shlex.split(command)
    assert words[0] == "yingji", command
    try:
        cli.build_parser().parse_args(words[1:])
    except SystemExit as exc:
        pytest.fail(f"the CLI refuses {command!r} (exit {exc.code})")


def test_every_documented_command_exists(capsys):
    """Whole command lines in the guide's shell blocks parse; commands named in the prose
    (`yingji serve`, `yingji ingest mqtt` …) are subcommands that exist."""
    docs = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", docs, re.S)
    commands = []
    for line in "\n".join(blocks).splitlines():
        found = re.search(r"(?:^|[|;]\s*|exec -T web |exec web )(yingji\s[^#|;]*)", line)
        if found:
            commands.append(found.group(1).strip())
    assert len(commands) >= 10
    for command in commands:
        parse_cli(command)
    named = re.findall(r"`yingji ((?:[a-z][a-z-]* ?)+)", docs)
    assert {"serve", "worker", "backup", "restore", "ingest mqtt"} <= {n.strip() for n in named}
    for words in named:
        code = 0
        try:
            cli.build_parser().parse_args([*words.split(), "--help"])
        except SystemExit as exc:
            code = exc.code
        assert code == 0, f"`yingji {words}` is not a command"
    capsys.readouterr()


def test_compose_file():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "mosquitto", "migrate", "web", "worker", "ingest-mqtt"} <= set(
        services
    )
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["mosquitto"]["image"] == "eclipse-mosquitto:2"
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in compose["volumes"] or (DEPLOY / source).exists(), (name, volume)
        for env_file in [service["env_file"]] if "env_file" in service else []:
            assert env_file == "yingji.env"  # a copy of yingji.env.example
    web = services["web"]
    parse_cli(shlex.join(["yingji", *web["command"]]))
    assert web["command"][-4:] == ["--workers", "2", "--threads", "4"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert services["worker"]["deploy"]["replicas"] == 2
    parse_cli(shlex.join(["yingji", *services["worker"]["command"]]))
    for command in services["migrate"]["entrypoint"][-1].split("&&"):
        parse_cli(command)
    mqtt = services["ingest-mqtt"]["entrypoint"][-1].replace("$$", "$").removeprefix("exec ")
    parse_cli(re.sub(r'"\$(\w+)"', r"\1", mqtt))
    assert services["web"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}


def test_dockerfile_copies_what_exists_and_installs_the_lock():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in text
    assert "pip install --require-hashes -r /tmp/lock.txt" in text
    assert "\nUSER yingji\n" in text
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for source in sources.split():
            assert (ROOT / source).exists(), source


def test_the_lock_pins_every_runtime_dependency_with_hashes():
    lock_text = LOCK.read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)(?: ;[^\\\n]*)? \\$", lock_text, re.M))
    entries = re.split(r"\n(?=[a-z0-9])", lock_text.split("\n\n")[-1])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [
        *project["dependencies"],
        *project["optional-dependencies"]["postgres"],
        *project["optional-dependencies"]["redis"],
    ]
    for line in wanted:
        requirement = Requirement(line)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is missing from requirements/lock.txt: re-make the lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} does not satisfy pyproject's {requirement}: re-make the lock"
        )
    assert "psycopg-binary" in pins and "async-timeout" in pins


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_units_verify(tmp_path):
    """systemd-analyze verify, in a root holding the system's units and a stand-in yingji."""
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr/lib/systemd/system", symlinks=True)
    units = tmp_path / "etc/systemd/system"
    units.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, units)
    for tool in ("opt/yingji/venv/bin/yingji", "usr/bin/find"):  # what the units execute
        stub = tmp_path / tool
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={tmp_path}"]
        + [f"/etc/systemd/system/{unit.name}" for unit in UNITS],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=str)
def test_systemd_units_run_a_real_command_hardened(unit):
    text = unit.read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=/opt/yingji/venv/bin/(yingji .+)$", text, re.M)
    assert exec_start, unit
    parse_cli(re.sub(r"\$\{(\w+)\}", r"\1", exec_start.group(1)))
    for option in (
        "User=yingji",
        "EnvironmentFile=/etc/yingji/yingji.env",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/yingji",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
    ):
        assert option in text, (unit.name, option)
