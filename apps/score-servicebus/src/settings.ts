import { serviceBusAppSettings } from '@modelfn/settings';

/** Service Bus app settings (same names as the Azure app settings). */
export const sbSettings = serviceBusAppSettings();
