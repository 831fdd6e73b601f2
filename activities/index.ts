import { controllerKeyActivities } from './nodes/controllerKey';
import { factsActivities } from './nodes/facts';
import { SshDeps } from './ssh/remote';

/** Every activity the worker registers, bound to the worker's SSH pool and controller key. */
export function createActivities(deps: SshDeps) {
  return {
    ...controllerKeyActivities(deps),
    ...factsActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
