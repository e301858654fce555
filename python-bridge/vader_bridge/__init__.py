"""Python side of vader-sdk: holds every tensor and does all compute; TypeScript drives it over ZeroMQ."""

__version__ = "0.1.0"
