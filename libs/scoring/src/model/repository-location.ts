/**
 * A model repository in a blob container: `MODEL_REPOSITORY=https://<account>.blob.core.windows.net/
 * <container>[/<prefix>]?<SAS>`, or `blob:<container>[/<prefix>]` with the account of AzureWebJobsStorage
 * (a connection string). The layout is the folder layout (`<model>/config.json`, `<model>/<version>/
 * model.onnx`, ...). The host copies it into a local folder and loads that as usual, so every check of a
 * local repository holds: a version whose file no longer matches the sha256 its config.json pins is
 * refused, and a changed blob is only a new version when config.json says so.
 */
export function isBlobRepository(spec: string): boolean {
  return /^https?:\/\//i.test(spec) || spec.startsWith('blob:');
}

/** A repository named without its SAS, for folder names and messages (a SAS is a secret). */
export function describeBlobRepository(spec: string): string {
  return spec.replace(/\?.*$/, '');
}
