// The console as a newcomer uses it, in order: first-run setup with the bootstrap code,
// sign-out and sign-in, adding a person, searching with the URL, a bulk suspend and a CSV
// import. One server for the file (started by `cargo xtask e2e`); the tests run in order.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { setOnline } from "./sim_control";

const code = process.env.LINTEL_BOOTSTRAP_CODE ?? "";
const base = process.env.LINTEL_URL ?? "";
const admin = { username: "admin", password: "a long first admin password" };

test.describe.configure({ mode: "serial" });

let page: Page;
const problems: string[] = [];

test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext({ baseURL: base });
  page = await context.newPage();
  page.on("console", (m) => {
    // Chromium also logs each HTTP error answer ("Failed to load resource"), which the tests
    // provoke on purpose (a wrong password, a stale edit); script errors, panics and CSP
    // violations all count.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
});

test.afterAll(async () => {
  expect(problems, "no console errors or CSP violations").toEqual([]);
});

/// WCAG 2.2 A/AA rules through axe-core: no serious or critical violation on the page.
async function accessible(what: string) {
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  const bad = result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(bad, `accessibility of ${what}`).toEqual([]);
}

async function people(n: number) {
  const users = Array.from({ length: n }, (_, i) => ({ name: `Bulk Person ${i + 1}`, email: `bulk${i + 1}@example.com` }));
  const r = await page.request.post("/v1/users/batch", {
    headers: { "x-lintel-csrf": "1", origin: base },
    data: { users },
  });
  expect(r.status()).toBe(200);
}

test("first-run setup with the bootstrap code signs the first SUPER in", async () => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("link", { name: "Set up Lintel" })).toBeVisible();
  await accessible("the sign-in page");
  await page.getByRole("link", { name: "Set up Lintel" }).click();
  await expect(page.getByLabel("One-time code")).toBeVisible();
  await accessible("the setup page");
  await page.getByLabel("One-time code").fill(code);
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password (required)", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create and sign in" }).click();
  await expect(page.getByText("password: 5 characters, at least 12")).toBeVisible();
  await page.getByLabel("Password (required)", { exact: true }).fill(admin.password);
  await page.getByLabel("Password again").fill(admin.password);
  await page.getByRole("button", { name: "Create and sign in" }).click();
  await expect(page.getByRole("heading", { name: "People" })).toBeVisible();
});

test("nothing secret is readable by scripts after sign-in", async () => {
  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
    cookies: document.cookie,
  }));
  expect(stored).toEqual({ local: 0, session: 0, cookies: "" });
});

test("sign out, then sign in again and come back to the page", async () => {
  await page.goto("/people?search=nobody");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You signed out.")).toBeVisible();
  await page.goto("/people?status=ACTIVE");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await page.getByLabel("Username or email").fill(admin.username);
  await page.getByLabel("Password (required)").fill("wrong password here");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The username or password is wrong.");
  await page.getByLabel("Password (required)").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/people\?status=ACTIVE/);
  // The session ends behind the console's back; the next call it makes finds out.
  await page.evaluate(() => fetch("/v1/session", { method: "DELETE", headers: { "x-lintel-csrf": "1" } }));
  await page.getByPlaceholder("Search by name, username or email").fill("ada");
  await expect(page.getByText("Your session ended. Sign in again to go on where you were.")).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await page.getByLabel("Username or email").fill(admin.username);
  await page.getByLabel("Password (required)").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/people\?.*search=ada/);
});

test("add a person with a card and a PIN", async () => {
  await page.goto("/people");
  await page.getByRole("link", { name: "Add person" }).click();
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByText("name: is required").first()).toBeVisible();
  await page.getByLabel("Name (required)").fill("Ada Lovelace");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Card number").fill("4242");
  await page.getByLabel("PIN", { exact: true }).fill("482913");
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByRole("heading", { name: /Ada Lovelace/ })).toBeVisible();
  await expect(page.getByRole("cell", { name: "4242", exact: true })).toBeVisible();
  await expect(page.getByText("ACTIVE").first()).toBeVisible();
});

