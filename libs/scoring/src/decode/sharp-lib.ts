import type sharpType from 'sharp';

let lib: Promise<typeof sharpType> | undefined;

/**
 * sharp (libvips), loaded on the first image rather than at start: a host whose first requests are JSON
 * rows (an mnist digit) answers them without paying for the native library's load (~20-30 ms of CPU at
 * start, measured under tsx with the cold-start method of the bench).
 */
export function loadSharp(): Promise<typeof sharpType> {
  lib ??= import('sharp').then(({ default: sharp }) => {
    // libvips' operation cache would keep recent images decoded (up to 50 MB by default): memory outside
    // the decode budget, for inputs the result cache already answers the second time. One libvips thread
    // per image: images are decoded several at once on libuv's pool, and a 2-core host gains nothing more.
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  });
  return lib;
}
