"""``python -m pathsim`` runs the command-line interface."""

from pathsim.cli import entry

entry()
