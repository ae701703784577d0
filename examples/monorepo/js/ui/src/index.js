import { formatMinor, slug } from "@example/core";

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes text for use in HTML. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => escapes[c]);
}

/** Renders a price tag as an HTML fragment. */
export function priceTag(label, amountMinor, currencyCode) {
  return `<span class="price" id="${slug(label)}">${escapeHtml(label)}: ${formatMinor(amountMinor, currencyCode)}</span>`;
}
