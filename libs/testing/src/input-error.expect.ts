import { expect } from '@jest/globals';
import { InputError } from '@app/contracts';

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** Runs `fn`, demands an error of `type` (nothing else may escape, nor success) and returns it for further checks. */
export function expectThrown<E extends Error>(type: ErrorClass<E>, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}

/** Awaits `promise`, demands a rejection with an error of `type` and returns it for further checks. */
export async function expectRejected<E extends Error>(type: ErrorClass<E>, promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected ${type.name}, but it resolved`);
}

/** The refusal of bad input: an InputError. */
export function expectInputError(fn: () => unknown): InputError {
  return expectThrown(InputError, fn);
}
