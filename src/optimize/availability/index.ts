export * from "./catalog.js";
export * from "./evaluate.js";
export * from "./metrics.js";
export * from "./models.js";
export * from "./signals.js";
export * from "./thresholds.js";
