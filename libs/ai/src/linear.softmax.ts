import type { SparseVector } from './tfidf.vectoriser.js';

/**
 * Multinomial logistic regression (softmax regression) with an L2 penalty, trained by full-batch
 * L-BFGS. The objective is strictly convex, starts from all-zero weights and has no random part, so a
 * given training set always gives the same weights.
 *
 *   minimise  Σ_i s_i · CE(softmax(W x_i + b), y_i) / Σ_i s_i  +  (λ/2) · ‖W‖²
 *
 * with s_i the weight of example i (1, or inversely proportional to its class's size when classes are
 * balanced); the bias b is not penalised.
 */
export interface SoftmaxTrainingOptions {
  /** λ, the L2 penalty on the weights. Default 1e-4. */
  l2: number;
  /** Upper bound on L-BFGS iterations. Default 300. */
  maxIterations: number;
  /** Stop when the largest gradient entry falls below this. Default 1e-6. */
  tolerance: number;
  /** `balanced`: every class weighs the same in total, whatever its size. Default `balanced`. */
  classWeight: 'balanced' | 'uniform';
  /** Correction pairs kept by L-BFGS. Default 10. */
  memory: number;
}

export const DEFAULT_SOFTMAX_OPTIONS: SoftmaxTrainingOptions = {
  l2: 1e-4,
  maxIterations: 300,
  tolerance: 1e-6,
  classWeight: 'balanced',
  memory: 10,
};

/** Weights of a trained model: `weights[k * dimension + j]` for class k and feature j. */
export interface SoftmaxParameters {
  classes: number;
  dimension: number;
  weights: Float64Array;
  bias: Float64Array;
}

export interface SoftmaxTrainingResult extends SoftmaxParameters {
  iterations: number;
  /** The objective at the end (penalised mean cross-entropy). */
  loss: number;
  converged: boolean;
}

/** The class scores W x + b. */
export function logits(model: SoftmaxParameters, x: SparseVector): Float64Array {
  const { classes, dimension, weights, bias } = model;
  const out = Float64Array.from(bias);
  for (let k = 0; k < classes; k++) {
    const row = k * dimension;
    let sum = 0;
    for (let n = 0; n < x.indices.length; n++) sum += weights[row + x.indices[n]!]! * x.values[n]!;
    out[k]! += sum;
  }
  return out;
}

/** Turns scores into probabilities, in place, stable for large scores. */
export function softmaxInPlace(scores: Float64Array): Float64Array {
  let max = -Infinity;
  for (const score of scores) max = Math.max(max, score);
  let total = 0;
  for (let k = 0; k < scores.length; k++) total += scores[k] = Math.exp(scores[k]! - max);
  for (let k = 0; k < scores.length; k++) scores[k]! /= total;
  return scores;
}

export function predictProbabilities(model: SoftmaxParameters, x: SparseVector): Float64Array {
  return softmaxInPlace(logits(model, x));
}

/**
 * Trains on vectors of `dimension` features with targets in 0 … classes-1. Throws a plain Error on
 * inconsistent input (a programming error, not a data problem).
 */
export function trainSoftmax(
  vectors: readonly SparseVector[],
  targets: readonly number[],
  classes: number,
  dimension: number,
  partial: Partial<SoftmaxTrainingOptions> = {},
): SoftmaxTrainingResult {
  const options: SoftmaxTrainingOptions = { ...DEFAULT_SOFTMAX_OPTIONS, ...partial };
  if (vectors.length !== targets.length) throw new Error('trainSoftmax: one target per vector');
  if (vectors.length === 0) throw new Error('trainSoftmax: no examples');
  if (classes < 2) throw new Error('trainSoftmax: at least two classes');
  if (targets.some((target) => !Number.isInteger(target) || target < 0 || target >= classes)) {
    throw new Error('trainSoftmax: target out of range');
  }

  const sampleWeights = exampleWeights(targets, classes, options.classWeight);
  const size = classes * (dimension + 1);
  const objective = (theta: Float64Array, gradient: Float64Array): number =>
    evaluate(theta, gradient, vectors, targets, sampleWeights, classes, dimension, options.l2);

  const { theta, iterations, loss, converged } = lbfgs(objective, new Float64Array(size), options);
  return {
    classes,
    dimension,
    weights: theta.slice(0, classes * dimension),
    bias: theta.slice(classes * dimension),
    iterations,
    loss,
    converged,
  };
}

/** Per-example weights that sum to 1. */
function exampleWeights(targets: readonly number[], classes: number, mode: SoftmaxTrainingOptions['classWeight']): Float64Array {
  const perClass = new Array<number>(classes).fill(0);
  for (const target of targets) perClass[target]!++;
  const present = perClass.filter((count) => count > 0).length;
  const raw = targets.map((target) => (mode === 'balanced' ? 1 / (present * perClass[target]!) : 1 / targets.length));
  return Float64Array.from(raw);
}

