export { compileEntryScripts } from './compile.js';
