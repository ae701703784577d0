import pytest

from acme_service import demo_order, order_total, render_order
from apimodels import LineItem, Money, Order


def test_order_total_multiplies_quantities():
    assert order_total(demo_order()) == Money(currency_code="EUR", amount_minor=900)


def test_order_total_rejects_mixed_currencies():
    order = Order(
        items=[
            LineItem(sku="a", quantity=1, unit_price=Money(currency_code="EUR", amount_minor=1)),
            LineItem(sku="b", quantity=1, unit_price=Money(currency_code="USD", amount_minor=1)),
        ]
    )
    with pytest.raises(ValueError, match="mixed currencies"):
        order_total(order)


def test_render_order():
    assert render_order(demo_order()) == (
        "order demo-1 [OPEN]\n"
        "  2 x tea @ 4.50 EUR\n"
        "  total 9.00 EUR"
    )
