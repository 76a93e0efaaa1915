import type { NextFunction, Request, Response } from 'express';
import { json, raw } from 'express';
import { sendApiError } from './api-exception.filter.js';

/**
 * Reads REST bodies: JSON as JSON, anything else (XML, text) as bytes. Its errors (too large, bad JSON)
 * arise before any controller, where the controller's filter cannot see them, so they are answered here
 * in the same `{ error, message }` form.
 */
export function apiBodyParsers(limit: number) {
  const parsers = [json({ limit }), raw({ type: () => true, limit })];
  return (req: Request, res: Response, next: NextFunction) => {
    const run = (index: number): void => {
      const parser = parsers[index];
      if (!parser) return next();
      parser(req, res, (error?: unknown) => (error ? sendApiError(res, error) : run(index + 1)));
    };
    run(0);
  };
}
