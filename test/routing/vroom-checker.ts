/**
 * An independent checker of a VROOM solution against its problem, written from VROOM's docs/API.md and the
 * raw JSON alone (it shares no code with `src/optimize/routing/vroom/`): every task served once or listed
 * unassigned, shipments whole and picked up first on one route, skills, max_tasks, the load in every
 * dimension at every step within capacity, service starting inside one of the task's time windows, the
 * vehicle's time window, max_travel_time, each break of a used vehicle taken once inside a window and
 * within its max_load, and the reported arrivals, travel times and costs recomputed
 * from the matrices. Problems use `location_index` with `matrices` (what the property tests generate).
 */

interface Job {
  id: number;
  location_index: number;
  setup?: number;
  service?: number;
  delivery?: number[];
  pickup?: number[];
  skills?: number[];
  priority?: number;
  time_windows?: [number, number][];
}
interface ShipmentStep {
  id: number;
  location_index: number;
  setup?: number;
  service?: number;
  time_windows?: [number, number][];
}
interface Shipment {
  pickup: ShipmentStep;
  delivery: ShipmentStep;
  amount?: number[];
  skills?: number[];
  priority?: number;
}
interface Vehicle {
  id: number;
  profile?: string;
  start_index?: number;
  end_index?: number;
  capacity?: number[];
  skills?: number[];
  time_window?: [number, number];
  costs?: { fixed?: number; per_hour?: number; per_km?: number };
  speed_factor?: number;
  max_tasks?: number;
  max_travel_time?: number;
  breaks?: { id: number; time_windows?: [number, number][]; service?: number; max_load?: number[] }[];
}
export interface Problem {
  vehicles: Vehicle[];
  jobs?: Job[];
  shipments?: Shipment[];
  matrices: Record<string, { durations: number[][]; distances?: number[][] }>;
}
interface Step {
  type: string;
  id?: number;
  arrival: number;
  duration: number;
  waiting_time: number;
  setup: number;
  service: number;
  load?: number[];
}
export interface Solution {
  code: number;
  summary: { cost: number; unassigned: number; priority: number };
  unassigned: { id: number; type: string }[];
  routes: { vehicle: number; cost: number; steps: Step[] }[];
}

