"""The beauty shop: catalog, shoppers, response model, Gymnasium environments."""

from beautyrl_lib.sim.catalog import CATEGORY_NAMES, SKIN_TYPES, Catalog, make_catalog
from beautyrl_lib.sim.config import RewardWeights, ShopConfig
from beautyrl_lib.sim.env import ENV_ID, BeautyShopEnv
from beautyrl_lib.sim.observation import OBS_DIM, OBS_LAYOUT, split_observation
from beautyrl_lib.sim.vector import VectorShop

__all__ = [
    "CATEGORY_NAMES",
    "ENV_ID",
    "OBS_DIM",
    "OBS_LAYOUT",
    "SKIN_TYPES",
    "BeautyShopEnv",
    "Catalog",
    "RewardWeights",
    "ShopConfig",
    "VectorShop",
    "make_catalog",
    "split_observation",
]


def _register() -> None:
    import gymnasium as gym

    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point="beautyrl_lib.sim.env:BeautyShopEnv")


_register()
