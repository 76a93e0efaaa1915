// Reads a V8 CPU profile (as the inspector's Profiler.stop or node --cpu-prof write it) and says where the
// time went: self and inclusive time per package or library folder, and per function.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** node_modules/<package>, dist/libs/<lib>, dist/apps/<app>, node:<internal>, or the V8 pseudo frames. */
function areaOf(url, root) {
  if (!url) return '(native or V8)';
  let file = url;
  if (url.startsWith('file://')) file = fileURLToPath(url);
  if (url.startsWith('node:')) return 'node internals';
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = file.slice(modules + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const relative = path.relative(root, file);
  const parts = relative.split(path.sep);
  if (parts[0] === 'dist') return parts.slice(1, 3).join('/');
  return parts[0] === '..' ? file : parts.slice(0, 2).join('/');
}

/**
 * @param {{ nodes: any[], samples: number[], timeDeltas: number[] }} profile
 * @param {{ root: string, stages?: { label: string, fn: string, under?: string }[] }} options  a stage is the
 *   inclusive time of the function named `fn` (only where `under` is on the stack above it, when given)
 * @returns {{ totalMs: number, areas: {name,selfMs,totalMs}[], functions: {name,selfMs,totalMs}[], stages: {label,totalMs}[] }}
 */
export function analyseProfile(profile, { root, stages = [] }) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const fnKey = (node) => {
    const frame = node.callFrame;
    if (!frame.url) return frame.functionName || '(anonymous)';
    const file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
    const modules = file.lastIndexOf('/node_modules/');
    const shown = modules >= 0 ? file.slice(modules + '/node_modules/'.length) : path.relative(root, file);
    return `${frame.functionName || '(anonymous)'} ${shown}:${frame.lineNumber + 1}`;
  };
  const areas = new Map();
  const functions = new Map();
  const add = (map, key, field, ms) => {
    const entry = map.get(key) ?? { name: key, selfMs: 0, totalMs: 0 };
    entry[field] += ms;
    map.set(key, entry);
  };
  const stageMs = stages.map(() => 0);
  let totalMs = 0;
  // Samples taken while the inspector itself was called (starting the profiler) are not the program's time.
  const isInspector = (node) => node.callFrame.url === 'node:inspector' || node.callFrame.url === 'node:inspector/promises';
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(id);
    for (let node = leaf; node; node = byId.get(parent.get(node.id))) if (isInspector(node)) return;
    totalMs += ms;
    add(areas, areaOf(leaf.callFrame.url, root), 'selfMs', ms);
    add(functions, fnKey(leaf), 'selfMs', ms);
    const seenAreas = new Set();
    const seenFns = new Set();
    for (let node = leaf; node; node = byId.get(parent.get(node.id))) {
      const area = areaOf(node.callFrame.url, root);
      if (!seenAreas.has(area)) (seenAreas.add(area), add(areas, area, 'totalMs', ms));
      const key = fnKey(node);
      if (!seenFns.has(key)) (seenFns.add(key), add(functions, key, 'totalMs', ms));
    }
    if (stages.length === 0) return;
    const names = [];
    for (let node = leaf; node; node = byId.get(parent.get(node.id))) names.push(node.callFrame.functionName);
    stages.forEach((stage, k) => {
      const at = names.indexOf(stage.fn);
      if (at >= 0 && (!stage.under || names.indexOf(stage.under, at + 1) > at)) stageMs[k] += ms;
    });
  });
  return { totalMs, areas: [...areas.values()], functions: [...functions.values()], stages: stages.map((stage, k) => ({ label: stage.label, totalMs: stageMs[k] })) };
}

/**
 * A printable summary: the stages asked for, areas by self time, then the heaviest functions by self and by
 * inclusive time; with `per` (e.g. the number of requests) also microseconds per unit.
 */
export function summariseProfile(profile, { root, top = 20, stages = [], per }) {
  const { totalMs, areas, functions, stages: staged } = analyseProfile(profile, { root, stages });
  const pct = (ms) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)}%`;
  const us = (ms) => (per ? `${((1000 * ms) / per).toFixed(0).padStart(6)} us` : '');
  const lines = [`CPU profile: ${totalMs.toFixed(0)} ms sampled${per ? ` = ${(totalMs / per).toFixed(2)} ms per unit (${per} units)` : ''}`];
  if (staged.length) lines.push('stages (inclusive; they nest, so they do not add up):');
  for (const s of staged) lines.push(`  ${pct(s.totalMs)} ${us(s.totalMs)}  ${s.label}`);
  lines.push('by area (self | inclusive):');
  for (const a of areas.sort((x, y) => y.selfMs - x.selfMs).slice(0, top)) lines.push(`  ${pct(a.selfMs)} | ${pct(a.totalMs)} ${us(a.totalMs)}  ${a.name}`);
  lines.push('functions by self time:');
  for (const f of [...functions].sort((x, y) => y.selfMs - x.selfMs).slice(0, top)) lines.push(`  ${pct(f.selfMs)}  ${f.name}`);
  lines.push('functions by inclusive time (skipping the generic frames):');
  const generic = /^\((root|program|idle|garbage collector)\)|^processTicksAndRejections|^runMicrotasks|^listOnTimeout|^processTimers|^emit |^(anonymous)$/;
  for (const f of [...functions].filter((f) => !generic.test(f.name)).sort((x, y) => y.totalMs - x.totalMs).slice(0, top)) lines.push(`  ${pct(f.totalMs)}  ${f.name}`);
  return lines.join('\n');
}
