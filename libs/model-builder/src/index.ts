export * from './onnx-builder.js';
export * from './text-pages.js';
export * from './heavy-model.js';
export * from './crafted-images.js';
export * from './pdf-files.js';
export * from './segmentation-model.js';
export * from './detection-model.js';
export * from './mask-model.js';
