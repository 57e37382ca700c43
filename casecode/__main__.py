"""``python -m casecode`` runs the CLI."""

from casecode.cli import main

main()
