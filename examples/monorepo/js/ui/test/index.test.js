import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, priceTag } from "../src/index.js";

test("escapeHtml escapes markup", () => {
  assert.equal(escapeHtml('<a href="x">&</a>'), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
});

test("priceTag renders label, slug id and formatted amount", () => {
  assert.equal(
    priceTag("Tea & Cake", 450, "EUR"),
    '<span class="price" id="tea-cake">Tea &amp; Cake: 4.50 EUR</span>',
  );
});
