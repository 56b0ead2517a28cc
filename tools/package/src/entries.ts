/** One file of a package: copied from `source`, or written from `data`. `path` is inside the package. */
export type PackageEntry = { path: string; source: string } | { path: string; data: Buffer };
