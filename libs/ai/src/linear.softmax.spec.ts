import { describe, expect, it } from '@jest/globals';
import { logits, predictProbabilities, softmaxInPlace, trainSoftmax } from './linear.softmax.js';
import type { SparseVector } from './tfidf.vectoriser.js';

const vector = (entries: Array<[number, number]>): SparseVector => ({
  indices: Int32Array.from(entries, ([at]) => at),
  values: Float64Array.from(entries, ([, value]) => value),
});

/** Three classes, each marked by its own feature, plus a shared noise feature. */
const X = [
  vector([[0, 0.9], [3, 0.4]]),
  vector([[0, 1]]),
  vector([[1, 0.8], [3, 0.6]]),
  vector([[1, 1]]),
  vector([[2, 0.7], [3, 0.7]]),
  vector([[2, 1]]),
];
const Y = [0, 0, 1, 1, 2, 2];

describe('softmaxInPlace', () => {
  it('gives probabilities that sum to 1, stable for large scores', () => {
    const probabilities = softmaxInPlace(Float64Array.from([1000, 1000, 0]));
    expect(probabilities[0]).toBeCloseTo(0.5, 12);
    expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 12);
  });
});

describe('trainSoftmax', () => {
  it('learns separable classes and converges', () => {
    const model = trainSoftmax(X, Y, 3, 4, { l2: 1e-3 });
    expect(model.converged).toBe(true);
    X.forEach((x, i) => {
      const probabilities = predictProbabilities(model, x);
      expect(probabilities.indexOf(Math.max(...probabilities))).toBe(Y[i]);
    });
  });

  it('reaches a minimum: the gradient of the objective vanishes (checked by finite differences)', () => {
    const l2 = 1e-2;
    const model = trainSoftmax(X, Y, 3, 4, { l2, tolerance: 1e-9, maxIterations: 1000 });
    const objective = (weights: Float64Array, bias: Float64Array) => {
      let loss = 0;
      X.forEach((x, i) => {
        const scores = logits({ classes: 3, dimension: 4, weights, bias }, x);
        const max = Math.max(...scores);
        const logTotal = max + Math.log(scores.reduce((sum, s) => sum + Math.exp(s - max), 0));
        loss += (logTotal - scores[Y[i]!]!) / X.length;
      });
      return loss + 0.5 * l2 * weights.reduce((sum, w) => sum + w * w, 0);
    };
    const h = 1e-6;
    for (let j = 0; j < model.weights.length; j++) {
      const plus = Float64Array.from(model.weights);
      const minus = Float64Array.from(model.weights);
      plus[j]! += h;
      minus[j]! -= h;
      expect(Math.abs((objective(plus, model.bias) - objective(minus, model.bias)) / (2 * h))).toBeLessThan(1e-5);
    }
  });

  it('shrinks the weights as the penalty grows', () => {
    const size = (l2: number) => Math.hypot(...trainSoftmax(X, Y, 3, 4, { l2 }).weights);
    expect(size(1e-1)).toBeLessThan(size(1e-3));
  });

  it('gives the same weights every time', () => {
    expect(trainSoftmax(X, Y, 3, 4).weights).toEqual(trainSoftmax(X, Y, 3, 4).weights);
  });

  it('with balanced weights, a small class is not swamped by a large one', () => {
    const xs = [...Array.from({ length: 20 }, () => vector([[0, 1]])), vector([[0, 0.6], [1, 0.8]])];
    const ys = [...new Array<number>(20).fill(0), 1];
    const balanced = trainSoftmax(xs, ys, 2, 2, { l2: 0.5, classWeight: 'balanced' });
    const uniform = trainSoftmax(xs, ys, 2, 2, { l2: 0.5, classWeight: 'uniform' });
    const probe = vector([[0, 0.6], [1, 0.8]]);
    expect(predictProbabilities(balanced, probe)[1]!).toBeGreaterThan(predictProbabilities(uniform, probe)[1]!);
  });

  it('refuses inconsistent input', () => {
    expect(() => trainSoftmax(X, Y.slice(1), 3, 4)).toThrow('one target per vector');
    expect(() => trainSoftmax([], [], 3, 4)).toThrow('no examples');
    expect(() => trainSoftmax(X, Y, 1, 4)).toThrow('at least two classes');
    expect(() => trainSoftmax(X, [0, 0, 1, 1, 2, 3], 3, 4)).toThrow('target out of range');
  });
});
