import { defineConfig } from "@playwright/test";

// Debian's Chromium, never a downloaded browser.
export default defineConfig({
  testDir: "./tests",
  use: {
    baseURL: process.env.LINTEL_URL,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
