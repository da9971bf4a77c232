// check-report.mjs: open tiphub's HTML report in headless Chromium, as a reader
// would, and check that it renders.
//
// usage: node check-report.mjs [--print PDF] REPORT.html SCREENSHOT.png [REPORT SCREENSHOT]...
//
// Checks, each of which fails the run:
//   - the page loads from file:// with no console error, no page error, and no
//     request for anything but the file itself (the report is self-contained);
//   - every chart (svg.chart) has a non-zero bounding box, a <title>, and visible
//     text (text elements with a non-zero box);
//   - every chart sits in a <figure> that holds a data <table> with a <caption>
//     (a chart's numbers are in the page, not only in the picture);
//   - the eight chapters are there, each with an <h2>;
//   - no text of a chart overflows the chart's own box by more than a few pixels
//     (labels are measured and cut in C; this checks the estimate held);
// then saves a full-page screenshot of each (and, with --print, the first one
// printed as PDF). One browser opens every report.
//
// Chromium is Debian's /usr/bin/chromium; Playwright never downloads a browser.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

let args = process.argv.slice(2);
let printPath = null;
if (args[0] === "--print") {
    printPath = args[1];
    args = args.slice(2);
}
if (args.length === 0 || args.length % 2 !== 0) {
    console.error("usage: node check-report.mjs [--print PDF] REPORT.html SCREENSHOT.png [...]");
    process.exit(2);
}
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const failures = [];
let current = "";
const fail = (msg) => failures.push(`${current}: ${msg}`);

const profile = mkdtempSync(join(tmpdir(), "tiphub-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
    viewport: { width: 1000, height: 1200 },
});
try {
    for (let i = 0; i < args.length; i += 2) {
        const reportPath = args[i], shotPath = args[i + 1], first = i === 0;
        const page = await context.newPage();
        const url = pathToFileURL(resolve(reportPath)).href;
        current = reportPath;
        page.on("console", (m) => {
            if (m.type() === "error") fail(`console error: ${m.text()}`);
        });
        page.on("pageerror", (err) => fail(`page error: ${err.message}`));
        page.on("request", (r) => {
            if (r.url() !== url) fail(`the report asked for ${r.url()}`);
        });
        await page.goto(url, { waitUntil: "load" });

        const result = await page.evaluate(() => {
            const out = { charts: [], chapters: [], problems: [] };
            for (const s of document.querySelectorAll("section.chapter")) {
                const h2 = s.querySelector("h2");
                out.chapters.push({ id: s.id, heading: h2 ? h2.textContent.trim() : null });
            }
            for (const svg of document.querySelectorAll("svg.chart")) {
                const box = svg.getBoundingClientRect();
                const title = svg.querySelector(":scope > title");
                const texts = [...svg.querySelectorAll("text")];
                let visible = 0;
                let overflow = 0;
                for (const t of texts) {
                    const r = t.getBoundingClientRect();
                    const style = getComputedStyle(t);
                    if (r.width > 0 && r.height > 0 && style.visibility !== "hidden" && style.display !== "none")
                        visible++;
                    // text may not leave the chart's own box (3 px of slack)
                    if (r.width > 0 && (r.left < box.left - 3 || r.right > box.right + 3))
                        overflow++;
                }
                const fig = svg.closest("figure");
                const table = fig ? fig.querySelector("table caption") : null;
                out.charts.push({
                    id: svg.getAttribute("aria-labelledby"),
                    title: title ? title.textContent : null,
                    width: box.width,
                    height: box.height,
                    texts: texts.length,
                    visible,
                    overflow,
                    table: table !== null,
                });
            }
            return out;
        });

        const wanted = ["headline", "sex-age", "forms", "trends", "flows", "regions", "coordination", "methods"];
        const got = result.chapters.map((c) => c.id);
        for (const id of wanted)
            if (!got.includes(id)) fail(`chapter '${id}' is missing`);
        for (const c of result.chapters)
            if (!c.heading) fail(`chapter '${c.id}' has no heading`);
        if (result.charts.length === 0) fail("the report has no chart");
        for (const c of result.charts) {
            const name = c.title ?? c.id;
            if (!c.title) fail(`chart ${c.id} has no title`);
            if (!(c.width > 0 && c.height > 0)) fail(`chart '${name}' has an empty box`);
            if (c.visible === 0) fail(`chart '${name}' shows no text`);
            if (c.overflow > 0) fail(`chart '${name}': ${c.overflow} labels leave the chart`);
            if (!c.table) fail(`chart '${name}' has no data table in its figure`);
        }
        await page.screenshot({ path: shotPath, fullPage: true });
        if (printPath && first) await page.pdf({ path: printPath, format: "A4", printBackground: true });
        console.log(
            `${reportPath}: ${result.chapters.length} chapters, ${result.charts.length} charts ` +
                `rendered; screenshot ${shotPath}`,
        );
        await page.close();
    }
} finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
}
if (failures.length > 0) {
    for (const f of failures) console.error(`FAIL: ${f}`);
    process.exit(1);
}