/** Violations found (empty: the solution keeps every rule). */
export function checkVroomSolution(problem: Problem, solution: Solution): string[] {
  const bad: string[] = [];
  const jobs = new Map((problem.jobs ?? []).map((j) => [j.id, j]));
  const pickups = new Map((problem.shipments ?? []).map((s) => [s.pickup.id, s]));
  const deliveries = new Map((problem.shipments ?? []).map((s) => [s.delivery.id, s]));
  const seen = new Set<string>();
  const mark = (type: string, id: number) => {
    const key = `${type}:${id}`;
    if (seen.has(key)) bad.push(`${key} appears twice`);
    seen.add(key);
  };
  for (const u of solution.unassigned) mark(u.type, u.id);
  const usedVehicles = new Set<number>();
  let priority = 0;
  let totalCost = 0;
  for (const route of solution.routes) {
    const v = problem.vehicles.find((x) => x.id === route.vehicle);
    if (v === undefined) {
      bad.push(`route of unknown vehicle ${route.vehicle}`);
      continue;
    }
    if (usedVehicles.has(v.id)) bad.push(`vehicle ${v.id} drives two routes`);
    usedVehicles.add(v.id);
    const m = problem.matrices[v.profile ?? "car"]!;
    const speed = v.speed_factor ?? 1;
    const travel = (a: number, b: number) => Math.round(m.durations[a]![b]! / speed);
    const all = route.steps.filter((s) => s.type !== "start" && s.type !== "end");
    const tasks = all.filter((s) => s.type !== "break");
    const breaksTaken = all.filter((s) => s.type === "break").map((s) => s.id);
    const breakIds = (v.breaks ?? []).map((b) => b.id);
    if (JSON.stringify([...breaksTaken].sort()) !== JSON.stringify([...breakIds].sort()))
      bad.push(
        `vehicle ${v.id}: breaks taken ${JSON.stringify(breaksTaken)}, expected ${JSON.stringify(breakIds)}`,
      );
    if (tasks.length > (v.max_tasks ?? Number.POSITIVE_INFINITY)) bad.push(`vehicle ${v.id}: max_tasks`);
    const dims = v.capacity?.length ?? 0;
    // Load at the start: every job's delivery.
    const load = new Array<number>(dims).fill(0);
    const info = all.map((s) => {
      if (s.type === "break") return { s, brk: v.breaks?.find((b) => b.id === s.id) };
      const job = s.type === "job" ? jobs.get(s.id!) : undefined;
      const ship =
        s.type === "pickup" ? pickups.get(s.id!) : s.type === "delivery" ? deliveries.get(s.id!) : undefined;
      const step = job ?? (s.type === "pickup" ? ship?.pickup : ship?.delivery);
      if (step === undefined) bad.push(`vehicle ${v.id}: unknown ${s.type} ${s.id}`);
      mark(s.type, s.id!);
      const skills = job?.skills ?? ship?.skills ?? [];
      for (const k of skills) if (!(v.skills ?? []).includes(k)) bad.push(`vehicle ${v.id} lacks skill ${k}`);
      priority += job?.priority ?? ship?.priority ?? 0;
      return { s, job, ship, step };
    });
    for (const { job } of info) if (job?.delivery) add(load, job.delivery, 1);
    const fits = (where: string) => {
      load.forEach((l, d) => {
        if (l > v.capacity![d]!)
          bad.push(`vehicle ${v.id}: load ${l} > ${v.capacity![d]} in dimension ${d} ${where}`);
      });
    };
    if (dims > 0) fits("at the start");
    let t = v.time_window?.[0] ?? 0;
    let at = v.start_index;
    let travelled = 0;
    let distance = 0;
    const picked = new Set<number>();
    for (const { s, job, ship, step, brk } of info) {
      if (brk !== undefined) {
        if (s.arrival !== t) bad.push(`break ${s.id}: arrival ${s.arrival}, expected ${t}`);
        const begin = t + s.waiting_time;
        const windows = brk.time_windows ?? [[0, Number.POSITIVE_INFINITY]];
        if (!windows.some(([a, b]) => begin >= a && begin <= b))
          bad.push(`break ${s.id}: starts outside its windows`);
        brk.max_load?.forEach((m, d) => {
          if (load[d]! > m) bad.push(`break ${s.id}: load ${load[d]} > max_load ${m}`);
        });
        if (s.service !== (brk.service ?? 0) || s.waiting_time < 0)
          bad.push(`break ${s.id}: service or waiting`);
        t = begin + s.service;
        continue;
      }
      if (step === undefined) continue;
      if (at !== undefined) {
        t += travel(at, step.location_index);
        travelled += travel(at, step.location_index);
        distance += m.distances?.[at]?.[step.location_index] ?? 0;
      }
      if (s.arrival !== t) bad.push(`${s.type} ${s.id}: arrival ${s.arrival}, expected ${t}`);
      if (s.duration !== travelled)
        bad.push(`${s.type} ${s.id}: duration ${s.duration}, expected ${travelled}`);
      const begin = t + s.waiting_time;
      const windows = step.time_windows ?? [[0, Number.POSITIVE_INFINITY]];
      if (!windows.some(([a, b]) => begin >= a && begin <= b))
        bad.push(`${s.type} ${s.id}: service starts at ${begin}, outside its windows`);
      if (s.waiting_time < 0) bad.push(`${s.type} ${s.id}: negative waiting`);
      const setup = at === step.location_index ? 0 : (step.setup ?? 0);
      if (s.setup !== setup || s.service !== (step.service ?? 0))
        bad.push(`${s.type} ${s.id}: setup or service`);
      t = begin + setup + (step.service ?? 0);
      at = step.location_index;
      if (job !== undefined) {
        add(load, job.delivery, -1);
        add(load, job.pickup, 1);
      } else if (ship !== undefined && s.type === "pickup") {
        add(load, ship.amount, 1);
        picked.add(ship.delivery.id);
      } else if (ship !== undefined) {
        if (!picked.has(s.id!)) bad.push(`delivery ${s.id} before its pickup or on another route`);
        add(load, ship.amount, -1);
      }
      if (dims > 0) fits(`after ${s.type} ${s.id}`);
      if (s.load !== undefined && JSON.stringify(s.load) !== JSON.stringify(load))
        bad.push(`${s.type} ${s.id}: load ${JSON.stringify(s.load)}, expected ${JSON.stringify(load)}`);
    }
    for (const { s, ship } of info)
      if (s.type === "pickup" && ship !== undefined && !picked.has(ship.delivery.id))
        bad.push(`pickup ${s.id} without its delivery`);
    for (const { s, ship } of info)
      if (
        s.type === "pickup" &&
        ship !== undefined &&
        !tasks.some((x) => x.type === "delivery" && x.id === ship.delivery.id)
      )
        bad.push(`pickup ${s.id}: its delivery is not on the route`);
    if (v.end_index !== undefined && at !== undefined) {
      t += travel(at, v.end_index);
      travelled += travel(at, v.end_index);
      distance += m.distances?.[at]?.[v.end_index] ?? 0;
    }
    if (t > (v.time_window?.[1] ?? Number.POSITIVE_INFINITY))
      bad.push(`vehicle ${v.id}: back at ${t}, after its shift`);
    if (travelled > (v.max_travel_time ?? Number.POSITIVE_INFINITY))
      bad.push(`vehicle ${v.id}: max_travel_time`);
    const cost =
      (v.costs?.fixed ?? 0) +
      ((v.costs?.per_hour ?? 3600) * travelled) / 3600 +
      ((v.costs?.per_km ?? 0) * distance) / 1000;
    if (Math.abs(route.cost - Math.round(cost)) > 0)
      bad.push(`vehicle ${v.id}: cost ${route.cost}, expected ${Math.round(cost)}`);
    totalCost += route.cost;
  }
  for (const j of problem.jobs ?? [])
    if (!seen.has(`job:${j.id}`)) bad.push(`job ${j.id} is neither served nor unassigned`);
  for (const s of problem.shipments ?? []) {
    const p = seen.has(`pickup:${s.pickup.id}`);
    const d = seen.has(`delivery:${s.delivery.id}`);
    if (!p || !d) bad.push(`shipment ${s.pickup.id}/${s.delivery.id} not accounted for`);
    const leftP = solution.unassigned.some((u) => u.type === "pickup" && u.id === s.pickup.id);
    const leftD = solution.unassigned.some((u) => u.type === "delivery" && u.id === s.delivery.id);
    if (leftP !== leftD) bad.push(`shipment ${s.pickup.id}/${s.delivery.id} split`);
  }
  if (solution.summary.cost !== totalCost) bad.push(`summary cost ${solution.summary.cost} vs ${totalCost}`);
  if (solution.summary.priority !== priority)
    bad.push(`summary priority ${solution.summary.priority} vs ${priority}`);
  if (solution.summary.unassigned !== solution.unassigned.length) bad.push("summary unassigned count");
  return bad;
}

function add(load: number[], amount: readonly number[] | undefined, sign: 1 | -1): void {
  if (amount === undefined) return;
  for (let d = 0; d < amount.length; d++) load[d] = load[d]! + sign * amount[d]!;
}
