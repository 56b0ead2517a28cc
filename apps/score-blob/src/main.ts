import { app } from '@azure/functions';
import { blobFunctions } from './functions.js';

for (const f of blobFunctions) app.storageBlob(f.name, f.options);
