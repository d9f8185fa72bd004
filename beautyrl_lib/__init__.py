"""BeautyRL: deep reinforcement learning taught through a beauty shop's recommender.

The library behind the course notebooks: the shop simulator (``sim``),
baselines and agents (``agents``), training, evaluation, plots and the course
helpers (``course``). Importing it registers the ``BeautyShop-v0`` Gymnasium
environment.
"""

import logging

from beautyrl_lib.sim import ENV_ID, BeautyShopEnv, ShopConfig, VectorShop

__version__ = "0.1.0"
__all__ = ["ENV_ID", "BeautyShopEnv", "ShopConfig", "VectorShop", "__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
