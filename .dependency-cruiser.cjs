// The TypeScript layer rules (docs/architecture.md), checked by `npm run lint:layers` in `npm test`.
// Bottom to top: specs -> errors -> protocol -> transport -> domain (model, reward, scheduler,
// trainer, run, world, compare, report) -> python (escape hatch) -> bridge.ts, index.ts -> cli. A layer imports only below it.
const layer = {
  specs: "^src/specs/",
  errors: "^src/errors\\.ts$",
  protocol: "^src/protocol/",
  transport: "^src/transport/",
  domain: "^src/(model|reward|scheduler|trainer|run|world|compare|report)/",
  python: "^src/python/",
  facade: "^src/(bridge|index)\\.ts$",
  cli: "^src/cli/",
};

const mayNotImport = (name, from, forbidden, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: from },
  to: { path: forbidden },
});

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "Modules form no import cycle (folders neither: each layer rule below points down only).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    mayNotImport(
      "specs-at-the-bottom",
      layer.specs,
      "^src/(?!specs/)",
      "Specs and schemas (zod, Tensor, envelope) import nothing of the SDK above them, like zod's core under its classic API.",
    ),
    mayNotImport("errors-above-specs-only", layer.errors, "^src/(?!specs/)", "Error classes know the wire's error envelope, nothing else."),
    mayNotImport(
      "protocol-below-transport",
      layer.protocol,
      `${layer.transport}|${layer.domain}|${layer.python}|${layer.facade}|${layer.cli}`,
      "The method table is data about the wire: it uses specs, never the code that moves or uses them.",
    ),
    mayNotImport(
      "transport-below-domain",
      layer.transport,
      `${layer.domain}|${layer.python}|${layer.facade}|${layer.cli}`,
      "Transport moves frames; it knows neither models nor the Python escape hatch.",
    ),
    mayNotImport(
      "domain-below-escape-hatch",
      layer.domain,
      `${layer.python}|${layer.facade}|${layer.cli}`,
      "Models, rewards, schedulers, trainers and runs use the bridge client, never the escape hatch or the CLI.",
    ),
    mayNotImport("escape-hatch-beside-domain", layer.python, `${layer.domain}|${layer.facade}|${layer.cli}`, "The escape hatch reaches SDK objects by handle only."),
    mayNotImport("nothing-imports-the-cli", `^src/(?!cli/)`, layer.cli, "The CLI is a user program on top of the SDK."),
    mayNotImport("src-stands-alone", "^src/", "^(test|bench|recipes|scripts)/", "The package never imports its tests, benchmarks, recipes or scripts."),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true, // type-only imports count: a layer rule is about knowledge, not emitted code
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^dist/" },
  },
};
