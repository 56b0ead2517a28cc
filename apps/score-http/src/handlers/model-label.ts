import type { ModelRepository } from '@modelfn/scoring';

/** A model name fit for a metric label: one the repository serves, never arbitrary text from a request. */
export function knownModel(repo: ModelRepository, name: string | undefined): string | undefined {
  const resolved = name ?? repo.defaultModel;
  return resolved !== undefined && repo.names().includes(resolved) ? resolved : undefined;
}
