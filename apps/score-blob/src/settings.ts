import { blobAppSettings } from '@modelfn/settings';

/** Blob app settings (same names as the Azure app settings). */
export const blobSettings = blobAppSettings();
