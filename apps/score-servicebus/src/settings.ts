/** Service Bus app settings (same names as the Azure app settings). */
export const sbSettings = {
  connectionSetting: 'ServiceBusConnection',
  requestQueue: process.env.SERVICEBUS_REQUEST_QUEUE || 'scoring-requests',
  replyQueue: process.env.SERVICEBUS_REPLY_QUEUE || 'scoring-replies',
};
