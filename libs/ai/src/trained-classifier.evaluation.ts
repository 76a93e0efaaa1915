import { createHash } from 'node:crypto';

/**
 * Evaluating a classifier honestly on small, clustered data: near-duplicates (the same model ordinance
 * adopted by several municipalities, chunks of one law) must not sit on both sides of a split, or the
 * test measures memory. Items are split by group, deterministically, stratified by label.
 */

export interface GroupedItem {
  /** Items with the same group always land on the same side. */
  group: string;
  label: string;
}

export interface SplitOptions {
  /** Share of items for the test side, per label. Default 0.25. */
  testShare?: number;
  /** Mixed into the group hash; another salt gives another (equally valid) split. Default "". */
  salt?: string;
}

/**
 * Splits items into train and test by group. Groups are ordered by a hash of salt and group id; for
 * each label (a group's label is its most frequent one), groups go to the test side in that order while
 * the label's test items stay within its share (at least one group per label with two or more groups).
 * The same items and salt always give the same split. Returns the item indexes of each side, ascending.
 */
export function groupSplit(items: readonly GroupedItem[], options: SplitOptions = {}): { train: number[]; test: number[] } {
  const testShare = options.testShare ?? 0.25;
  const salt = options.salt ?? '';
  const groups = groupsOf(items);

  const byLabel = new Map<string, Array<{ id: string; members: number[] }>>();
  for (const [id, members] of groups) {
    const label = majorityLabel(members.map((i) => items[i]!.label));
    if (!byLabel.has(label)) byLabel.set(label, []);
    byLabel.get(label)!.push({ id, members });
  }

  const test: number[] = [];
  for (const [, labelGroups] of [...byLabel].sort((a, b) => compare(a[0], b[0]))) {
    labelGroups.sort((a, b) => compare(hash(`${salt}\u0000${a.id}`), hash(`${salt}\u0000${b.id}`)));
    const total = labelGroups.reduce((sum, group) => sum + group.members.length, 0);
    const target = total * testShare;
    let taken = 0;
    let groupsTaken = 0;
    for (const group of labelGroups) {
      if (groupsTaken >= labelGroups.length - 1) break; // keep at least one group for training
      const next = taken + group.members.length;
      // Take the group if that brings the count nearer to the target (always the first one).
      if (groupsTaken > 0 && Math.abs(next - target) >= Math.abs(taken - target)) continue;
      test.push(...group.members);
      taken = next;
      groupsTaken++;
    }
  }
  const testSet = new Set(test);
  return {
    train: items.map((_, i) => i).filter((i) => !testSet.has(i)),
    test: [...testSet].sort((a, b) => a - b),
  };
}

/**
 * k folds by group, stratified the same way: groups of each label, in hash order, are dealt round-robin
 * to the folds (the fold with the fewest items of that label gets the next group). Returns, per fold,
 * the indexes of its items (the held-out part); training is everything else.
 */
export function groupFolds(items: readonly GroupedItem[], folds: number, salt = ''): number[][] {
  const groups = groupsOf(items);
  const byLabel = new Map<string, Array<{ id: string; members: number[] }>>();
  for (const [id, members] of groups) {
    const label = majorityLabel(members.map((i) => items[i]!.label));
    if (!byLabel.has(label)) byLabel.set(label, []);
    byLabel.get(label)!.push({ id, members });
  }
  const result: number[][] = Array.from({ length: folds }, () => []);
  for (const [, labelGroups] of [...byLabel].sort((a, b) => compare(a[0], b[0]))) {
    labelGroups.sort((a, b) => b.members.length - a.members.length || compare(hash(`${salt}\u0000${a.id}`), hash(`${salt}\u0000${b.id}`)));
    const filled = new Array<number>(folds).fill(0);
    for (const group of labelGroups) {
      let fold = 0;
      for (let f = 1; f < folds; f++) if (filled[f]! < filled[fold]!) fold = f;
      result[fold]!.push(...group.members);
      filled[fold]! += group.members.length;
    }
  }
  return result.map((fold) => fold.sort((a, b) => a - b));
}

export interface LabelScores {
  precision: number;
  recall: number;
  f1: number;
  /** Gold items of this label. */
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  /** Unweighted mean of the per-label F1 over `labels`. */
  macroF1: number;
  perLabel: Record<string, LabelScores>;
  /** confusion[gold][predicted] = count. */
  confusion: Record<string, Record<string, number>>;
}

/**
 * Accuracy, per-label precision/recall/F1 and their macro average. `labels` defaults to the gold
 * labels; a label never predicted and never gold is left out. F1 of a label with no true positive is 0.
 */
export function classificationReport(gold: readonly string[], predicted: readonly string[], labels?: readonly string[]): ClassificationReport {
  if (gold.length !== predicted.length) throw new Error('classificationReport: gold and predicted differ in length');
  const names = labels ?? [...new Set(gold)].sort();
  const confusion: Record<string, Record<string, number>> = {};
  for (let i = 0; i < gold.length; i++) {
    const row = (confusion[gold[i]!] ??= {});
    row[predicted[i]!] = (row[predicted[i]!] ?? 0) + 1;
  }
  const perLabel: Record<string, LabelScores> = {};
  for (const label of names) {
    const truePositive = confusion[label]?.[label] ?? 0;
    const support = gold.filter((value) => value === label).length;
    const predictedCount = predicted.filter((value) => value === label).length;
    const precision = predictedCount ? truePositive / predictedCount : 0;
    const recall = support ? truePositive / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perLabel[label] = { precision, recall, f1, support };
  }
  const correct = gold.filter((value, i) => value === predicted[i]).length;
  const scored = names.map((label) => perLabel[label]!.f1);
  return {
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1: scored.length ? scored.reduce((sum, value) => sum + value, 0) / scored.length : 0,
    perLabel,
    confusion,
  };
}

function groupsOf(items: readonly GroupedItem[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (!groups.has(item.group)) groups.set(item.group, []);
    groups.get(item.group)!.push(i);
  });
  return groups;
}

function majorityLabel(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))[0]![0];
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
