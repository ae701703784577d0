from apimodels import LineItem, Money, Order, OrderStatus


def test_order_round_trips_through_the_wire_format():
    order = Order(
        id="o-1",
        status=OrderStatus.OPEN,
        items=[LineItem(sku="tea", quantity=2, unit_price=Money(currency_code="EUR", amount_minor=450))],
        total=Money(currency_code="EUR", amount_minor=900),
    )
    decoded = Order().parse(bytes(order))
    assert decoded == order
    assert decoded.items[0].unit_price.amount_minor == 450
    assert decoded.status == OrderStatus.OPEN


def test_json_uses_proto_field_names():
    money = Money(currency_code="EUR", amount_minor=5)
    assert money.to_dict() == {"currencyCode": "EUR", "amountMinor": "5"}
