"""A faithful stand-in for the Atlas Cloud Billing Public API and the account behind it."""

from simulator.account import AccountConfig
from simulator.faults import FaultConfig
from simulator.simulator import ApiKeys, RecordedRequest, Simulator

__all__ = ["AccountConfig", "ApiKeys", "FaultConfig", "RecordedRequest", "Simulator"]
