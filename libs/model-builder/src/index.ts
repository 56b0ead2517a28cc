export * from './onnx-builder.js';
export * from './text-pages.js';
