export { packageApps, functionApps, type PackagedApp, type PackageOptions } from './package-apps.js';
export { SHIPPED, INSTALL_ONLY } from './shipped.js';
