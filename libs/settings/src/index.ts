// Typed, validated reads of the app settings (environment variables with the Azure app-setting names), one
// way for every project. The README's settings table is checked against the names the code reads
// (test/readme-table.test.ts).
export {
  checkInt,
  enumSetting,
  flagSetting,
  intSetting,
  numberSetting,
  portSetting,
  textSetting,
  type Env,
  type IntBounds,
} from './read-setting.js';
export { SettingError } from './setting-error.js';
export { coresPerProcess, localHostWorkers } from './process-budget.js';
export { blobAppSettings, queueAppSettings, serviceBusAppSettings } from './app-settings.js';
export { timeSpanMs } from './time-span.js';