test("a visitor is added as a guest with a validity period", async () => {
  await page.goto("/people/new");
  await page.getByLabel("Name (required)").fill("Vera Visitor");
  await page.getByLabel(/A guest/).check();
  await page.getByRole("textbox", { name: "Access groups" }).fill("1, 2");
  await page.getByLabel("Valid until (through that day)").fill("2030-06-30");
  await page.getByLabel("Card number").fill("0x7A11");
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByText("access_groups: a guest cannot belong to access groups").first()).toBeVisible();
  await page.getByRole("textbox", { name: "Access groups" }).fill("");
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByRole("heading", { name: /Vera Visitor/ })).toBeVisible();
  await expect(page.getByText("GUEST").first()).toBeVisible();
  await expect(page.getByText("2030-06-30").first()).toBeVisible();
});

test("a card is added and removed, and a random PIN is shown once", async () => {
  await page.goto("/people?search=lovelace");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await page.getByLabel("Card number").fill("0x1F");
  await page.getByRole("button", { name: "Add card" }).click();
  await expect(page.getByRole("cell", { name: "0x1F", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Remove card 0x1F" }).click();
  await expect(page.getByRole("cell", { name: "0x1F", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Choose a random PIN" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("You will not see this again.");
  await expect(dialog.locator("code")).toHaveText(/^[0-9]{6,10}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toHaveCount(0);
});

test("search and filter live in the URL, and a reload shows the same view", async () => {
  await people(3);
  await page.goto("/people");
  await page.getByPlaceholder("Search by name, username or email").fill("lovel");
  await expect(page).toHaveURL(/search=lovel/);
  await expect(page.getByRole("link", { name: "Ada Lovelace" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Bulk Person 1" })).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("link", { name: "Ada Lovelace" })).toBeVisible();
  await page.goto("/people?status=PENDING&sort=name&order=desc");
  await expect(page.getByRole("row").nth(1)).toContainText("Bulk Person 3");
  await page.goBack();
  await expect(page).toHaveURL(/search=lovel/);
  const exported = page.getByRole("link", { name: "Export CSV" });
  await expect(exported).toHaveAttribute("href", "/v1/users/export.csv?search=lovel");
  const csv = await page.evaluate(async () => (await fetch("/v1/users/export.csv?search=lovel")).text());
  expect(csv.split("\n")[1]).toContain("Ada Lovelace");
});

test("the top bar opens the one person a user ID or card names, and searches otherwise", async () => {
  await page.goto("/people");
  await expect(page.getByRole("link", { name: "Ada Lovelace" })).toBeVisible();
  const search = page.getByLabel("Find a person by name, user ID or card");
  await page.keyboard.press("/");
  await expect(search).toBeFocused();
  await search.fill("0x1092");
  await search.press("Enter");
  await expect(page.getByRole("heading", { name: /Ada Lovelace/ })).toBeVisible();
  await search.fill("bulk");
  await search.press("Enter");
  await expect(page).toHaveURL(/\/people\?search=bulk/);
});

test("bulk suspend of several people, with a confirmation and a result", async () => {
  await page.goto("/people?search=bulk");
  await page.getByLabel("Select Bulk Person 1").check();
  await page.getByLabel("Select Bulk Person 2").check();
  await expect(page.getByText("2 selected")).toBeVisible();
  await page.getByRole("button", { name: "Suspend" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Suspend 2 people?");
  await dialog.getByRole("button", { name: "Suspend 2 people" }).click();
  await expect(page.getByText("2 people changed.")).toBeVisible();
  await expect(page.getByRole("row", { name: /Bulk Person 1/ })).toContainText("SUSPENDED");
  await expect(page.getByRole("row", { name: /Bulk Person 1/ })).toContainText("just now");
  await page.getByRole("button", { name: "Undo the suspension" }).click();
  await expect(page.getByText("2 people changed.")).toBeVisible();
  await expect(page.getByRole("row", { name: /Bulk Person 1/ })).toContainText("PENDING");
  await expect(page.getByRole("button", { name: "Undo the suspension" })).toHaveCount(0);
  await page.getByLabel("Select Bulk Person 1").check();
  await page.getByLabel("Select Bulk Person 2").check();
  await page.getByRole("button", { name: "Suspend" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Suspend 2 people" }).click();
  await expect(page.getByRole("row", { name: /Bulk Person 2/ })).toContainText("SUSPENDED");
});

test("all N matching the filters: a bulk delete past one page", async () => {
  const users = Array.from({ length: 60 }, (_, i) => ({ name: `Temp ${i + 1}`, department: "Temp crew" }));
  const r = await page.request.post("/v1/users/batch", {
    headers: { "x-lintel-csrf": "1", origin: base },
    data: { users },
  });
  expect(r.status()).toBe(200);
  await page.goto("/people");
  await page.getByLabel("Department").fill("temp crew");
  await page.getByLabel("Department").press("Enter");
  await expect(page).toHaveURL(/department=temp\+crew/);
  await expect(page.getByText("1–50 of 60")).toBeVisible();
  await page.getByLabel("Select everyone on this page").check();
  await expect(page.getByText("50 selected")).toBeVisible();
  await page.getByRole("button", { name: "Select all 60 matching the filters" }).click();
  await expect(page.getByText("All 60 matching selected")).toBeVisible();
  // Someone joins the crew before the admin confirms: the stated count no longer holds.
  const late = await page.request.post("/v1/users", {
    headers: { "x-lintel-csrf": "1", origin: base },
    data: { name: "Temp 61", department: "Temp crew" },
  });
  expect(late.status()).toBe(201);
  await page.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Delete all 60 people matching the filters?");
  await dialog.getByRole("button", { name: "Delete 60 people" }).click();
  await expect(page.getByText("the filter now matches 61 people, not 60; nothing was changed")).toBeVisible();
  await expect(page.getByText("1–50 of 61")).toBeVisible();
  await page.getByLabel("Select everyone on this page").check();
  await page.getByRole("button", { name: "Select all 61 matching the filters" }).click();
  await page.getByRole("button", { name: "Delete" }).click();
  await dialog.getByRole("button", { name: "Delete 61 people" }).click();
  await expect(page.getByText("61 people changed.")).toBeVisible();
  await expect(page.getByText("No one matches these filters.")).toBeVisible();
});

test("a CSV import names the unknown column and the bad row", async () => {
  await page.goto("/import");
  const csv = "name,email,shoe size\r\nGrace Hopper,grace@example.com,7\r\n,nobody@example.com,9\r\n";
  await page.getByLabel("Choose a CSV file, or drop it here").setInputFiles({
    name: "people.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  await expect(page.getByText("Not a column Lintel knows, ignored: shoe size")).toBeVisible();
  await page.getByRole("combobox", { name: "People are matched by" }).selectOption("email");
  await page.getByRole("button", { name: "Check the file" }).click();
  await expect(page.getByText("Check finished")).toBeVisible();
  await expect(page.getByText("1 with errors")).toBeVisible();
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByText("Import finished")).toBeVisible();
  await expect(page.getByText("1 created")).toBeVisible();
  await expect(page.getByRole("link", { name: /Download the result of every row/ })).toBeVisible();
});

test("a card that changes hands in an import is a warning, never a silent move", async () => {
  const r = await page.request.post("/v1/users", {
    headers: { "x-lintel-csrf": "1", origin: base },
    data: { name: "Old Holder", email: "old@example.com", cards: [{ number: "9001" }] },
  });
  expect(r.status()).toBe(201);
  await page.goto("/import");
  const csv = "name,email,cards\r\nOld Holder,old@example.com,9002\r\nNew Holder,new@example.com,9001\r\n";
  await page.getByLabel("Choose a CSV file, or drop it here").setInputFiles({
    name: "cards.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  await page.getByRole("combobox", { name: "People are matched by" }).selectOption("email");
  await page.getByRole("button", { name: "Check the file" }).click();
  await expect(page.getByText("Check finished")).toBeVisible();
  const warnings = page.locator("table.warnings");
  await expect(warnings.getByRole("row", { name: /card 9001 moves from user/ })).toContainText("3");
  await accessible("an import's report");
});

test("a stale edit shows the other change and lets the admin choose", async () => {
  await page.goto("/people?search=lovelace");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await page.getByRole("button", { name: "Edit profile" }).click();
  await page.getByLabel("Department").fill("Analytical Engines");
  // Someone else saves the same person meanwhile.
  const id = page.url().split("/").pop();
  const other = await page.evaluate(async (id) => {
    const r = await fetch(`/v1/users/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-lintel-csrf": "1" },
      body: JSON.stringify({ title: "Countess" }),
    });
    return r.status;
  }, id);
  expect(other).toBe(200);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Someone else saved this person while you were editing.")).toBeVisible();
  await expect(page.getByText("Title: Countess")).toBeVisible();
  await page.getByRole("button", { name: "Overwrite with mine" }).click();
  await expect(page.getByText("Saved Ada Lovelace.")).toBeVisible();
  await expect(page.getByText("Analytical Engines", { exact: true })).toBeVisible();
});

test("access groups, validity, security level and auth modes are checked, saved and shown", async () => {
  await page.goto("/people?search=lovelace");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await page.getByRole("button", { name: "Edit profile" }).click();
  await page.getByRole("textbox", { name: "Access groups" }).fill("3, x");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText('access_groups: "x" is not an access group number')).toBeVisible();
  await page.getByRole("textbox", { name: "Access groups" }).fill("3, 7");
  await page.getByLabel("Valid from").fill("2026-01-01");
  await page.getByLabel("Valid until (through that day)").fill("2025-12-31");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("end_time: 2025-12-31T23:59:59Z is before start_time 2026-01-01T00:00:00Z")).toBeVisible();
  await page.getByLabel("Valid until (through that day)").fill("2026-12-31");
  await page.getByLabel("Security level").selectOption({ label: "High" });
  await page.getByLabel("Card authentication").selectOption({ label: "Card + PIN" });
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved Ada Lovelace.")).toBeVisible();
  const record = page.locator("dl.record");
  await expect(record).toContainText("3, 7");
  await expect(record).toContainText("2026-12-31T23:59:59Z");
  await expect(record).toContainText("High");
  await expect(record).toContainText("card: Card + PIN");
  const history = page.getByRole("region", { name: "History" });
  await expect(history.getByRole("cell", { name: "user.update" }).first()).toBeVisible();
  await expect(history.getByRole("cell", { name: "user.create" })).toBeVisible();
});

test("a photo with a preview, a mobile invitation shown once, and a console sign-in given", async () => {
  await page.goto("/people?search=lovelace");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  const photo = page.getByLabel("Choose a photo");
  await photo.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not an image") });
  await expect(page.getByText("photo: is neither a JPEG nor a PNG image")).toBeVisible();
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
  await photo.setInputFiles({ name: "ada.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
  await expect(page.getByAltText("The new photo, not saved yet")).toBeVisible();
  await page.getByRole("button", { name: "Save photo" }).click();
  const saved = page.getByAltText("Photo of Ada Lovelace");
  await expect(saved).toBeVisible();
  await expect.poll(() => saved.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);

  await page.getByLabel("Open for").selectOption("14");
  await page.getByRole("button", { name: "Send an invitation" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.locator("code")).toHaveText(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByText("Invitation for ada@example.com open until")).toBeVisible();
  await expect(page.getByRole("cell", { name: "INVITED" })).toBeVisible();
  await page.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("cell", { name: "REVOKED" })).toBeVisible();

  await page.getByRole("button", { name: "Edit profile" }).click();
  await page.getByLabel("Username", { exact: true }).fill("ada");
  await page.getByLabel("Computer usernames").fill("ADA-LAPTOP\\ada, ada.l");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved Ada Lovelace.")).toBeVisible();
  await page.getByLabel("Temporary password").fill("short");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByText("password: 5 characters, at least 12")).toBeVisible();
  await page.getByLabel("Temporary password").fill("a temporary password 1");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByText("Password set.")).toBeVisible();
  await page.getByRole("button", { name: "Edit profile" }).click();
  await expect(page.getByLabel("Computer usernames")).toHaveValue("ADA-LAPTOP\\ada, ada.l");
});

test("fingerprints and faces are scanned at a chosen device, imported and removed", async () => {
  await page.goto("/people?search=lovelace");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await expect(page.getByText("No fingerprints.")).toBeVisible();
  const fingerDevice = page.getByLabel("Device for the fingerprint scan");
  await expect(fingerDevice.locator("option")).toHaveText(["Choose a device", "BioStation 2a (543200002)", "BioStation 3 (544300001)"]);
  await fingerDevice.selectOption({ label: "BioStation 3 (544300001)" });
  await page.getByRole("button", { name: "Scan a fingerprint" }).click();
  await expect(page.getByText("1 fingerprint held.")).toBeVisible();
  // A real device waits for the finger: hold the scan's request as the device would, watch
  // the wait, and cancel it. The browser drops the request; nothing is added.
  await page.route("**/fingerprints/scan", () => {});
  await fingerDevice.selectOption({ label: "BioStation 3 (544300001)" });
  await page.getByRole("button", { name: "Scan a fingerprint" }).click();
  await expect(page.getByRole("status").filter({ hasText: "1 s" })).toBeVisible();
  await expect(page.getByLabel("Device for the fingerprint scan")).toBeDisabled();
  await page.getByRole("button", { name: "Cancel scan" }).click();
  await expect(page.getByText("Scan cancelled.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Scan a fingerprint" })).toBeEnabled();
  await page.unroute("**/fingerprints/scan");
  await expect(page.getByText("1 fingerprint held.")).toBeVisible();
  await page.getByLabel("Device for the face scan").selectOption({ label: "BioStation 3 (544300001)" });
  await page.getByRole("button", { name: "Scan a face" }).click();
  await expect(page.getByText("1 face held.")).toBeVisible();
  await page.getByLabel("Import faces (replaces them)").setInputFiles({
    name: "faces.json",
    mimeType: "application/json",
    buffer: Buffer.from('{"fingerprints": []}'),
  });
  await expect(page.getByText("The file is not a faces import")).toBeVisible();
  await page.getByRole("button", { name: "Remove all faces" }).click();
  await expect(page.getByText("No faces.")).toBeVisible();
  await expect(page.getByText("1 fingerprint held.")).toBeVisible();
});

test("the devices page shows each device in sync, its people, and a comparison with the directory", async () => {
  await page.goto("/devices");
  const entrance = page.getByRole("row", { name: /544300001/ });
  await expect(entrance.getByText("In sync")).toBeVisible();
  await page.getByRole("button", { name: "Compare device 544300001 with the directory" }).click();
  await expect(page.getByRole("heading", { name: "Device 544300001 against the directory" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Missing: should be on the device (0)" })).toBeVisible();
  await page.getByRole("button", { name: "Resync device 544300001" }).click();
  await expect(page.getByText(/Device 544300001: \d+ people are being sent again/)).toBeVisible();
  await expect(entrance.getByText("In sync")).toBeVisible({ timeout: 15_000 });
  // A person's page says where they stand on each device.
  await page.goto("/people?search=lovelace");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  const devices = page.getByRole("region", { name: "Devices" });
  await expect(devices.getByRole("row", { name: /BioStation 3 \(544300001\)/ })).toContainText(/Holds the current record|on its way/);
  await page.goto("/revocations");
  await expect(page.getByRole("heading", { name: "Revocations" })).toBeVisible();
});

test("a person added in the console is on each device's own user list, read through the bridge", async () => {
  await page.goto("/people/new");
  await page.getByLabel("Name (required)").fill("Grace Hopper");
  await page.getByLabel("User ID", { exact: true }).fill("4242001");
  await page.getByLabel("Card number").fill("7700001"); // with a credential she is ACTIVE, so sent
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByRole("heading", { name: /Grace Hopper/ })).toBeVisible();
  await page.goto("/devices");
  for (const device of ["544300001", "543200002", "102030003"]) {
    await page.getByRole("button", { name: `Users held by device ${device}` }).click();
    const held = page.getByRole("region", { name: `Held by device ${device}` });
    await held.getByLabel("Filter by user ID").fill("4242001");
    // The sync may still be on its way: read the device again until it holds her.
    await expect(async () => {
      await held.getByRole("button", { name: "Read again" }).click();
      await expect(held.getByRole("row", { name: /4242001/ })).toContainText("Grace Hopper", { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  }
});

test("a device taken offline shows offline and what waits for it, then catches up when back", async () => {
  await page.goto("/devices");
  const room = page.getByRole("row", { name: /543200002/ });
  await expect(room.getByText("In sync")).toBeVisible({ timeout: 15_000 });
  await setOnline(543200002, false);
  try {
    await expect(room).toContainText("Offline", { timeout: 15_000 });
    const r = await page.request.post("/v1/users", {
      headers: { "x-lintel-csrf": "1", origin: base },
      data: { name: "Offline Olga", user_id: "4242002", cards: [{ number: "7700002" }] },
    });
    expect(r.status()).toBe(201);
    await expect(room.getByText("Offline, 1 waiting")).toBeVisible({ timeout: 15_000 });
  } finally {
    await setOnline(543200002, true);
  }
  await expect(room.getByText("In sync")).toBeVisible({ timeout: 15_000 });
  await page.getByRole("button", { name: "Users held by device 543200002" }).click();
  const held = page.getByRole("region", { name: "Held by device 543200002" });
  await held.getByLabel("Filter by user ID").fill("4242002");
  await expect(held.getByRole("row", { name: /4242002/ })).toContainText("Offline Olga");
});

test("a guest is promoted to USER from their page", async () => {
  const r = await page.request.post("/v1/users", {
    headers: { "x-lintel-csrf": "1", origin: base },
    data: { name: "Visiting Vera", tag: "GUEST" },
  });
  expect(r.status()).toBe(201);
  await page.goto("/people?tag=GUEST");
  await page.getByRole("link", { name: "Visiting Vera" }).click();
  await page.getByRole("button", { name: "Promote to USER" }).click();
  await expect(page.getByText("Visiting Vera is now a USER.")).toBeVisible();
  await expect(page.locator("dl.record")).toContainText("USER");
  await expect(page.getByRole("button", { name: "Promote to USER" })).toHaveCount(0);
});

test("a REGULAR person sees only their own account and changes their password", async () => {
  const made = await page.evaluate(async () => {
    const h = { "content-type": "application/json", "x-lintel-csrf": "1" };
    const r = await fetch("/v1/users", { method: "POST", headers: h, body: JSON.stringify({ name: "Rita Regular", username: "rita" }) });
    const user = await r.json();
    const p = await fetch(`/v1/users/${user.id}/password`, {
      method: "PUT",
      headers: h,
      body: JSON.stringify({ new_password: "set by the admin for rita" }),
    });
    return [r.status, p.status];
  });
  expect(made).toEqual([201, 204]);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Username or email").fill("rita");
  await page.getByLabel("Password (required)").fill("set by the admin for rita");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "My account" })).toBeVisible();
  await expect(page.getByText("Your password was set by an administrator.")).toBeVisible();
  await expect(page.getByRole("link", { name: "People" })).toHaveCount(0);
  await accessible("My account");
  await page.getByLabel("Current password").fill("set by the admin for rita");
  await page.getByLabel("New password (required)", { exact: true }).fill("rita chose this one herself");
  await page.getByLabel("New password again").fill("rita chose this one herself");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password is changed")).toBeVisible();
  await expect(page.getByText("Your password was set by an administrator.")).toHaveCount(0);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Username or email").fill(admin.username);
  await page.getByLabel("Password (required)").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "People" })).toBeVisible();
});

test("an API token is shown once, then listed, then revoked", async () => {
  await page.goto("/tokens");
  await page.getByLabel("Name (required)").fill("HR sync");
  await page.getByLabel("users:write").check();
  await page.getByRole("button", { name: "Make token" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("You will not see this again.");
  await expect(dialog.locator("code")).toHaveText(/^ltk_/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("cell", { name: "users:read users:write" })).toBeVisible();
  await page.getByRole("button", { name: "Revoke HR sync" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("cell", { name: "revoked" })).toBeVisible();
  // The identity provider's leavers: suspended by default, deactivated when chosen.
  const suspend = page.getByLabel(/Suspend them/);
  await expect(suspend).toBeChecked();
  await page.getByLabel(/Deactivate them/).check();
  await expect(page.getByText("Saved: it applies to the identity provider's next change.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(/Deactivate them/)).toBeChecked();
  await suspend.check();
  await expect(page.getByText("Saved: it applies")).toBeVisible();
});

test("the audit log shows what happened, filtered in the URL", async () => {
  await page.goto("/audit");
  await page.getByRole("combobox", { name: "Action" }).selectOption("user.suspend");
  await expect(page).toHaveURL(/action=user.suspend/);
  await expect(page.getByRole("cell", { name: "user.suspend" }).first()).toBeVisible();
  await expect(page.getByRole("cell", { name: "user.create" })).toHaveCount(0);
  const suspension = page.getByRole("row").nth(1);
  await suspension.getByText(/^\d+ changes?$/).click();
  await expect(suspension.getByRole("listitem").filter({ hasText: "status" })).toContainText("→ SUSPENDED");
  const exported = page.getByRole("link", { name: "Export CSV" });
  await expect(exported).toHaveAttribute("href", "/v1/audit/export.csv?action=user.suspend");
  const csv = await page.evaluate(async () => (await fetch("/v1/audit/export.csv?action=user.suspend")).text());
  expect(csv.split("\r\n")[0]).toBe("id,at,site_id,actor,source_ip,action,target,outcome,before,after");
  expect(csv.split("\r\n")[1]).toContain(",admin,");
  await page.getByLabel("From (UTC)").fill("2099-01-01T00:00");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/since=2099-01-01T00%3A00%3A00Z/);
  await expect(page.getByText("Nothing matches these filters.")).toBeVisible();
  await page.goBack();
  await expect(page.getByRole("cell", { name: "user.suspend" }).first()).toBeVisible();
});

test("a SUPER gives and takes back the ADMIN rank by username", async () => {
  await page.goto("/admins");
  await page.getByLabel("Username (required)").fill("rita");
  await page.getByRole("button", { name: "Give the rank" }).click();
  await expect(page.getByText("rita is now ADMIN.")).toBeVisible();
  await expect(page.getByRole("row", { name: /Rita Regular/ })).toContainText("ADMIN");
  await page.getByRole("button", { name: "Remove rita's admin rights" }).click();
  await expect(page.getByText("rita is no longer an administrator.")).toBeVisible();
  await expect(page.getByRole("row", { name: /Rita Regular/ })).toHaveCount(0);
});

test("on a tablet the navigation folds behind the Menu button", async () => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto("/people");
  const nav = page.getByRole("navigation", { name: "Main" });
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(nav).toBeHidden();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await accessible("the open navigation on a tablet");
  await nav.getByRole("link", { name: "Audit" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(nav).toBeHidden();
  await page.setViewportSize({ width: 1280, height: 720 });
  await expect(nav).toBeVisible();
  await expect(menu).toBeHidden();
});

test("an access group is made with its devices, and the SUPER chooses which devices hold whom", async () => {
  await page.goto("/access-groups");
  await expect(page.getByText("No access groups yet.")).toBeVisible();
  await page.getByRole("button", { name: "Make group" }).click();
  await expect(page.getByText("name: is required")).toBeVisible();
  await page.getByLabel("Name (required)").fill("Lobby");
  await page.getByLabel("BioStation 3 (544300001)").check();
  await page.getByRole("button", { name: "Make group" }).click();
  await expect(page.getByText("Group Lobby (1) made.")).toBeVisible();
  await expect(page.getByRole("row", { name: /Lobby/ })).toContainText("544300001");
  await page.getByLabel("Only the devices of the person's access groups").check();
  await expect(page.getByText("Saved: everyone is being sent")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Only the devices of the person's access groups")).toBeChecked();
  await page.getByLabel("Every device of the site").check();
  await expect(page.getByText("Saved: everyone is being sent")).toBeVisible();
});

test("every signed-in page passes the accessibility scan", async () => {
  await page.goto("/people");
  await expect(page.getByRole("link", { name: "Ada Lovelace" })).toBeVisible();
  await accessible("People");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await expect(page.getByRole("heading", { name: /Ada Lovelace/ })).toBeVisible();
  await accessible("a person's page");
  await page.goto("/people/new");
  await expect(page.getByRole("heading", { name: "Add a person" })).toBeVisible();
  await accessible("Add a person");
  await page.goto("/import");
  await expect(page.getByRole("heading", { name: "Import people" })).toBeVisible();
  await accessible("Import");
  await page.goto("/tokens");
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await accessible("API tokens");
  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await accessible("Audit log");
  await page.goto("/admins");
  await expect(page.getByRole("heading", { name: "Admins" })).toBeVisible();
  await accessible("Admins");
  await page.goto("/me");
  await expect(page.getByRole("heading", { name: "My sessions" })).toBeVisible();
  await accessible("My account");
  await page.goto("/devices");
  await expect(page.getByRole("button", { name: "Compare device 544300001 with the directory" })).toBeVisible();
  await accessible("Devices");
  await page.goto("/revocations");
  await expect(page.getByRole("heading", { name: "Revocations" })).toBeVisible();
  await accessible("Revocations");
  await page.goto("/access-groups");
  await expect(page.getByRole("heading", { name: "Which devices hold a person" })).toBeVisible();
  await accessible("Access groups");
});
