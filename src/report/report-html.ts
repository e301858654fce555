// report.html as one string: pure functions of what the report shows and the chart library's own
// script and style, inlined, so that the page opens from file:// with no network. The only files it
// refers to are the videos and weights beside it, by relative paths, so the folder can be moved.
import { learningRateLabel } from "../compare/learning-rates.js";
import { JUDGE_FALL } from "../compare/summary.js";
import type { ComparisonResults, SampleScore } from "../specs/comparison-results.js";
import type { RunRecord } from "../specs/run-record.js";
import { METHOD_LABELS } from "../trainer/by-method.js";
import { comparisonCharts, runCharts, type ChartSpec } from "./charts.js";
import { PAGE_SCRIPT } from "./page-script.js";
import type { ComparisonReportInput, ReportFile, ReportVideo, RunReportInput } from "./report-input.js";

/** The chart library's code and style, inlined into every page. */
export interface ChartLibrary {
  name: string;
  version: string;
  script: string;
  style: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** JSON that cannot end the <script> element it sits in (nor open a comment). */
function jsonInScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Inlined code that cannot end its element early. */
function inlineCode(code: string, element: "script" | "style"): string {
  return code.replace(new RegExp(`</(${element})`, "gi"), "<\\/$1");
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const number = (value: unknown) => (typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(4)) : "–");

// No network: the page may run its own inline script and style, and play media beside it; nothing else.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' file: data:; media-src 'self' file:";

const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 1.5rem; max-width: 1200px; color: #1d1d1f; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.lead { color: #555; margin: 0 0 1rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 1rem 1.5rem; }
.chart h3 { font-size: .95rem; margin: 0 0 .3rem; font-weight: 600; } .chart .plot { width: 100%; min-height: 300px; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 13px; } th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f5f5f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; } code, pre { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; padding: .8rem; overflow: auto; max-height: 40rem; } details { margin: .5rem 0; } summary { cursor: pointer; font-weight: 600; }
.videos { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 1.2rem; }
figure { margin: 0; } figure .row { display: flex; gap: .4rem; } figure .cell { flex: 1; text-align: center; font-size: 12px; color: #555; }
figure video, figure img { width: 100%; image-rendering: pixelated; background: #000; display: block; }
figcaption { text-align: center; font-style: italic; margin-top: .3rem; }
.bar { display: inline-block; height: .7em; background: #1f77b4; vertical-align: middle; margin-right: .4rem; } .bar.after { background: #d62728; }
.fell { color: #b00020; font-weight: 600; } .note { color: #666; font-size: 12px; }
`;

function page(title: string, body: string, charts: ChartSpec[], library: ChartLibrary): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="generator" content="vader-sdk report">
<title>${escapeHtml(title)}</title>
<style>/* ${library.name} ${library.version} */
${inlineCode(library.style, "style")}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
${body}
<script type="application/json" id="report-data">${jsonInScript({ charts })}</script>
<script>/* ${library.name} ${library.version} */
${inlineCode(library.script, "script")}</script>
<script>${inlineCode(PAGE_SCRIPT, "script")}</script>
</body>
</html>
`;
}

function chartsSection(heading: string, charts: ChartSpec[], empty: string): string {
  if (charts.length === 0) return `<h2>${escapeHtml(heading)}</h2>\n<p>${escapeHtml(empty)}</p>`;
  const panels = charts.map((chart) => `<div class="chart"><h3>${escapeHtml(chart.title)}</h3><div class="plot" id="${chart.id}"></div></div>`).join("\n");
  return `<h2>${escapeHtml(heading)}</h2>\n<div class="charts">\n${panels}\n</div>`;
}

function table(header: string[], rows: string[][], numeric: boolean[] = []): string {
  const head = `<tr>${header.map((cell) => `<th>${cell}</th>`).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell, index) => `<td${numeric[index] ? ' class="num"' : ""}>${cell}</td>`).join("")}</tr>`).join("\n");
  return `<table>\n${head}\n${body}\n</table>`;
}

/** A video: the MP4 when there is one (a GIF stands in for runs written before MP4s). */
function videoElement(video: ReportVideo): string {
  if (video.mp4) {
    const fallback = video.gif ? `<img src="${escapeHtml(video.gif)}" alt="${escapeHtml(video.name)}">` : escapeHtml(video.name);
    return `<video controls loop muted playsinline autoplay preload="auto" src="${escapeHtml(video.mp4)}" title="${escapeHtml(video.name)}">${fallback}</video>`;
  }
  return video.gif ? `<img src="${escapeHtml(video.gif)}" alt="${escapeHtml(video.name)}">` : "";
}

function figure(cells: { label: string; video: ReportVideo }[], caption: string | null): string {
  const row = cells.map((cell) => `<div class="cell">${escapeHtml(cell.label)}${videoElement(cell.video)}</div>`).join("");
  return `<figure><div class="row">${row}</div>${caption !== null ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ""}</figure>`;
}

/** The run's samples as the paper's figures: before beside after, the prompt underneath; other samples one by one. */
function runVideos(videos: ReportVideo[]): string {
  if (videos.length === 0) return "<p>No samples were saved.</p>";
  const byName = new Map(videos.map((video) => [video.name, video]));
  const used = new Set<string>();
  const figures: string[] = [];
  for (const video of videos) {
    const pair = /^before-(\d+)$/.exec(video.name);
    const after = pair ? byName.get(`after-${pair[1]}`) : undefined;
    if (!pair || !after) continue;
    figures.push(figure([{ label: "before", video }, { label: "after", video: after }], video.prompt ?? after.prompt ?? `preview prompt ${pair[1]}`));
    used.add(video.name).add(after.name);
  }
  for (const video of videos) {
    if (!used.has(video.name)) figures.push(figure([{ label: video.name, video }], video.prompt));
  }
  return `<div class="videos">\n${figures.join("\n")}\n</div>`;
}

function filesTable(files: ReportFile[]): string {
  if (files.length === 0) return "<p>No LoRA or checkpoint files (the run stopped before its first save point).</p>";
  const total = files.reduce((sum, file) => sum + file.bytes, 0);
  const rows = files.map((file) => [`<a href="${escapeHtml(file.path)}"><code>${escapeHtml(decodeURIComponent(file.path))}</code></a>`, formatBytes(file.bytes), String(file.bytes)]);
  rows.push(["<strong>total</strong>", `<strong>${formatBytes(total)}</strong>`, String(total)]);
  return table(["file", "size", "bytes"], rows, [false, true, true]);
}

function rewardRecords(terms: RunRecord["rewardTerms"]): string {
  if (!terms || terms.length === 0) return "<p>No rewards.json (it is written when a fit starts).</p>";
  const rows = terms.map((term) => {
    const files = Object.entries(term.files);
    const weights = files.length === 0 ? "none (no weight files)" : files.map(([name, file]) => `<code>${escapeHtml(name)}</code>: <code>${escapeHtml(file.sha256)}</code>`).join("<br>");
    return [`<code>${escapeHtml(term.label)}</code>`, escapeHtml(term.name), escapeHtml(term.version), `<code>${escapeHtml(JSON.stringify(term.options))}</code>`, weights];
  });
  return table(["label", "name", "version", "options", "weights (sha256)"], rows);
}

function collapsibleJson(summary: string, value: unknown, open = false): string {
  return `<details${open ? " open" : ""}><summary>${escapeHtml(summary)}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`;
}

type Judged = { samples?: unknown; digitAccuracy?: unknown; directionAccuracy?: unknown; rewards?: unknown };
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function bar(value: number, kind: "before" | "after"): string {
  return `<span class="bar ${kind}" style="width:${Math.round(Math.max(0, Math.min(1, value)) * 120)}px"></span>`;
}

/** evaluation.json: the judge before and after training (vader train), or a comparison run's final and validation scores. */
function evaluationSection(evaluation: Record<string, unknown> | null): string {
  if (!evaluation) return "<p>No evaluation.json: this job ran without the judge.</p>";
  const before = isRecord(evaluation.before) ? (evaluation.before as Judged) : null;
  const after = isRecord(evaluation.after) ? (evaluation.after as Judged) : null;
  const parts: string[] = [];
  if (before) {
    const rows: string[][] = [];
    for (const measure of ["digitAccuracy", "directionAccuracy"] as const) {
      const [from, to] = [before[measure], after?.[measure]];
      if (typeof from !== "number") continue;
      const fell = typeof to === "number" && from - to > JUDGE_FALL;
      rows.push([
        measure === "digitAccuracy" ? "judge: prompted digit" : "judge: prompted direction",
        `${bar(from, "before")}${percent(from)}`,
        typeof to === "number" ? `${bar(to, "after")}${percent(to)}` : "– (not yet judged)",
        typeof to === "number" ? `<span${fell ? ' class="fell"' : ""}>${to >= from ? "+" : ""}${((to - from) * 100).toFixed(1)} points${fell ? " (judge fell)" : ""}</span>` : "",
      ]);
    }
    const rewards = { ...(isRecord(before.rewards) ? before.rewards : {}), ...(isRecord(after?.rewards) ? after.rewards : {}) };
    for (const name of Object.keys(rewards)) {
      const from = isRecord(before.rewards) ? before.rewards[name] : undefined;
      const to = isRecord(after?.rewards) ? after.rewards[name] : undefined;
      rows.push([`reward ${escapeHtml(name)} (mean)`, number(from), number(to), typeof from === "number" && typeof to === "number" ? `${to >= from ? "+" : ""}${(to - from).toFixed(4)}` : ""]);
    }
    parts.push(`<p class="lead">The judge (independent of the reward) on the same prompts and seeds before and after training, ${number(before.samples)} samples.</p>`);
    parts.push(table(["measure", "before", "after", "change"], rows, [false, false, false, true]));
  }
  const scores = (["final", "validation"] as const).filter((key) => isRecord(evaluation[key]));
  if (scores.length > 0) {
    const rows: string[][] = [];
    const scoreRow = (label: string, score: unknown) => {
      if (!isRecord(score)) return;
      const judge = isRecord(score.judge) ? (score.judge as Judged) : null;
      rows.push([
        label,
        number(score.reward),
        judge && typeof judge.digitAccuracy === "number" ? percent(judge.digitAccuracy) : "–",
        judge && typeof judge.directionAccuracy === "number" ? percent(judge.directionAccuracy) : "–",
        judge ? number(judge.samples) : "–",
      ]);
    };
    const final = evaluation.final;
    if (isRecord(final)) {
      scoreRow("final samples, train prompts", final.train);
      scoreRow("final samples, test prompts", final.test);
    }
    scoreRow("validation samples (chose the learning rate)", evaluation.validation);
    parts.push(table(["samples", "reward", "judge: digit", "judge: direction", "judged samples"], rows, [false, true, true, true, true]));
  }
  if (parts.length === 0) parts.push("<p>evaluation.json holds no judge scores this page knows; its content is below.</p>");
  parts.push(collapsibleJson("evaluation.json", evaluation));
  return parts.join("\n");
}

function describeRun(record: RunRecord): string {
  const config = record.config ?? {};
  const steps = record.metrics.length;
  const planned = typeof config.steps === "number" ? config.steps : null;
  const model = isRecord(config.model) ? (typeof config.model.directory === "string" ? config.model.directory : `${String(config.model.family ?? "model")} (random weights, seed ${String(config.model.seed ?? "?")})`) : "?";
  const facts = [
    `method <strong>${escapeHtml(String(config.method ?? "?"))}</strong>`,
    `model <code>${escapeHtml(model)}</code>`,
    `${steps}${planned !== null ? ` of ${planned}` : ""} steps`,
  ];
  const first = record.metrics[0];
  const last = record.metrics[record.metrics.length - 1];
  if (first && last) facts.push(`reward ${first.reward.mean.toFixed(4)} (step ${first.step}) → ${last.reward.mean.toFixed(4)} (step ${last.step}), ${last.rewardQueries} reward queries`);
  return facts.join(" · ");
}

/** A run directory's report. */
export function runReportHtml(input: RunReportInput, library: ChartLibrary): string {
  const { record } = input;
  const charts = runCharts(record.metrics);
  const body = [
    `<h1>Run ${escapeHtml(input.name)}</h1>`,
    `<p class="lead">${describeRun(record)}</p>`,
    input.comparisonReport ? `<p>Part of a comparison: <a href="${escapeHtml(input.comparisonReport)}">its report</a>.</p>` : "",
    chartsSection("Reward curves", charts, "No steps recorded yet (metrics.jsonl is empty)."),
    `<h2>Judge</h2>\n${evaluationSection(record.evaluation)}`,
    `<h2>Samples</h2>\n<p class="lead">The same prompt and seed before and after training.</p>\n${runVideos(input.videos)}`,
    `<h2>Reward records (rewards.json)</h2>\n${rewardRecords(record.rewardTerms)}`,
    `<h2>LoRA and checkpoints</h2>\n${filesTable(input.weightFiles)}`,
    `<h2>Resolved config</h2>\n${record.config ? collapsibleJson("config.json", record.config) : "<p>No config.json.</p>"}`,
    `<p class="note">Written by vader-sdk (<code>vader report DIR</code> rewrites it); charts drawn by ${escapeHtml(library.name)} ${escapeHtml(library.version)}, inlined.</p>`,
  ];
  return page(`Run ${input.name}`, body.filter(Boolean).join("\n\n"), charts, library);
}

/** Markdown of table.md (headings, pipe tables, paragraphs, **bold**, `code`) as HTML. */
export function markdownToHtml(markdown: string): string {
  const inline = (text: string) =>
    escapeHtml(text)
      .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
      .replace(/`([^`]+)`/g, "<code>$1</code>");
  const cellsOf = (line: string) => line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((cell) => cell.trim());
  const blocks: string[] = [];
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.trim() === "") continue;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(6, (heading[1] as string).length + 2);
      blocks.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`);
    } else if (line.trim().startsWith("|")) {
      const rows: string[] = [];
      while (index < lines.length && (lines[index] as string).trim().startsWith("|")) rows.push(lines[index++] as string);
      index--;
      const separator = rows[1] && /^\|?\s*:?-{3,}/.test(rows[1].trim()) ? cellsOf(rows[1]) : null;
      const numeric = separator ? separator.map((cell) => cell.endsWith(":")) : [];
      const header = cellsOf(rows[0] as string).map(inline);
      const body = rows.slice(separator ? 2 : 1).map((row) => cellsOf(row).map(inline));
      blocks.push(table(header, body, numeric));
    } else {
      blocks.push(`<p>${inline(line)}</p>`);
    }
  }
  return blocks.join("\n");
}

