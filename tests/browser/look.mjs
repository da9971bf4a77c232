// look.mjs: pictures of a report to look at while working on its design (not a test).
//
// usage: node look.mjs REPORT.html OUTDIR
//
// Writes OUTDIR/page-NN.png, the page in slices 1500 pixels high, and
// OUTDIR/figure-NN.png, each figure (and the cover, the cards and the region
// cards) alone; prints every chart label that leaves its chart. Uses Debian's
// /usr/bin/chromium, like check-report.mjs.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [report, outdir] = process.argv.slice(2);
if (!report || !outdir) {
    console.error("usage: node look.mjs REPORT.html OUTDIR");
    process.exit(2);
}
mkdirSync(outdir, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), "tiphub-look-"));
const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    viewport: { width: 1000, height: 1500 },
});
try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(pathToFileURL(resolve(report)).href);
    const overflow = await page.evaluate(() => {
        const out = [];
        for (const svg of document.querySelectorAll("svg.chart")) {
            const b = svg.getBoundingClientRect();
            for (const t of svg.querySelectorAll("text")) {
                const r = t.getBoundingClientRect();
                if (r.width > 0 && (r.left < b.left - 3 || r.right > b.right + 3))
                    out.push(`${svg.querySelector("title").textContent}: '${t.textContent}'`);
            }
        }
        return out;
    });
    for (const o of overflow) console.log(`leaves its chart: ${o}`);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, i = 0; y < height; y += 1500, i++) {
        const clip = { x: 0, y, width: 1000, height: Math.min(1500, height - y) };
        await page.screenshot({ path: `${outdir}/page-${String(i).padStart(2, "0")}.png`, fullPage: true, clip });
    }
    let i = 0;
    for (const el of await page.$$("header.cover, dl.cards, figure, .regions, dl.facts"))
        await el.screenshot({ path: `${outdir}/figure-${String(i++).padStart(2, "0")}.png` });
    console.log(`${report}: ${height} pixels high; pictures in ${outdir}`);
} finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
}
