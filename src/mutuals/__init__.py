"""mutuals: LinkedIn-style connections between the users of any app."""

__version__ = "0.1.0"