function splitScores(score: SampleScore | null): string[] {
  if (!score) return ["–"];
  return [score.reward.toFixed(4)];
}

function comparisonRuns(input: ComparisonReportInput): string {
  const { results } = input;
  const rows = results.runs.map((run, index) => {
    const entry = input.runs[index];
    const chosen = results.summary.some((summary) => summary.method === run.method && summary.lr === run.lr);
    return [
      entry ? `<a href="${escapeHtml(entry.report)}">${escapeHtml(entry.name)}</a>` : escapeHtml(run.runDirectory),
      escapeHtml(METHOD_LABELS[run.method]),
      `${learningRateLabel(run.lr)}${chosen ? " (chosen)" : ""}`,
      String(run.seed),
      String(run.steps),
      String(run.rewardQueries),
      ...splitScores(run.final.train),
      ...splitScores(run.final.test),
      run.validation ? run.validation.reward.toFixed(4) : "–",
      entry && entry.loraBytes > 0 ? formatBytes(entry.loraBytes) : "–",
    ];
  });
  return table(
    ["run (its report)", "method", "lr", "seed", "steps", "reward queries", "final train reward", "final test reward", "validation reward", "LoRA"],
    rows,
    [false, false, false, true, true, true, true, true, true, true],
  );
}

function comparisonVideos(input: ComparisonReportInput): string {
  const figures = input.videos.map((row) => figure(row.cells, `${row.split} prompt: ${row.prompt}`));
  const extra = input.extraVideos.map((video) => figure([{ label: video.name, video }], video.prompt));
  if (figures.length + extra.length === 0) return "<p>No final samples were saved.</p>";
  return `<div class="videos comparison">\n${[...figures, ...extra].join("\n")}\n</div>`;
}

