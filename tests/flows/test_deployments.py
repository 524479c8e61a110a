"""prefect.yaml and flows.serve describe the deployments Prefect 3.9 will create (no server started)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ENV = {
    "SAMORDNE_HOME": "/srv/samordne",
    "SAMORDNE_INBOX": "/data/innboks",
    "SAMORDNE_OUT": "/data/ut",
}


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def resolved(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The file as `prefect deploy` sees it: "{{ $NAME }}" filled from the environment."""
    from prefect.utilities.templating import apply_values

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    import os

    result = apply_values(config, dict(os.environ))
    assert isinstance(result, dict)
    return result


def _deployment(config: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [d for d in config["deployments"] if d["name"] == name]
    return found


def test_prefect_yaml_targets_the_installed_prefect(config: dict[str, Any]) -> None:
    """The file names the installed Prefect version and the deployments in order."""
    from importlib.metadata import version

    assert config["prefect-version"] == version("prefect")
    assert [d["name"] for d in config["deployments"]] == ["nightly", "on-demand", "approve-delivery"]
    assert {d["work_pool"]["name"] for d in config["deployments"]} == {"samordne-pool"}


def test_nightly_schedule_is_cron_in_oslo_time(config: dict[str, Any]) -> None:
    """The nightly deployment runs at 02:30 Europe/Oslo, and Prefect parses it as such a cron schedule."""
    from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule

    [schedule] = _deployment(config, "nightly")["schedules"]
    assert schedule == {"cron": "30 2 * * *", "timezone": "Europe/Oslo", "active": True}
    from prefect.client.schemas.schedules import CronSchedule

    parsed = _schedule_config_to_deployment_schedule(schedule)
    assert parsed == {"schedule": CronSchedule(cron="30 2 * * *", timezone="Europe/Oslo"), "active": True}
    assert "schedules" not in _deployment(config, "on-demand")


@pytest.mark.parametrize(
    ("name", "flow_name", "parameters"),
    [
        ("nightly", "samordne-run", {"inbox": "/data/innboks", "out": "/data/ut"}),
        ("on-demand", "samordne-run", {"inbox": "/data/innboks", "out": "/data/ut"}),
        ("approve-delivery", "samordne-approve", {}),
    ],
)
def test_entrypoint_loads_and_parameters_resolve(
    resolved: dict[str, Any], name: str, flow_name: str, parameters: dict[str, str]
) -> None:
    """Each entrypoint loads as the named flow, and its parameters are ones that flow accepts."""
    from prefect.flows import load_flow_from_entrypoint

    deployment = _deployment(resolved, name)
    flow: Any = load_flow_from_entrypoint(str(REPO / deployment["entrypoint"]))
    assert flow.name == flow_name
    assert deployment.get("parameters", {}) == parameters
    assert set(parameters) <= set(flow.parameters.properties)
    assert set(flow.parameters.required or []) <= set(parameters) | {"run_id"}


def test_pull_step_changes_into_the_checkout(resolved: dict[str, Any]) -> None:
    """Workers run the code already on their disk: one pull step, no build or push."""
    assert resolved["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "/srv/samordne"}}
    ]
    assert "build" not in resolved and "push" not in resolved


def test_serve_builds_nightly_and_on_demand() -> None:
    """flows.serve builds the same two run deployments as prefect.yaml, without starting a server."""
    from flows.serve import build_deployments, deployment_parameters

    built = build_deployments(deployment_parameters(ENV))
    assert [(d.name, d.flow_name, d.parameters) for d in built] == [
        ("nightly", "samordne-run", {"inbox": "/data/innboks", "out": "/data/ut"}),
        ("on-demand", "samordne-run", {"inbox": "/data/innboks", "out": "/data/ut"}),
    ]
    [nightly] = built[0].schedules or []
    assert (nightly.schedule.cron, nightly.schedule.timezone, nightly.active) == (  # type: ignore[union-attr]
        "30 2 * * *",
        "Europe/Oslo",
        True,
    )
    assert built[1].schedules == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "set SAMORDNE_INBOX (the inbox folder) and SAMORDNE_OUT (the output folder) before serving"),
        ({"SAMORDNE_INBOX": "/data/innboks"}, "set SAMORDNE_OUT (the output folder) before serving"),
        (
            {"SAMORDNE_INBOX": "", "SAMORDNE_OUT": "/u"},
            "set SAMORDNE_INBOX (the inbox folder) before serving",
        ),
    ],
)
def test_serve_names_missing_settings(env: dict[str, str], message: str) -> None:
    """Serving without the inbox or output folder stops with a message naming what to set."""
    from flows.serve import ServeConfigError, deployment_parameters

    with pytest.raises(ServeConfigError) as caught:
        deployment_parameters(env)
    assert str(caught.value) == message
