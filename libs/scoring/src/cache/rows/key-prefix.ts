export interface ModelIdentity {
  name: string;
  version: string;
  sha256: string;
}

/**
 * `modelfn:{model}:{version}:{sha256(model.onnx)[0..12]}:` — what every cached value of a model version
 * starts with: the model hash keeps a retrained model that reuses a version number from ever reading the
 * old model's answers.
 */
export function keyPrefix(model: ModelIdentity): string {
  return `modelfn:${model.name}:${model.version}:${model.sha256.slice(0, 12)}:`;
}
