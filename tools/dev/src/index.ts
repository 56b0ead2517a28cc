// Developer CLIs (`npm run drop`, `npm run send`) and the functions behind them, for tests.
export { collectFiles, type InputFile } from './collect-files.js';
export { contentTypeOf } from './content-types.js';
export { dropBlobs, type DropOptions, type DropProgress, type DropResult } from './drop-blobs.js';
export { sendRequests, type SendOptions, type SendResult } from './send-requests.js';
