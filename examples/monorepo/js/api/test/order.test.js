import { test } from "node:test";
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createOrder, MoneySchema, OrderSchema, OrderStatus } from "../src/index.js";

test("an Order built with create() survives a binary round trip", () => {
  const order = create(OrderSchema, {
    id: "o-1",
    status: OrderStatus.OPEN,
    items: [{ sku: "tea", quantity: 2, unitPrice: { currencyCode: "EUR", amountMinor: 450n } }],
    total: create(MoneySchema, { currencyCode: "EUR", amountMinor: 900n }),
  });
  assert.equal(order.$typeName, "acme.orders.v1.Order");
  const decoded = fromBinary(OrderSchema, toBinary(OrderSchema, order));
  assert.equal(decoded.id, "o-1");
  assert.equal(decoded.status, OrderStatus.OPEN);
  assert.equal(decoded.items[0].unitPrice.amountMinor, 450n);
  assert.equal(decoded.total.amountMinor, 900n);
});

test("createOrder fills defaults for unset fields", () => {
  const order = createOrder({ id: "o-2" });
  assert.equal(order.status, OrderStatus.UNSPECIFIED);
  assert.deepEqual(order.items, []);
  assert.equal(order.total, undefined);
});
