"""Serve the nightly and on-demand deployments from one long-running process (no work pool).

Needs a persistent Prefect server (`prefect server start`, `PREFECT_API_URL` set): the
ephemeral server cannot schedule (stack-check §2.7). Each scheduled run is a subprocess
of this one and inherits its environment (`SAMORDNE_DATABASE_URL` ...). Usage::

    SAMORDNE_INBOX=/data/innboks SAMORDNE_OUT=/data/ut python -m flows.serve
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

NIGHTLY_CRON = "30 2 * * *"  # 02:30 Oslo time: after the evening's mail, before analysts start
TIMEZONE = "Europe/Oslo"
REQUIRED = {"SAMORDNE_INBOX": "the inbox folder", "SAMORDNE_OUT": "the output folder"}


class ServeConfigError(Exception):
    """The environment lacks what the served deployments need."""


def deployment_parameters(env: Mapping[str, str]) -> dict[str, str]:
    """The flow parameters every served run gets, from the environment."""
    missing = [f"{name} ({what})" for name, what in REQUIRED.items() if not env.get(name)]
    if missing:
        raise ServeConfigError("set " + " and ".join(missing) + " before serving")
    return {"inbox": env["SAMORDNE_INBOX"], "out": env["SAMORDNE_OUT"]}


def build_deployments(parameters: Mapping[str, str]) -> list[RunnerDeployment]:
    """The nightly (cron, Oslo time) and on-demand deployments of ``run_flow``, not yet served."""
    from prefect.schedules import Cron

    from flows.pipeline import run_flow

    nightly = run_flow.to_deployment(
        name="nightly",
        description="Nightly consolidation of the shared inbox folder.",
        schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
        parameters=dict(parameters),
    )
    on_demand = run_flow.to_deployment(
        name="on-demand",
        description="A run started by an analyst from the UI or `prefect deployment run`.",
        parameters=dict(parameters),
    )
    return [nightly, on_demand]  # type: ignore[list-item]  # to_deployment is typed as maybe-awaitable


def main() -> None:
    from prefect import serve

    try:
        parameters = deployment_parameters(os.environ)
    except ServeConfigError as exc:
        sys.exit(str(exc))
    serve(*build_deployments(parameters))


if __name__ == "__main__":
    main()