function comparisonSettings(results: ComparisonResults) {
  const { runs: _runs, summary: _summary, baseScores: _baseScores, queriesToMatch: _queries, ...settings } = results;
  return settings;
}

/** A comparison folder's report: curves per method, the table, the final samples, every run. */
export function comparisonReportHtml(input: ComparisonReportInput, library: ChartLibrary): string {
  const { results } = input;
  const charts = comparisonCharts(results);
  const body = [
    `<h1>Comparison ${escapeHtml(input.name)}</h1>`,
    `<p class="lead">reward <strong>${escapeHtml(results.rewardName)}</strong> · ${results.methods.map((method) => escapeHtml(METHOD_LABELS[method])).join(", ")} · ${results.budget} reward queries per run · seeds ${results.seeds.join(", ")} · ${escapeHtml(results.createdAt)}</p>`,
    chartsSection("Reward curves", charts, "No curves."),
    `<p class="note">Each method at its chosen learning rate: the line is the mean over seeds of each step's training reward, the shaded band runs from the lowest to the highest seed.</p>`,
    `<h2>Table</h2>\n${markdownToHtml(input.table)}`,
    `<h2>Final samples</h2>\n<p class="lead">The same prompt and seed after each method's training (its chosen learning rate, first seed).</p>\n${comparisonVideos(input)}`,
    `<h2>Runs</h2>\n${comparisonRuns(input)}`,
    `<h2>Reward records (rewards.json)</h2>\n${rewardRecords(input.rewardTerms)}`,
    `<h2>Settings</h2>\n${collapsibleJson("results.json (without runs and summary)", comparisonSettings(results))}`,
    `<p class="note">Written by vader-sdk (<code>vader report DIR</code> rewrites it); charts drawn by ${escapeHtml(library.name)} ${escapeHtml(library.version)}, inlined.</p>`,
  ];
  return page(`Comparison ${input.name}`, body.join("\n\n"), charts, library);
}
