import { expect } from '@jest/globals';
import { InputError } from '@app/contracts';

/** Runs `fn`, demands an InputError (nothing else may escape) and returns it for further checks. */
export function expectInputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError, but the input was accepted');
}
