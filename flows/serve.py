"""Serve the nightly and on-demand deployments from one long-running process (no work pool).

Needs a persistent Prefect server (`prefect server start`, `PREFECT_API_URL` set): the
ephemeral server cannot schedule (stack-check §2.7). Usage::

    SAMORDNE_INBOX=/data/innboks SAMORDNE_OUT=/data/ut python -m flows.serve
"""

from __future__ import annotations

import os
import sys
from typing import cast

NIGHTLY_CRON = "30 2 * * *"
TIMEZONE = "Europe/Oslo"


def main() -> None:
    from prefect import serve
    from prefect.deployments.runner import RunnerDeployment
    from prefect.schedules import Cron

    from flows.pipeline import run_flow

    try:
        parameters = {"inbox": os.environ["SAMORDNE_INBOX"], "out": os.environ["SAMORDNE_OUT"]}
    except KeyError as missing:
        sys.exit(f"set {missing.args[0]} to the inbox folder and output folder before serving")
    nightly = run_flow.to_deployment(
        name="nightly", schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)], parameters=parameters
    )
    on_demand = run_flow.to_deployment(name="on-demand", parameters=parameters)
    serve(cast("RunnerDeployment", nightly), cast("RunnerDeployment", on_demand))


if __name__ == "__main__":
    main()
