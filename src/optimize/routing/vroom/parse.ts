/**
 * A VROOM problem from untrusted JSON: zod's first issue becomes an `InputError` naming the JSON path
 * (`jobs[3].time_windows[0][1]: time window end must be >= its start`).
 */
import { InputError } from "../../../core/assert.js";
import { type VroomProblem, vroomProblemSchema } from "./schema.js";

export function parseVroomProblem(data: unknown, where = ""): VroomProblem {
  const parsed = vroomProblemSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const field = path.replace(/^\./, "") || "(root)";
  throw new InputError(where === "" ? field : `${where}: ${field}`, issue.message);
}
