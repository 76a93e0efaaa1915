import { Counter, register } from 'prom-client';

function counter(name: string, help: string): Counter<'route' | 'step'> {
  // One registry per process; in tests several apps may start in one process.
  return (register.getSingleMetric(name) as Counter<'route' | 'step'>) ?? new Counter({ name, help, labelNames: ['route', 'step'] });
}

/**
 * The document counters the gateway exports. Documents taken in are counted where intake takes them (each
 * gateway its own); the other three from the events the workers publish.
 */
export const documentMetrics = {
  accepted: counter('schnittstelle_documents_accepted_total', 'Documents taken in'),
  stepDone: counter('schnittstelle_steps_done_total', 'Pipeline steps done'),
  completed: counter('schnittstelle_documents_completed_total', 'Documents written back'),
  failed: counter('schnittstelle_documents_failed_total', 'Documents failed for good'),
};
