// The report's HTML builders as pure functions: the data is in the page, the page names no URL,
// and nothing a run recorded can end the page's script or inject markup.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { comparisonReportHtml, runReportHtml } from "../../src/index.js";
import { markdownToHtml, formatBytes } from "../../src/report/report-html.js";
import { readComparisonReportInput, type RunReportInput } from "../../src/report/report-input.js";
import { chartLibrary } from "../../src/report/write-report.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

const step = (index: number) => ({
  step: index,
  seconds: 1.5,
  cpuSeconds: 2.5,
  lr: 0.01,
  loss: -0.25 * index,
  gradNorm: 0.125,
  peakMemoryBytes: 1e9,
  rewardQueries: 4 * index,
  reward: { mean: 0.5 + index / 8, std: 0.0625 },
  rewardTerms: { brightness: { mean: 0.25 + index / 16, std: 0.03125 }, "contrast#2": { mean: 0.75, std: 0 } },
  details: { backpropSteps: 1 },
});

const HOSTILE_PROMPT = "a cat </script><script>alert(1)</script> & a <b>dog</b>";

function runInput(): RunReportInput {
  return {
    name: "short run",
    record: {
      directory: "/runs/short run",
      config: { method: "vader", steps: 3, model: { family: "text-to-video", seed: 0 }, preview: { prompts: [HOSTILE_PROMPT] } },
      metrics: [step(1), step(2), step(3)],
      loraDirectory: "/runs/short run/lora",
      samples: { "after-0": "/runs/short run/after-0.gif", "before-0": "/runs/short run/before-0.gif" },
      evaluation: { before: { samples: 8, digitAccuracy: 0.5, directionAccuracy: 1, rewards: { digit: 0.4 } }, after: { samples: 8, digitAccuracy: 0.875, directionAccuracy: 0.5, rewards: { digit: 0.7 } } },
      rewardTerms: [{ label: "brightness", name: "brightness", version: "1", options: {}, files: { "weights.safetensors": { path: "/w/weights.safetensors", sha256: "ab".repeat(32) } } }],
    },
    videos: [
      { name: "before-0", mp4: "before-0.mp4", gif: "before-0.gif", prompt: HOSTILE_PROMPT },
      { name: "after-0", mp4: "after-0.mp4", gif: "after-0.gif", prompt: HOSTILE_PROMPT },
    ],
    weightFiles: [
      { path: "lora/adapter_model.safetensors", bytes: 415_976 },
      { path: "checkpoints/step-3/optimizer.pt", bytes: 2048 },
    ],
    comparisonReport: null,
  };
}

/** The JSON the page's script reads. */
function chartData(html: string): { charts: { id: string; x: number[]; series: { label: string; values: (number | null)[]; lower?: (number | null)[] }[] }[] } {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match?.[1] as string);
}

describe("runReportHtml", () => {
  const html = runReportHtml(runInput(), chartLibrary());

  it("carries every step's reward and term, against steps and reward queries", () => {
    const { charts } = chartData(html);
    expect(charts.map((chart) => chart.id)).toEqual(["chart-reward-steps", "chart-reward-queries", "chart-loss", "chart-grad-norm"]);
    const [bySteps, byQueries] = charts;
    expect(bySteps?.x).toEqual([1, 2, 3]);
    expect(byQueries?.x).toEqual([4, 8, 12]);
    expect(bySteps?.series.map((series) => series.label)).toEqual(["reward (total)", "term: brightness", "term: contrast#2"]);
    expect(bySteps?.series[0]?.values).toEqual([0.625, 0.75, 0.875]);
    expect(bySteps?.series[0]?.lower).toEqual([0.5625, 0.6875, 0.8125]);
    expect(bySteps?.series[1]?.values).toEqual([0.3125, 0.375, 0.4375]);
    for (const chart of charts) expect(html).toContain(`id="${chart.id}"`);
  });

  it("shows the videos by relative path with the prompt under the pair, the judge, the reward records and the weights", () => {
    expect(html).toContain('<video controls loop muted playsinline autoplay preload="auto" src="before-0.mp4"');
    expect(html).toContain('src="after-0.mp4"');
    expect(html).toContain(`<figcaption>a cat &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; a &lt;b&gt;dog&lt;/b&gt;</figcaption>`);
    expect(html).toContain("50.0%");
    expect(html).toContain("87.5%");
    expect(html).toContain("(judge fell)"); // direction 100% -> 50%
    expect(html).toContain("ab".repeat(32));
    expect(html).toContain('href="lora/adapter_model.safetensors"');
    expect(html).toContain("406.2 KB");
    expect(html).toMatch(/<details><summary>config.json<\/summary><pre>\{\n {2}&quot;method&quot;: &quot;vader&quot;/);
  });

  it("inlines the chart library and names no URL", () => {
    expect(html).toContain("uPlot");
    expect(html.length).toBeGreaterThan(chartLibrary().script.length);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).toContain("Content-Security-Policy");
  });

  it("lets nothing a run recorded end a script element", () => {
    const scripts = html.match(/<script[\s\S]*?<\/script>/g) ?? [];
    expect(scripts).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it("says so when a run has no steps, samples or files yet", () => {
    const input = runInput();
    const empty = runReportHtml({ ...input, record: { ...input.record, metrics: [], evaluation: null, rewardTerms: null }, videos: [], weightFiles: [] }, chartLibrary());
    expect(chartData(empty).charts).toEqual([]);
    expect(empty).toContain("No steps recorded yet");
    expect(empty).toContain("No samples were saved.");
  });
});

describe("comparisonReportHtml", () => {
  it("draws one curve per method with the seeds' band, and the table, from a committed comparison", () => {
    const input = readComparisonReportInput(join(PACKAGE_ROOT, "docs", "results", "seeds3", "digit-task"));
    const html = comparisonReportHtml(input, chartLibrary());
    const { charts } = chartData(html);
    expect(charts.map((chart) => chart.id)).toEqual(["chart-compare-queries", "chart-compare-cpu", "chart-compare-steps"]);
    const byQueries = charts[0];
    expect(byQueries?.series.map((series) => series.label)).toEqual(["VADER (3 seeds)", "DDPO (3 seeds)", "Diffusion-DPO (3 seeds)", "GRPO (3 seeds)"]);
    for (const series of byQueries?.series ?? []) {
      expect(series.values).toHaveLength(byQueries?.x.length ?? 0);
      expect(series.lower).toHaveLength(byQueries?.x.length ?? 0);
    }
    expect(html).toContain("<th>Train reward</th>");
    expect(html).toContain('href="runs/vader-lr3e-3-seed0/report.html"');
    expect(html).not.toMatch(/https?:\/\//i);
  });
});

describe("helpers", () => {
  it("formats sizes and Markdown tables", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.50 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.00 MB");
    expect(markdownToHtml("# T\n\n| a | b |\n| --- | ---: |\n| **x** | `1` |\n\ntext")).toBe(
      '<h3>T</h3>\n<table>\n<tr><th>a</th><th>b</th></tr>\n<tr><td><strong>x</strong></td><td class="num"><code>1</code></td></tr>\n</table>\n<p>text</p>',
    );
  });
});
