import { test } from "node:test";
import assert from "node:assert/strict";
import { renderOrder } from "../src/index.js";

test("renderOrder shows the id, status and one price tag per line", () => {
  const html = renderOrder({
    id: "o-7",
    status: 2,
    items: [
      { sku: "tea", quantity: 1, unitPrice: { currencyCode: "EUR", amountMinor: 450n } },
      { sku: "cake", quantity: 3, unitPrice: { currencyCode: "EUR", amountMinor: 300n } },
    ],
  });
  assert.match(html, /<h1>Order o-7 \(PAID\)<\/h1>/);
  assert.match(html, /id="1-x-tea">1 x tea: 4\.50 EUR/);
  assert.match(html, /id="3-x-cake">3 x cake: 3\.00 EUR/);
});
