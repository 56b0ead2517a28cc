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

/**
 * The container (and the prefix inside it) a blob repository names, as storage events name it: the
 * Event Grid subject of a blob in it is `/blobServices/default/containers/<container>/blobs/<prefix>/...`.
 * Undefined for a folder. A URL is path-style (`/<account>/<container>/...`) on an IP address or localhost
 * (Azurite), host-style (`/<container>/...`) elsewhere, as the repository's own sync reads it.
 */
export function blobRepositoryPlace(spec: string): { container: string; prefix: string } | undefined {
  if (!isBlobRepository(spec)) return undefined;
  let parts: string[];
  if (spec.startsWith('blob:')) parts = spec.slice('blob:'.length).split('/');
  else {
    const url = new URL(spec);
    const pathStyle = /^\d+\.\d+\.\d+\.\d+$|^localhost$/.test(url.hostname);
    parts = url.pathname.split('/').slice(pathStyle ? 2 : 1);
  }
  const [container, ...rest] = parts.map((p) => decodeURIComponent(p));
  if (!container) return undefined;
  return { container, prefix: rest.filter(Boolean).join('/') };
}
