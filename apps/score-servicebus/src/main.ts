import { app } from '@azure/functions';
import { serviceBusFunctions } from './functions.js';

for (const f of serviceBusFunctions) app.serviceBusQueue(f.name, f.options);
