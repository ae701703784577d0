import { test } from "node:test";
import assert from "node:assert/strict";
import { formatMinor, slug } from "../src/index.js";

test("formatMinor pads cents and keeps the sign", () => {
  assert.equal(formatMinor(1999, "EUR"), "19.99 EUR");
  assert.equal(formatMinor(5, "USD"), "0.05 USD");
  assert.equal(formatMinor(-250, "EUR"), "-2.50 EUR");
});

test("slug joins words with dashes", () => {
  assert.equal(slug("Hello, World!"), "hello-world");
  assert.equal(slug("  Order  #42 ready "), "order-42-ready");
});
