"""A tiny HTTP service that renders acme orders as text."""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, HTTPServer

from acme_common import format_minor, slug
from apimodels import LineItem, Money, Order, OrderStatus

__all__ = ["demo_order", "main", "make_server", "order_total", "render_order"]


def order_total(order: Order) -> Money:
    """Sum the line items of an order (all lines must share one currency)."""
    currencies = {item.unit_price.currency_code for item in order.items}
    if len(currencies) > 1:
        raise ValueError(f"mixed currencies: {sorted(currencies)}")
    amount = sum(item.quantity * item.unit_price.amount_minor for item in order.items)
    return Money(currency_code=currencies.pop() if currencies else "", amount_minor=amount)


def render_order(order: Order) -> str:
    """Render an order as plain text, one line per item plus a total."""
    lines = [f"order {slug(order.id)} [{OrderStatus(order.status).name}]"]
    for item in order.items:
        price = format_minor(item.unit_price.amount_minor, item.unit_price.currency_code)
        lines.append(f"  {item.quantity} x {item.sku} @ {price}")
    total = order_total(order)
    lines.append(f"  total {format_minor(total.amount_minor, total.currency_code)}")
    return "\n".join(lines)


def demo_order() -> Order:
    tea = Money(currency_code="EUR", amount_minor=450)
    return Order(id="Demo 1", status=OrderStatus.OPEN, items=[LineItem(sku="tea", quantity=2, unit_price=tea)])


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        if self.path != "/order":
            self.send_error(404)
            return
        body = render_order(demo_order()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


def make_server(host: str = "127.0.0.1", port: int = 8000) -> HTTPServer:
    return HTTPServer((host, port), _Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    make_server(port=args.port).serve_forever()
