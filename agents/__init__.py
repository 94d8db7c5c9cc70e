"""Mesa agents of the rare-earth world; one module per kind."""

from agents.firm import Firm
from agents.magnet_maker import MagnetMaker
from agents.manufacturer import Manufacturer
from agents.miner import Miner
from agents.refiner import Refiner
from agents.state import State

__all__ = ["Firm", "MagnetMaker", "Manufacturer", "Miner", "Refiner", "State"]
