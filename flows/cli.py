"""The ``samordne`` command line.

Commands live in ``flows.commands.*`` modules, one per area; each module lists
its click commands in ``COMMANDS``. Heavy imports (Prefect, spaCy, Great
Expectations) happen inside the commands that need them, so ``--help``,
``resolve``, ``classify`` and ``evaluate`` never start Prefect.
"""

from __future__ import annotations

import importlib

import click

COMMAND_MODULES = (
    "flows.commands.pipeline",
    "flows.commands.registry",
    "flows.commands.nlp",
    "flows.commands.synth",
    "flows.commands.review",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="samordne")
def main() -> None:
    """samordne: consolidate the municipal sector's input on Akson into one traceable position.

    Typical cycle: `samordne run INBOX --out DIR` ingests, classifies, validates,
    consolidates and writes the reports; analysts review and approve; `samordne deliver`
    hands the approved package over.
    """


for _module_name in COMMAND_MODULES:
    for _command in importlib.import_module(_module_name).COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
