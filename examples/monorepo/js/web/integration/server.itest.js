import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createApp } from "../src/index.js";

test("the server renders the demo order over real HTTP", async (t) => {
  const server = createApp().listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;

  const ok = await fetch(`${base}/`);
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /Order demo \(OPEN\)/);

  const missing = await fetch(`${base}/nope`);
  assert.equal(missing.status, 404);
  await missing.text();
});
