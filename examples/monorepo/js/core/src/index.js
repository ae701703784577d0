/** Formats an amount in minor units (e.g. cents) as a decimal string. */
export function formatMinor(amountMinor, currencyCode) {
  const sign = amountMinor < 0 ? "-" : "";
  const abs = Math.abs(amountMinor);
  const whole = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, "0");
  return `${sign}${whole}.${cents} ${currencyCode}`;
}

/** Lowercases text and joins its alphanumeric words with dashes. */
export function slug(text) {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join("-");
}
