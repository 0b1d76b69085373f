// `cargo xtask bench app`: the console's figures in headless Chromium against a release
// server holding 100,000 people (imported here through the API). Prints, never asserts.
import { chromium } from "@playwright/test";

const base = process.env.LINTEL_URL;
const [username, password] = (process.env.LINTEL_ADMIN ?? "").split(":");
const PEOPLE = 100_000;
const RUNS = 9;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const ms = (x) => `${x.toFixed(0)} ms`;

async function siteToken() {
  const post = (path, body, token) =>
    fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body ?? {}),
    }).then((r) => r.json());
  const login = await post("/v1/login", { username, password });
  const accounts = await fetch(base + "/v1/accounts/self", { headers: { authorization: `Bearer ${login.access_token}` } })
    .then((r) => r.json());
  const site = await post(`/v1/login/${accounts.accounts[0].id}`, {}, login.access_token);
  return site.access_token;
}

async function fill(token) {
  const rows = ["user_id,name,email,department"];
  for (let i = 1; i <= PEOPLE; i++) rows.push(`${1000 + i},Person ${i},person${i}@example.com,Dept ${i % 40}`);
  const started = performance.now();
  const r = await fetch(base + "/v1/users/import?mode=create&key=user_id", {
    method: "POST",
    headers: { "content-type": "text/csv", authorization: `Bearer ${token}` },
    body: rows.join("\n") + "\n",
  });
  const summary = await r.json();
  console.log(`site filled: ${summary.created} people imported in ${ms(performance.now() - started)}`);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

await fill(await siteToken());

// 1. A first visit: from navigation until the sign-in form can be used (wasm fetched,
//    compiled and rendered), each in a fresh context (no cache).
const interactive = [];
for (let i = 0; i < RUNS; i++) {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.getByLabel("Username or email").fill("x");
  interactive.push(performance.now() - t0);
  await context.close();
}
console.log(`sign-in form interactive (fresh context, ${RUNS} runs): median ${ms(median(interactive))}, worst ${ms(Math.max(...interactive))}`);

// 2. A page of 50 people among 100,000: a full load of a deep page, and the next page
//    within the app.
const context = await browser.newContext({ baseURL: base });
const page = await context.newPage();
await page.goto("/sign-in");
await page.getByLabel("Username or email").fill(username);
await page.getByLabel("Password (required)").fill(password);
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("heading", { name: "People" }).waitFor();
const rows = page.locator("table.people tbody tr");
const loads = [];
const nexts = [];
for (let i = 0; i < RUNS; i++) {
  const offset = 1000 * (i + 1) * 7;
  const t0 = performance.now();
  await page.goto(`/people?sort=name&offset=${offset}`);
  await rows.nth(49).waitFor();
  loads.push(performance.now() - t0);
  const first = await rows.first().textContent();
  // The next page in the app, split at the moment its answer arrived: before, the request
  // (server and network); after, the console's own work (reading the JSON, drawing rows).
  nexts.push(
    await page.evaluate(async (before) => {
      performance.clearResourceTimings();
      const shown = new Promise((resolve) => {
        const watch = new MutationObserver(() => {
          const drawn = document.querySelectorAll("table.people tbody tr");
          if (drawn.length >= 50 && drawn[0].textContent !== before) {
            watch.disconnect();
            resolve(performance.now());
          }
        });
        watch.observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      const start = performance.now();
      [...document.querySelectorAll("nav.pager button")].find((b) => b.textContent === "Next").click();
      const end = await shown;
      const asked = performance.getEntriesByType("resource").filter((e) => e.name.includes("/v1/users?"));
      const answered = asked.length ? asked[asked.length - 1].responseEnd : start;
      return { total: end - start, fetch: answered - start, render: end - answered };
    }, first),
  );
}
console.log(`50-row page of ${PEOPLE} people, full load (${RUNS} runs): median ${ms(median(loads))}, p95 ${ms(p95(loads))}`);
const part = (key) => nexts.map((n) => n[key]);
console.log(`50-row page of ${PEOPLE} people, next page in the app (${RUNS} runs): median ${ms(median(part("total")))}, p95 ${ms(p95(part("total")))}`);
console.log(`  of which the request: median ${ms(median(part("fetch")))}, p95 ${ms(p95(part("fetch")))}`);
console.log(`  of which the console's work (JSON to drawn rows): median ${ms(median(part("render")))}, p95 ${ms(p95(part("render")))}`);
await browser.close();
