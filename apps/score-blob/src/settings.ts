/** Blob app settings (same names as the Azure app settings). */
export const blobSettings = {
  connectionSetting: 'AzureWebJobsStorage',
  inputContainer: process.env.BLOB_INPUT_CONTAINER || 'images',
  outputContainer: process.env.BLOB_OUTPUT_CONTAINER || 'predictions',
};
