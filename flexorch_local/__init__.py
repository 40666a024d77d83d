"""flexorch-local: a FlexOrch-compatible server that really processes documents on one machine."""

__version__ = "0.1.0"
