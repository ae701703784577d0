"""Message classes for the acme protos.

Everything under ``apimodels.gen`` is written by ``buf generate`` (plugin
protoc-gen-python_betterproto, see buf.gen.yaml at the repo root). Do not edit
it by hand.
"""

from apimodels.gen.acme.common.v1 import Money
from apimodels.gen.acme.orders.v1 import LineItem, Order, OrderStatus

__all__ = ["LineItem", "Money", "Order", "OrderStatus"]
