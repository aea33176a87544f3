"""`python -m orderflow` runs the `orderflow` command."""

from orderflow.cli import main

main()