/** Objective and its gradient at theta = [W row-major by class, b]. */
function evaluate(
  theta: Float64Array,
  gradient: Float64Array,
  vectors: readonly SparseVector[],
  targets: readonly number[],
  sampleWeights: Float64Array,
  classes: number,
  dimension: number,
  l2: number,
): number {
  const biasAt = classes * dimension;
  const parameters: SoftmaxParameters = {
    classes,
    dimension,
    weights: theta.subarray(0, biasAt),
    bias: theta.subarray(biasAt),
  };
  gradient.fill(0);
  let loss = 0;
  for (let i = 0; i < vectors.length; i++) {
    const x = vectors[i]!;
    const scores = logits(parameters, x);
    // Cross-entropy through log-sum-exp, then the probabilities for the gradient.
    let max = -Infinity;
    for (const score of scores) max = Math.max(max, score);
    let total = 0;
    for (const score of scores) total += Math.exp(score - max);
    const logTotal = max + Math.log(total);
    const weight = sampleWeights[i]!;
    loss += weight * (logTotal - scores[targets[i]!]!);
    for (let k = 0; k < classes; k++) {
      const g = weight * (Math.exp(scores[k]! - logTotal) - (k === targets[i] ? 1 : 0));
      if (g === 0) continue;
      const row = k * dimension;
      for (let n = 0; n < x.indices.length; n++) gradient[row + x.indices[n]!]! += g * x.values[n]!;
      gradient[biasAt + k]! += g;
    }
  }
  let penalty = 0;
  for (let j = 0; j < biasAt; j++) {
    const w = theta[j]!;
    penalty += w * w;
    gradient[j]! += l2 * w;
  }
  return loss + 0.5 * l2 * penalty;
}

type Objective = (theta: Float64Array, gradient: Float64Array) => number;

/** Limited-memory BFGS with a backtracking (Armijo) line search. */
function lbfgs(
  objective: Objective,
  start: Float64Array,
  options: SoftmaxTrainingOptions,
): { theta: Float64Array; iterations: number; loss: number; converged: boolean } {
  const size = start.length;
  let theta = Float64Array.from(start);
  let gradient = new Float64Array(size);
  let loss = objective(theta, gradient);
  const history: Array<{ s: Float64Array; y: Float64Array; rho: number }> = [];
  const direction = new Float64Array(size);
  const alpha = new Float64Array(options.memory);

  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    if (maxAbs(gradient) < options.tolerance) return { theta, iterations: iteration - 1, loss, converged: true };

    // Two-loop recursion: direction = -H·g.
    direction.set(gradient);
    for (let m = history.length - 1; m >= 0; m--) {
      const { s, y, rho } = history[m]!;
      alpha[m] = rho * dot(s, direction);
      axpy(-alpha[m]!, y, direction);
    }
    const last = history.at(-1);
    const scale = last ? dot(last.s, last.y) / dot(last.y, last.y) : 1 / Math.max(1e-12, Math.sqrt(dot(gradient, gradient)));
    for (let j = 0; j < size; j++) direction[j]! *= scale;
    for (let m = 0; m < history.length; m++) {
      const { s, y, rho } = history[m]!;
      const beta = rho * dot(y, direction);
      axpy(alpha[m]! - beta, s, direction);
    }
    for (let j = 0; j < size; j++) direction[j] = -direction[j]!;

    let slope = dot(gradient, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      history.length = 0;
      for (let j = 0; j < size; j++) direction[j] = -gradient[j]!;
      slope = dot(gradient, direction);
    }

    let step = 1;
    const nextTheta = new Float64Array(size);
    const nextGradient = new Float64Array(size);
    let nextLoss = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < size; j++) nextTheta[j] = theta[j]! + step * direction[j]!;
      nextLoss = objective(nextTheta, nextGradient);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextLoss < loss)) return { theta, iterations: iteration, loss, converged: true };

    const s = new Float64Array(size);
    const y = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      s[j] = nextTheta[j]! - theta[j]!;
      y[j] = nextGradient[j]! - gradient[j]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      history.push({ s, y, rho: 1 / sy });
      if (history.length > options.memory) history.shift();
    }
    const relativeDecrease = (loss - nextLoss) / Math.max(1, Math.abs(loss));
    theta = nextTheta;
    gradient = nextGradient;
    loss = nextLoss;
    if (relativeDecrease < 1e-12) return { theta, iterations: iteration, loss, converged: true };
  }
  return { theta, iterations: options.maxIterations, loss, converged: maxAbs(gradient) < options.tolerance };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j]! * b[j]!;
  return sum;
}

function axpy(factor: number, x: Float64Array, into: Float64Array): void {
  for (let j = 0; j < x.length; j++) into[j]! += factor * x[j]!;
}

function maxAbs(values: Float64Array): number {
  let max = 0;
  for (const value of values) max = Math.max(max, Math.abs(value));
  return max;
}
