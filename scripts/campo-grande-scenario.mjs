#!/usr/bin/env node
/**
 * Generates scenarios/campo-grande.json (run once; the output is committed). Campo Grande, Brazil, the
 * part covered by the OpenStreetMap extract (lat −20.60…−20.40, lng −54.60…−54.50).
 *
 * - Stores: two supermarkets mapped in OSM (Comper, Supermercado Campos) and four points on the city's
 *   main commercial avenues (Afonso Pena, Três Barras, Marquês de Herval, Guaicurus), read from the
 *   extract's primary/secondary ways.
 * - Zones: every H3 cell (res 8) of the covered area, grouped into six districts by nearest district
 *   centre; the demand of each cell falls off with distance from the dense centre (a Gaussian, σ 4 km,
 *   plus a floor for the outskirts), which matches where the extract's road density is highest.
 * - Demand over the day: a grocery profile with a lunch and an evening peak.
 *
 *   Only cells with at least ROAD_NODES_MIN road nodes of the extract are kept: customers live where the
 *   streets are (the south-east of the box is farmland), and the road source can snap them.
 *
 *   node scripts/campo-grande-scenario.mjs [extract.osm.gz] > scenarios/campo-grande.json
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { cellToLatLng, latLngToCell, polygonToCells } from "h3-js";

const OSM = process.argv[2] ?? "../shared/data/osm/campo-grande.osm.gz";

const RES = 8;
const origin = { lat: -20.47, lng: -54.57 };
const centre = { lat: -20.458, lng: -54.578 };
const bounds = { south: -20.56, north: -20.405, west: -54.598, east: -54.502 };

const stores = [
  ["comper-mato-grosso", -20.45234, -54.59484, 420, 1380, 16],
  ["campos-nelly-martins", -20.44828, -54.57574, 420, 1320, 12],
  ["afonso-pena", -20.45838, -54.58248, 480, 1380, 14],
  ["tres-barras", -20.49034, -54.57474, 420, 1320, 12],
  ["marques-de-herval", -20.41856, -54.56851, 480, 1320, 12],
  ["guaicurus", -20.52065, -54.58574, 420, 1320, 12],
];
const districts = [
  ["centro", -20.455, -54.585],
  ["nordeste", -20.43, -54.555],
  ["norte", -20.415, -54.585],
  ["leste", -20.465, -54.535],
  ["sul", -20.5, -54.57],
  ["extremo-sul", -20.54, -54.58],
];

const toRad = Math.PI / 180;
const distM = (a, b) => {
  const x = (b.lng - a.lng) * toRad * Math.cos(((a.lat + b.lat) / 2) * toRad) * 6_371_008.8;
  const y = (b.lat - a.lat) * toRad * 6_371_008.8;
  return Math.hypot(x, y);
};

const ring = [
  [bounds.south, bounds.west],
  [bounds.south, bounds.east],
  [bounds.north, bounds.east],
  [bounds.north, bounds.west],
];
const ROAD_NODES_MIN = 12;
const roadNodesPerCell = countRoadNodesPerCell(OSM);
const cells = polygonToCells(ring, RES)
  .filter((c) => (roadNodesPerCell.get(c) ?? 0) >= ROAD_NODES_MIN)
  .sort();
const byDistrict = districts.map(() => ({ cells: [], weights: [] }));
for (const cell of cells) {
  const [lat, lng] = cellToLatLng(cell);
  let best = 0;
  for (let i = 1; i < districts.length; i++)
    if (
      distM({ lat, lng }, { lat: districts[i][1], lng: districts[i][2] }) <
      distM({ lat, lng }, { lat: districts[best][1], lng: districts[best][2] })
    )
      best = i;
  const d = distM({ lat, lng }, centre);
  const w = Math.round((0.15 + Math.exp(-(d * d) / (2 * 4000 * 4000))) * 1000) / 1000;
  byDistrict[best].cells.push(cell);
  byDistrict[best].weights.push(w);
}

const round3 = (v) => Math.round(v * 1000) / 1000;
const scenario = {
  name: "campo-grande",
  description:
    "Campo Grande, Brazil (the part covered by the bundled OpenStreetMap extract): 6 grocery stores on the main avenues, demand by H3 cell (res 8) denser in the centre, lunch and evening peaks, car and motorbike shoppers. Travel: the bundled road network with rush hours (set geo.travel.source to straight for great-circle × detour). Data © OpenStreetMap contributors (ODbL).",
  mode: "grocery",
  durationMin: 1440,
  geo: {
    origin,
    h3Resolution: RES,
    travel: { source: "road", profile: "rush-hour" },
    attribution: "© OpenStreetMap contributors",
  },
  stores: stores.map(([id, lat, lng, openMin, closeMin, aisles]) => ({
    id,
    lat,
    lng,
    openMin,
    closeMin,
    aisles,
    catalog: { skus: 300, categories: 24, stockMin: 6, stockMax: 40 },
  })),
  zones: districts.map(([id], i) => ({
    id,
    weight: round3(byDistrict[i].weights.reduce((a, b) => a + b, 0)),
    cells: byDistrict[i].cells,
    cellWeights: byDistrict[i].weights,
  })),
  workforce: [
    {
      id: "manha-carro",
      count: 10,
      role: "shopper",
      startMin: 450,
      endMin: 930,
      storeId: "afonso-pena",
      speedKmh: 28,
      vehicle: "car",
      acceptProbability: 0.85,
    },
    {
      id: "manha-moto",
      count: 6,
      role: "shopper",
      startMin: 480,
      endMin: 960,
      start: { lat: -20.47, lng: -54.57 },
      speedKmh: 32,
      vehicle: "scooter",
      acceptProbability: 0.9,
    },
    {
      id: "tarde-carro",
      count: 12,
      role: "shopper",
      startMin: 690,
      endMin: 1170,
      storeId: "comper-mato-grosso",
      speedKmh: 28,
      vehicle: "car",
      acceptProbability: 0.9,
    },
    {
      id: "tarde-moto",
      count: 8,
      role: "shopper",
      startMin: 720,
      endMin: 1200,
      storeId: "tres-barras",
      speedKmh: 32,
      vehicle: "scooter",
      acceptProbability: 0.9,
    },
    {
      id: "noite-carro",
      count: 10,
      role: "shopper",
      startMin: 930,
      endMin: 1380,
      storeId: "campos-nelly-martins",
      speedKmh: 28,
      vehicle: "car",
      acceptProbability: 0.9,
      noShowProbability: 0.05,
    },
  ],
  demand: {
    kind: "generator",
    ordersPerDay: 800,
    hourlyProfile: [
      0, 0, 0, 0, 0, 0, 0.2, 0.6, 1.0, 1.1, 1.3, 1.5, 1.4, 1.0, 0.9, 1.0, 1.2, 1.5, 1.6, 1.3, 0.8, 0.3, 0, 0,
    ],
    basketSize: { mean: 14, min: 1, max: 60 },
  },
  dispatch: { radiusM: 4000, radiusMaxM: 25000, detourFactor: 1.3 },
  slots: { firstSlotMin: 540, lastSlotMin: 1320, serviceLevel: 0.5, ordersPerShopperHour: 2.2 },
  storeRadiusM: 9000,
};
process.stdout.write(`${JSON.stringify(scenario, null, 1)}\n`);

/** Nodes of car roads (highway ways) per H3 cell, read with regular expressions (both quote styles). */
function countRoadNodesPerCell(path) {
  const xml = gunzipSync(readFileSync(path)).toString("utf8");
  const nodes = new Map();
  for (const m of xml.matchAll(
    /<node\s[^>]*?id=["'](\d+)["'][^>]*?lat=["']([-\d.]+)["'][^>]*?lon=["']([-\d.]+)["']/g,
  ))
    nodes.set(m[1], [Number(m[2]), Number(m[3])]);
  const counts = new Map();
  const car =
    /k=["']highway["']\s+v=["'](motorway|trunk|primary|secondary|tertiary|unclassified|residential|living_street|service)(_link)?["']/;
  for (const m of xml.matchAll(/<way\b[\s\S]*?<\/way>/g)) {
    if (!car.test(m[0])) continue;
    for (const r of m[0].matchAll(/<nd\s+ref=["'](\d+)["']/g)) {
      const p = nodes.get(r[1]);
      if (p === undefined) continue;
      const c = latLngToCell(p[0], p[1], RES);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  return counts;
}
