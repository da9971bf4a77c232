// convert.mjs: writes data/world/countries.tsv, the world map of the tiphub report,
// from Natural Earth's Admin 0 countries as redistributed by the npm package
// world-atlas (TopoJSON; versions pinned in package.json and package-lock.json).
//
// usage (from this folder): npm ci && node convert.mjs [OUT]
//
// What it does, so that the result can be checked and made again:
// - countries of the 1:110m file are projected with d3-geo's Equal Earth projection
//   (Savric, Patterson and Jenny 2018; d3-geo cuts shapes at the antimeridian), fitted
//   to a map 1000 units wide, and written as SVG paths with coordinates rounded to
//   0.1 unit, as relative moves (the path grammar of SVG 1.1);
// - Antarctica is left out (no detected victims; it would take a fifth of the map);
// - countries too small for the 1:110m file but present in the 1:50m one become a
//   dot at the projected centroid of their largest polygon;
// - shapes are keyed by ISO 3166 alpha-3, looked up by ISO numeric code in
//   data/codes/iso3166_m49_all.csv. Natural Earth draws three de facto units without
//   an ISO code: "N. Cyprus" is merged into Cyprus and "Somaliland" into Somalia (as UN
//   maps show them), and "Kosovo" is keyed XKX, tiphub's extension code for it.
import { readFileSync, writeFileSync } from "node:fs";
import { geoArea, geoEqualEarth, geoPath } from "d3-geo";
import { feature } from "topojson-client";

const out = process.argv[2] ?? "../../data/world/countries.tsv";
const atlas = (f) => JSON.parse(readFileSync(`node_modules/world-atlas/${f}`, "utf8"));
const WIDTH = 1000;

// ISO numeric -> alpha-3, from the project's own country list (names may be quoted).
const iso = new Map();
{
    const lines = readFileSync("../../data/codes/iso3166_m49_all.csv", "utf8").split("\n");
    const header = lines[0].split(",");
    const a3 = header.indexOf("alpha-3");
    const num = header.indexOf("country-code");
    for (const line of lines.slice(1)) {
        if (!line) continue;
        const fields = [];
        for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
            fields.push(m[1]);
            if (m[2] === "") break;
        }
        iso.set(String(Number(fields[num])), fields[a3]);
    }
}
const byName = { "N. Cyprus": "CYP", Somaliland: "SOM", Kosovo: "XKX" };
const alpha3 = (f) =>
    f.id !== undefined ? iso.get(String(Number(f.id))) : byName[f.properties.name];

const small = atlas("countries-110m.json");
const countries = feature(small, small.objects.countries).features.filter(
    (f) => alpha3(f) !== "ATA",
);
const all = { type: "FeatureCollection", features: countries };
const projection = geoEqualEarth().fitWidth(WIDTH, all);
const path = geoPath(projection).digits(1);
const [[, y0], [, y1]] = path.bounds(all);
// shift the map up to its northernmost point; height to its southernmost
projection.translate([projection.translate()[0], projection.translate()[1] - Math.floor(y0)]);
const HEIGHT = Math.ceil(y1 - Math.floor(y0));

// absolute M/L/Z path -> relative moves, shorter to store
function relative(d) {
    let outD = "", x = 0, y = 0, last = "";
    for (const m of d.matchAll(/([MLZ])([^MLZ]*)/g)) {
        const cmd = m[1];
        if (cmd === "Z") {
            outD += "z";
            last = "z";
            continue;
        }
        const nums = m[2].split(/[ ,]+|(?=-)/).filter((s) => s !== "").map(Number);
        for (let i = 0; i + 1 < nums.length; i += 2) {
            const nx = Math.round(nums[i] * 10), ny = Math.round(nums[i + 1] * 10);
            if (cmd === "M" && i === 0) {
                outD += `M${nx / 10} ${ny / 10}`;
                last = "M";
            } else {
                const dx = (nx - x) / 10, dy = (ny - y) / 10;
                if (dx === 0 && dy === 0) continue;
                const sep = last === "l" ? (dx < 0 ? "" : " ") : "l";
                outD += `${sep}${dx}${dy < 0 ? "" : " "}${dy}`;
                last = "l";
            }
            x = nx;
            y = ny;
        }
    }
    return outD;
}

const shapes = new Map();
for (const f of countries) {
    const a3 = alpha3(f);
    if (!a3) throw new Error(`no ISO code for ${f.properties.name}`);
    const d = path(f);
    if (d) shapes.set(a3, (shapes.get(a3) ?? "") + relative(d));
}
const dots = new Map();
const medium = atlas("countries-50m.json");
for (const f of feature(medium, medium.objects.countries).features) {
    const a3 = alpha3(f);
    if (!a3 || a3 === "ATA" || shapes.has(a3)) continue;
    const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
    let best = null, bestArea = -1;
    for (const p of polys) {
        const g = { type: "Polygon", coordinates: p };
        const a = geoArea(g);
        if (a > bestArea) {
            bestArea = a;
            best = g;
        }
    }
    const [cx, cy] = path.centroid(best);
    if (Number.isFinite(cx) && Number.isFinite(cy))
        dots.set(a3, `${Math.round(cx * 10) / 10} ${Math.round(cy * 10) / 10}`);
}

let tsv = `alpha3\tkind\td\n`;
tsv += `#size\tbox\t0 0 ${WIDTH} ${HEIGHT}\n`;
for (const a3 of [...shapes.keys()].sort()) tsv += `${a3}\tshape\t${shapes.get(a3)}\n`;
for (const a3 of [...dots.keys()].sort()) tsv += `${a3}\tdot\t${dots.get(a3)}\n`;
writeFileSync(out, tsv);
console.log(`${out}: ${shapes.size} shapes, ${dots.size} dots, ${tsv.length} bytes, ${WIDTH}x${HEIGHT}`);
