import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { BACKEND, DATASET_CACHE, TRACKER, type RunServices } from '../contracts/tokens.ts';

/**
 * One child container per run (and per `untangle eval` or audit): the services that command has,
 * registered as values. Children of the root container, never of each other, so a second run in
 * the same process (an experiment's next stage, a test) cannot see the first run's tracker.
 */
export function runScope(services: RunServices = {}): DependencyContainer {
  const scope = rootContainer.createChildContainer();
  if (services.tracker) scope.register(TRACKER, { useValue: services.tracker });
  if (services.backend) scope.register(BACKEND, { useValue: services.backend });
  if (services.datasetCache) scope.register(DATASET_CACHE, { useValue: services.datasetCache });
  return scope;
}
