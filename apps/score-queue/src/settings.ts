import { queueAppSettings } from '@modelfn/settings';

/** Storage Queue app settings (same names as the Azure app settings). */
export const queueSettings = queueAppSettings();
