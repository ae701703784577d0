import { createServer } from "node:http";
import { createOrder, OrderStatus } from "@example/api";
import { escapeHtml, priceTag } from "@example/ui";

/** Renders an acme.orders.v1.Order (or a plain init object) as an HTML page. */
export function renderOrder(init) {
  const order = createOrder(init);
  const lines = order.items.map((item) =>
    priceTag(`${item.quantity} x ${item.sku}`, Number(item.unitPrice?.amountMinor ?? 0n), item.unitPrice?.currencyCode ?? ""),
  );
  const status = OrderStatus[order.status] ?? "UNKNOWN";
  return `<h1>Order ${escapeHtml(order.id)} (${status})</h1>\n${lines.join("\n")}`;
}

/** Returns an HTTP server that renders a demo order at /. */
export function createApp() {
  return createServer((req, res) => {
    if (req.url !== "/") {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      renderOrder({
        id: "demo",
        status: OrderStatus.OPEN,
        items: [{ sku: "tea", quantity: 2, unitPrice: { currencyCode: "EUR", amountMinor: 450n } }],
      }),
    );
  });
}
