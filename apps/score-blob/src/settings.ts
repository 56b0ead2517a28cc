import { blobAppSettings, enumSetting } from '@modelfn/settings';

/** The blob trigger's `source`, as the Functions host names them. */
export const BLOB_TRIGGER_SOURCES = ['EventGrid', 'LogsAndContainerScan'] as const;
export type BlobTriggerSource = (typeof BLOB_TRIGGER_SOURCES)[number];

/** Blob app settings (same names as the Azure app settings). */
export const blobSettings = {
  ...blobAppSettings(),
  /**
   * Event Grid by default: the only source Flex Consumption runs, and the lower-latency one everywhere.
   * `LogsAndContainerScan` (polling) is for plans without an Event Grid subscription (Consumption, Premium,
   * Dedicated, containers), where the host scans the container itself.
   */
  triggerSource: enumSetting(process.env, 'BLOB_TRIGGER_SOURCE', BLOB_TRIGGER_SOURCES, 'EventGrid'),
};
