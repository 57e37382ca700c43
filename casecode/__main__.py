"""``python -m casecode`` runs the CLI."""

from casecode.cli.app import main

main()
