// Loads each URL in Debian's headless Chromium (driven by playwright-core), runs axe-core's
// WCAG 2.1 A/AA rules on it, collects console errors and what the tests check in the DOM, and
// saves a full-page screenshot. Usage: node check.js CHROMIUM OUT_DIR URL...
// Prints one JSON array, one object per URL.
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const axePath = require.resolve("axe-core/axe.min.js");

async function check(browser, url, index, outDir) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  const response = await page.goto(url, { waitUntil: "load" });
  await page.addScriptTag({ path: axePath });
  const axe = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  const dom = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    title: document.title,
    headings: [...document.querySelectorAll("h1, h2")].map((h) => h.textContent.trim()),
    banners: [...document.querySelectorAll(".banner")].map((b) => ({
      source: b.dataset.source || null, text: b.textContent.trim() })),
    indicators: [...document.querySelectorAll("tr[data-indicator]")].map((r) => ({
      table: r.closest("table").id, id: r.dataset.indicator, status: r.dataset.status || null,
      stale: r.classList.contains("stale"), cells: [...r.cells].map((c) => c.innerText.trim()) })),
    sources: [...document.querySelectorAll("tr[data-source]")].map((r) => ({
      name: r.dataset.source, state: r.dataset.state })),
    rows: [...document.querySelectorAll("#rows tbody tr")].map((r) =>
      [...r.cells].map((c) => c.innerText.trim())),
    charts: [...document.querySelectorAll("svg[role=img]")].map((s) =>
      (s.querySelector("title") || {}).textContent || ""),
    refresh: (document.querySelector("meta[http-equiv=refresh]") || {}).content || null,
  }));
  // The first Tab must land on something focusable (keyboard use).
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement ? document.activeElement.tagName : null);
  const screenshot = path.join(outDir, `page-${index}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return {
    url, status: response ? response.status() : null, errors, focused, screenshot, dom,
    passes: axe.passes.length,
    violations: axe.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) })),
  };
}

async function main() {
  const [chromiumPath, outDir, ...urls] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const results = [];
    for (const [i, url] of urls.entries()) results.push(await check(browser, url, i, outDir));
    process.stdout.write(JSON.stringify(results));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
