import { configError, type ModelConfig } from './model-config.js';

/** What `postprocessing` may hold: one parser per kind (image-postprocessing.ts, detection-config.ts). */
const KINDS: Record<string, string> = {
  image: 'an image-shaped output answered as a PNG or WebP image',
  detection: "a detector's outputs answered as boxes after NMS",
};

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

/**
 * Checks config.json's `postprocessing` itself before its kinds are parsed: not an object, or a kind that
 * does not exist (a misspelt `"imgae"`), would otherwise be ignored and the model answer tensors as if
 * nothing were configured. `note` is a comment, as in the kinds' own objects.
 */
export function checkPostprocessing(config: Pick<ModelConfig, 'name' | 'postprocessing'>): void {
  const post: unknown = config.postprocessing;
  if (post === undefined) return;
  const kinds = Object.entries(KINDS)
    .map(([k, what]) => `"${k}" (${what})`)
    .join(' or ');
  if (post === null || typeof post !== 'object' || Array.isArray(post))
    configError(
      config.name,
      `"postprocessing" must be an object such as {"image": {}} holding ${kinds}; got ${show(post)}`,
    );
  const unknown = Object.keys(post).filter((k) => !(k in KINDS) && k !== 'note');
  if (unknown.length > 0)
    configError(
      config.name,
      `postprocessing has unknown key ${unknown.map(show).join(', ')}; it may hold ${kinds}`,
    );
}
