/**
 * VROOM's problem and solution formats over lastmile's solvers (see docs/routing.md, "VROOM format").
 */

export { VROOM_EXACT_MAX_TASKS } from "./exact.js";
export { vroomFromInstance } from "./from-instance.js";
export {
  type LocatedTravel,
  needsTravelMatrices,
  withoutAddedIndices,
  withTravelMatrices,
} from "./located.js";
export { buildVroomModel, GREAT_CIRCLE_DETOUR, GREAT_CIRCLE_SPEED_KMH, type VroomModel } from "./model.js";
export { parseVroomProblem } from "./parse.js";
export {
  VROOM_ITERATIONS_MAX,
  VROOM_TASKS_MAX,
  VROOM_VEHICLES_MAX,
  type VroomJob,
  type VroomProblem,
  type VroomShipment,
  type VroomVehicle,
  vroomOptions,
  vroomProblemSchema,
} from "./schema.js";
export {
  type StoppedBy,
  solveVroom,
  type VroomBudget,
  type VroomRoute,
  type VroomSearchInfo,
  type VroomSolution,
  type VroomStep,
  type VroomUnassigned,
} from "./solve.js";
