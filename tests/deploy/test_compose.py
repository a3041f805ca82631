"""docker-compose.yml and the Dockerfile, checked without Docker (none on this machine).

- against the official compose-spec JSON schema when `check-jsonschema` (which ships it) is
  installed, and always by a focused structural check: every service has an image or a build,
  depends_on targets and conditions exist, healthchecks and ports are well-formed, files
  mounted from deploy/ exist;
- every environment variable set for the api, worker and migrations is a `config.Settings`
  field (or a process variable the code reads), the sandbox's are `SandboxSettings` fields;
- every command run (compose and the Dockerfile's CMD) exists in the repo.

Fast (well under 2 s) and offline.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (via uvicorn[standard]); no stubs

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

# Variables that are not Settings fields but are read by the process itself: name -> (file, text
# that proves it is read there).
PROCESS_ENV = {
    "API_HOST": ("api/main.py", 'os.environ.get("API_HOST"'),
    "API_PORT": ("api/main.py", 'os.environ.get("API_PORT"'),
    # A Settings field only the api uses (the worker has no HTTP clients to resolve).
    "FORWARDED_ALLOW_IPS": ("config.py", "forwarded_allow_ips: str"),
    "PYTHONUNBUFFERED": ("python", ""),
}
PAYTRUST_SERVICES = ("api", "worker", "migrate")
DEPENDS_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
DURATION = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?+]([^}]*))?\}")
PORT = re.compile(r"^((\d{1,3}(\.\d{1,3}){3}):)?((\d+(-\d+)?):)?\d+(-\d+)?(/(tcp|udp))?$")


def interpolate(value: str) -> str:
    """Compose's ${VAR:-default} / ${VAR:?message} with defaults, as a bare `up` would see."""

    def substitute(match: re.Match[str]) -> str:
        required = ":?" in match.group(0) or "?" in match.group(0)[2:3]
        return "x" if required or not match.group(2) else match.group(2)

    return INTERPOLATION.sub(substitute, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


# --- the official schema --------------------------------------------------------------------


def test_compose_file_matches_the_compose_spec_schema(compose: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip(
        "jsonschema", reason="install check-jsonschema (ships the compose-spec schema)"
    )
    pytest.importorskip("check_jsonschema", reason="install check-jsonschema (dev extra)")
    from importlib.resources import files

    schema_file = files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema = json.loads(schema_file.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_class(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{'/'.join(str(p) for p in e.path)}: {e.message}" for e in errors[:10]
    )


# --- structure --------------------------------------------------------------------------------


def test_every_service_has_an_image_or_a_build(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
        if service.get("build"):
            context = service["build"]["context"] if isinstance(service["build"], dict) else "."
            assert (ROOT / context / "Dockerfile").exists(), name


def test_depends_on_targets_and_conditions(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        entries = {d: {} for d in depends} if isinstance(depends, list) else depends
        for target, spec in entries.items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name
            condition = spec.get("condition", "service_started")
            assert condition in DEPENDS_CONDITIONS, (name, target, condition)
            if condition == "service_healthy":
                hc = services[target].get("healthcheck")
                assert hc and not hc.get("disable"), f"{name} waits for {target}'s health: none"
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", f"{target} is one-shot"
            if "profiles" in services[target]:
                assert spec.get("required") is False, f"{name} needs optional {target}"


def test_healthchecks_are_well_formed(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        hc = service.get("healthcheck")
        if hc is None or hc.get("disable") is True:
            continue
        test = hc["test"]
        if isinstance(test, list):
            assert test and test[0] in {"CMD", "CMD-SHELL", "NONE"}, name
            assert len(test) >= 2 or test[0] == "NONE", name
        else:
            assert isinstance(test, str) and test.strip(), name
        for key in ("interval", "timeout", "start_period", "start_interval"):
            if key in hc:
                assert DURATION.match(str(hc[key])), (name, key, hc[key])
        if "retries" in hc:
            assert isinstance(hc["retries"], int) and hc["retries"] > 0, name


def test_ports_are_well_formed_and_unique(services: dict[str, dict[str, Any]]) -> None:
    published: dict[str, str] = {}
    for name, service in services.items():
        for port in service.get("ports", []):
            text = interpolate(str(port))
            assert PORT.match(text), (name, port)
            host = text.rsplit(":", 1)[0] if ":" in text else None
            if host:
                assert host not in published, f"{name} and {published[host]} publish {host}"
                published[host] = name
        for port in service.get("expose", []):
            assert re.fullmatch(r"\d+(-\d+)?(/(tcp|udp))?", str(port)), (name, port)


def test_replicated_api_publishes_no_host_port(services: dict[str, dict[str, Any]]) -> None:
    api = services["api"]
    assert api["deploy"]["replicas"] >= 2
    assert not api.get("ports"), "replicas cannot share a host port: publish the load balancer"
    balancers = [s for s in services.values() if s.get("depends_on", {}).get("api")]
    assert balancers and any(s.get("ports") for s in balancers)


def test_mounted_files_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            if source.startswith("./"):
                assert source.startswith("./deploy/"), f"{name} mounts {source}: keep it in deploy/"
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_temporal_dynamic_config_is_mounted(services: dict[str, dict[str, Any]]) -> None:
    temporal = services["temporal"]
    env = environment(temporal)
    assert env["DB"] == "mysql8" and env["MYSQL_SEEDS"] == "mysql"
    path = env["DYNAMIC_CONFIG_FILE_PATH"]
    mounts = {
        v.split(":")[1]: v.split(":")[0] for v in temporal["volumes"] if v.startswith("./deploy/")
    }
    container_path = path if path.startswith("/") else f"/etc/temporal/{path}"
    folder, _, filename = container_path.rpartition("/")
    assert folder in mounts, f"{container_path} is not on a mounted deploy/ folder"
    config = yaml.safe_load((ROOT / mounts[folder] / filename).read_text())
    assert isinstance(config, dict) and config


def test_search_attributes_match_the_dev_stack(services: dict[str, dict[str, Any]]) -> None:
    from devstack import SEARCH_ATTRIBUTES

    one_shot = services["temporal-search-attributes"]
    script = next(v.split(":")[0] for v in one_shot["volumes"] if v.endswith(".sh:ro"))
    text = (ROOT / script).read_text()
    for name, kind in SEARCH_ATTRIBUTES.items():
        assert f"{name}={kind}" in text
    assert "temporal operator search-attribute create" in text
    for dependant in ("api", "worker"):
        condition = services[dependant]["depends_on"]["temporal-search-attributes"]["condition"]
        assert condition == "service_completed_successfully"


def test_nginx_balances_the_api_service(services: dict[str, dict[str, Any]]) -> None:
    conf = (ROOT / "deploy/nginx/nginx.conf").read_text()
    assert re.search(r"server\s+api:8000\b", conf)
    assert "listen 8080" in conf
    lb = services["lb"]
    assert any(str(p).endswith(":8080") for p in lb["ports"])


def test_nginx_lets_idle_api_connections_go_before_the_api_does() -> None:
    """The side that closes an idle keep-alive connection must be the client (nginx): a request
    sent on a connection the api is closing fails, and a POST is never replayed."""
    from config import Settings

    conf = (ROOT / "deploy/nginx/nginx.conf").read_text()
    upstream = re.search(r"upstream paytrust_api \{(.*?)\}", conf, flags=re.S)
    assert upstream is not None
    timeout = re.search(r"keepalive_timeout\s+(\d+)s;", upstream.group(1))
    assert timeout is not None, "nginx's upstream default (60 s) outlives the api's"
    api_timeout = Settings.model_fields["http_timeout_keep_alive_seconds"].default
    assert int(timeout.group(1)) < api_timeout


def test_required_variables_are_in_the_example_env(compose: dict[str, Any]) -> None:
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", COMPOSE.read_text()))
    example = (ROOT / "deploy/compose.env.example").read_text()
    defined = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, flags=re.M))
    assert required and required <= defined, required - defined
    from config import validate_admin_key

    admin = re.search(r"^ADMIN_API_KEY=(.*)$", example, flags=re.M)
    assert admin is not None
    validate_admin_key(admin.group(1))


# --- environment --------------------------------------------------------------------------


def _process_env_is_read(name: str) -> bool:
    where, needle = PROCESS_ENV[name]
    if where == "python":
        return True
    if where == "uvicorn":
        spec = importlib.util.find_spec("uvicorn.config")
        assert spec is not None and spec.origin is not None
        return needle in Path(spec.origin).read_text()
    return needle in (ROOT / where).read_text()


def test_paytrust_environment_names_are_settings(services: dict[str, dict[str, Any]]) -> None:
    from config import Settings

    fields = {name.upper() for name in Settings.model_fields}
    for name in PAYTRUST_SERVICES:
        for var in environment(services[name]):
            if var in PROCESS_ENV:
                assert _process_env_is_read(var), f"{name}: nothing reads {var}"
            else:
                assert var in fields, f"{name} sets {var}, which is not a Settings field"
    for name in ("api", "worker"):
        env = environment(services[name])
        assert "ADMIN_API_KEY" in env and "DATABASE_URL" in env and "TEMPORAL_ADDRESS" in env
        assert env["DATABASE_URL"].startswith("mysql+asyncmy://")


def test_sandbox_environment_names_are_sandbox_settings(
    services: dict[str, dict[str, Any]],
) -> None:
    if not (ROOT / "sandbox" / "settings.py").exists():
        pytest.skip("sandbox/settings.py is not there yet")
    module = pytest.importorskip("sandbox.settings")
    settings_class = getattr(module, "SandboxSettings", None)
    if settings_class is None:
        pytest.skip("no SandboxSettings yet")
    prefix = settings_class.model_config.get("env_prefix", "")
    fields = {f"{prefix}{name}".upper() for name in settings_class.model_fields}
    env = environment(services["sandbox"])
    for var in env:
        assert var in fields or var in PROCESS_ENV, f"sandbox sets {var}: not a sandbox setting"


def test_sandbox_shares_the_gateway_keys(services: dict[str, dict[str, Any]]) -> None:
    api, sandbox = environment(services["api"]), environment(services["sandbox"])
    for key in ("XENDIT_SECRET_KEY", "XENDIT_CALLBACK_TOKEN", "MIDTRANS_SERVER_KEY"):
        assert sandbox[f"SANDBOX_{key}"] == api[key], key
    for key in ("XENDIT_BASE_URL", "MIDTRANS_SNAP_BASE_URL", "MIDTRANS_API_BASE_URL"):
        assert interpolate(api[key]) == "http://sandbox:8090", key
    worker = environment(services["worker"])
    shared = {k: v for k, v in api.items() if k not in PROCESS_ENV}
    assert worker == shared, "the worker needs the same settings as the api"


# --- commands ---------------------------------------------------------------------------------


def assert_command_exists(command: list[str]) -> None:
    assert command[0] == "python", command
    if command[1] == "-m":
        module = command[2]
        path = ROOT / module.replace(".", "/")
        assert path.with_suffix(".py").exists() or (path / "__main__.py").exists(), module
        source = (
            path.with_suffix(".py") if path.with_suffix(".py").exists() else path / "__main__.py"
        )
        assert '__name__ == "__main__"' in source.read_text(), f"{module} is not runnable"
        return
    script = ROOT / command[1]
    assert script.exists(), command
    text = script.read_text()
    assert '__name__ == "__main__"' in text, f"{command[1]} is not runnable"
    if len(command) > 2:  # an argparse sub-command
        parsers = {
            node.args[0].value
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_parser"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        }
        assert command[2] in parsers, f"{command[1]} has no sub-command {command[2]}"


def test_compose_commands_exist(services: dict[str, dict[str, Any]]) -> None:
    expected = {
        "api": ["python", "-m", "api.main"],
        "worker": ["python", "worker.py"],
        "migrate": ["python", "paytrust_cli.py", "migrate"],
        "sandbox": ["python", "-m", "sandbox"],
    }
    for name, command in expected.items():
        assert services[name]["command"] == command, name
        assert services[name]["image"] == services["api"]["image"], "one image for all"
        assert_command_exists(command)


def test_dockerfile_runs_the_api_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    froms = [rest for kw, rest in instructions if kw == "FROM"]
    args = dict(rest.split("=", 1) for kw, rest in instructions if kw == "ARG" and "=" in rest)
    assert froms and all(
        f.split()[0].replace("${PYTHON_IMAGE}", args.get("PYTHON_IMAGE", "")) == "python:3.11-slim"
        for f in froms
    )
    runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    assert "pip install -c constraints.txt ." in runs
    user = [rest for kw, rest in instructions if kw == "USER"]
    assert user and user[-1].split(":")[0] not in {"root", "0"}
    cmd = json.loads(next(rest for kw, rest in reversed(instructions) if kw == "CMD"))
    assert cmd == ["python", "-m", "api.main"]
    assert_command_exists(cmd)
    healthcheck = next(rest for kw, rest in instructions if kw == "HEALTHCHECK")
    assert "/health" in healthcheck


def test_dockerignore_keeps_secrets_and_the_venv_out() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "var"} <= ignored
    for needed in ("pyproject.toml", "constraints.txt", "alembic.ini", "migrations"):
        assert needed not in ignored
